import { hostname } from "node:os";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { labelledByImgpolicy, ownerMayLive } from "./gc.js";
import { OWNER_LABEL, PURPOSE_LABEL, RUN_LABEL, RUNTIME_LABEL, runtimeLabels } from "./labels.js";

/** What an image's author can write: every one of imgpolicy's labels, with values of their choosing. */
const forged = { [RUNTIME_LABEL]: "1", [RUN_LABEL]: "m1abc-deadbeef", [OWNER_LABEL]: `${hostname()}/999999`, [PURPOSE_LABEL]: "probe" };

describe("labelledByImgpolicy", () => {
  it("a container imgpolicy created from a plain image is its own", () => {
    expect(labelledByImgpolicy(runtimeLabels("m1abc-0a1b2c3d", "probe"), {})).toBe(true);
    expect(labelledByImgpolicy(runtimeLabels("m1abc-0a1b2c3d", "probe"), null)).toBe(true); // Config.Labels null
  });

  it("a user's container whose labels all come from its image is not", () => {
    expect(labelledByImgpolicy({ ...forged, "org.example": "x" }, forged)).toBe(false);
  });

  it("imgpolicy's own container of a labelled image is its own: the run id is fresh, the image's is overridden", () => {
    expect(labelledByImgpolicy({ ...forged, ...runtimeLabels("m1abc-0a1b2c3d", "write-probe") }, forged)).toBe(true);
  });

  it("no run label, or an empty one, is not imgpolicy's, whatever else the labels say", () => {
    const { [RUN_LABEL]: _run, ...rest } = forged;
    expect(labelledByImgpolicy(rest, {})).toBe(false);
    expect(labelledByImgpolicy({ ...forged, [RUN_LABEL]: "" }, {})).toBe(false);
    expect(labelledByImgpolicy(null, {})).toBe(false);
  });

  it("an image that carries only other imgpolicy labels does not hide imgpolicy's run label", () => {
    const { [RUN_LABEL]: _run, ...imageLabels } = forged;
    expect(labelledByImgpolicy(forged, imageLabels)).toBe(true);
  });
});

describe("ownerMayLive", () => {
  it("this process, a dead pid, another machine, no or a malformed owner", () => {
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    expect(ownerMayLive(`${hostname()}/${process.pid}`)).toBe(true);
    expect(ownerMayLive(`${hostname()}/${dead}`, hostname())).toBe(false);
    expect(ownerMayLive(`elsewhere.example/${dead}`, "here.example")).toBe(true);
    expect(ownerMayLive(undefined)).toBe(false);
    expect(ownerMayLive("no-pid-here")).toBe(false);
  });
});
