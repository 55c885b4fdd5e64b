/** `imgpolicy/vitest`: the image handle and the matchers, on OCI layouts from the fixture writer. */
import { cp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyError } from "../../src/index.js";
import { image, ImageHandle, isImageHandle } from "../../src/vitest/index.js";
import { writeFixtureImages, type FixtureImages } from "./fixture-images.js";

let f: FixtureImages;
beforeAll(async () => {
  f = await writeFixtureImages("imgpolicy-matchers-");
});
afterAll(() => f?.cleanup());

/** The message a matcher's failure carries. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected the assertion to fail");
}

describe("image()", () => {
  it("is lazy and memoises: one check per policy, one inspection for facts", async () => {
    const h = image(f.missing);
    expect(isImageHandle(h)).toBe(true);
    expect(h).toBeInstanceOf(ImageHandle);
    expect(String(h)).toBe(f.missing);
    const ok = image(f.good);
    const a = ok.verdict("base");
    expect(ok.verdict("base")).toBe(a);
    expect(ok.verdict(["base"])).toBe(a);
    expect(ok.verdict("base", { failOn: "info" })).not.toBe(a);
    expect(ok.facts()).toBe(ok.facts());
    expect((await a).report.policies).toEqual(["base"]);
  });

  it("forgets a failed check so that a later assertion tries again", async () => {
    const h = image(f.missing);
    const first = h.verdict("base");
    await expect(first).rejects.toThrow(/could not be checked: .*no such file or directory/);
    expect(h.verdict("base")).not.toBe(first);
    await h.verdict("base").catch(() => {});
  });

  it("rejects an empty reference at once", () => {
    expect(() => image("")).toThrow(/reference is empty/);
  });
});

describe("toPassPolicy", () => {
  it("passes for an image that passes, and takes a reference string too", async () => {
    await expect(image(f.good)).toPassPolicy("base");
    await expect(f.good).toPassPolicy("base");
  });

  it("lists each failed rule with its severity, first finding and fix", async () => {
    const msg = await failure(expect(image(f.bad)).toPassPolicy("base"));
    expect(msg).toMatch(new RegExp(`^expected ${f.bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} to pass policy base \\(fails on high and above\\), but 4 rules failed:`));
    expect(msg).toMatch(/ {2}CRITICAL IMG-ENV-001 {2}.*\n {4}- .*API_TOKEN.*\n {6}where: config Env\.API_TOKEN; expected: .*; found: .*\n {4}fix: /);
    expect(msg).toMatch(
      / {2}HIGH {5}IMG-USER-001 {2}USER is set and is not root\n {4}- USER is not set.*\n {6}where: config User; expected: .*\n {4}fix: Run as an unprivileged, numeric user .*:\n {9}USER 65532:65532\n/,
    );
    expect(msg).toMatch(/below the threshold \(reported, not failing\): .*\(medium\)/);
    // worst first
    expect(msg.indexOf("CRITICAL")).toBeLessThan(msg.indexOf("HIGH "));
    // never the secret value
    expect(msg).not.toContain("tok_1234567890abcdef");
  });

  it("rejects with the rule id, as `expect(expect(…).toPassPolicy(…)).rejects` sees it", async () => {
    await expect(expect(image(f.bad)).toPassPolicy("go-scratch")).rejects.toThrow(/IMG-USER-001/);
  });

  it("works with .not, and says what passed when it should not have", async () => {
    await expect(image(f.bad)).not.toPassPolicy("base");
    const msg = await failure(expect(image(f.good)).not.toPassPolicy("base"));
    expect(msg).toMatch(/expected .*good:1 not to pass policy base, but it passed: \d+ rules passed, 1 failed below the threshold, 0 waived, \d+ not applicable/);
  });

  it("takes failOn, a layered policy and a loaded policy", async () => {
    const msg = await failure(expect(image(f.good)).toPassPolicy("base", { failOn: "medium" }));
    expect(msg).toMatch(/fails on medium and above\), but 1 rule failed:\n {2}MEDIUM {3}IMG-CA-001/);
    const lenient = join(f.dir, "lenient.yaml");
    await writeFile(lenient, "failOn: critical\nrules:\n  IMG-ENV-001: off\n  IMG-FS-005: off\n");
    await expect(image(f.bad)).toPassPolicy(["base", lenient]);
    const { resolvePolicy } = await import("../../src/index.js");
    await expect(image(f.bad)).toPassPolicy(await resolvePolicy(["base", lenient]));
  });

  it("a policy that does not load is a PolicyError with file:line:col, not a failed assertion", async () => {
    const broken = join(f.dir, "broken.yaml");
    await writeFile(broken, "rules:\n  IMG-USR-001: high\nfailOn: severe\n");
    const err = await expect(image(f.good)).toPassPolicy(broken).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PolicyError);
    expect((err as Error).message.split("\n")).toEqual([expect.stringMatching(/broken\.yaml:2:3: unknown rule 'IMG-USR-001'/), expect.stringMatching(/broken\.yaml:3:9: failOn/)]);
  });

  it("an image that cannot be read rejects, with or without .not", async () => {
    await expect(expect(image(f.missing)).toPassPolicy("base")).rejects.toThrow(/could not be checked: .*no such file or directory/);
    await expect(expect(image(f.missing)).not.toPassPolicy("base")).rejects.toThrow(/could not be checked/);
  });

  it("refuses what is not an image", async () => {
    await expect(expect(42).toPassPolicy("base")).rejects.toThrow(/expected image\("REF"\) or an image reference string, received number/);
  });
});

describe("toHaveNoFindings", () => {
  it("judges one rule with its defaults", async () => {
    await expect(image(f.good)).toHaveNoFindings("IMG-USER-001");
    await expect(image(f.bad)).not.toHaveNoFindings("IMG-USER-001");
    const msg = await failure(expect(image(f.bad)).toHaveNoFindings("IMG-ENV-001"));
    expect(msg).toMatch(/^expected .*bad:1 to have no findings of IMG-ENV-001, but it has 1:\n {2}CRITICAL IMG-ENV-001 .*\n {4}- .*API_TOKEN.*\n {6}where: .*\n {4}fix: /);
  });

  it("takes options and a policy (its waivers count)", async () => {
    await expect(image(f.good)).not.toHaveNoFindings("IMG-SIZE-001", { options: { maxBytes: 1 } });
    const waive = join(f.dir, "waive.yaml");
    await writeFile(waive, "waivers:\n  - rule: IMG-ENV-001\n    reason: test token\n");
    await expect(image(f.bad)).toHaveNoFindings("IMG-ENV-001", { policy: waive });
    const msg = await failure(expect(image(f.bad)).not.toHaveNoFindings("IMG-ENV-001", { policy: waive }));
    expect(msg).toMatch(/every finding is waived/);
  });

  it("not applicable counts as no findings, and .not says why", async () => {
    const msg = await failure(expect(image(f.good)).not.toHaveNoFindings("IMG-BIN-002"));
    expect(msg).toMatch(/to have findings of IMG-BIN-002, but it was not applicable: the entrypoint program \/app is not an ELF binary/);
  });

  it("judges the handle's facts: one read for every such assertion", async () => {
    const copy = join(f.dir, "copy");
    await cp(join(f.dir, "good"), copy, { recursive: true });
    const h = image(`oci:${copy}:1`);
    await expect(h).toHaveFacts({ config: { user: "65532:65532" } });
    await rm(copy, { recursive: true });
    // the layout is gone: these can only pass on what the handle already read
    await expect(h).toHaveNoFindings("IMG-USER-001");
    await expect(h).toHaveNoFindings("IMG-ENV-001");
    await expect(h).not.toHaveNoFindings("IMG-SIZE-001", { options: { maxBytes: 1 } });
  });

  it("an unknown rule id is an error that names the rules near it", async () => {
    await expect(expect(image(f.good)).toHaveNoFindings("IMG-USER-999")).rejects.toThrow(/unknown rule 'IMG-USER-999' \(rules starting IMG-USER: IMG-USER-001/);
  });
});

describe("toHaveFacts", () => {
  it("matches a deep partial of the facts, asymmetric matchers included", async () => {
    await expect(image(f.good)).toHaveFacts({
      config: { user: "65532:65532", entrypoint: ["/app"], labels: { "org.opencontainers.image.version": "1.0.0" } },
      users: { user: { uid: 65532, root: false } },
      image: { platform: { os: "linux", architecture: "amd64" }, digest: expect.stringMatching(/^sha256:/) },
    });
    await expect(image(f.bad)).not.toHaveFacts({ users: { user: { root: false } } });
  });

  it("shows a diff of the part it was asked about", async () => {
    const msg = await failure(expect(image(f.bad)).toHaveFacts({ config: { user: "65532", cmdForm: "shell" } }));
    expect(msg).toMatch(/expected the facts of .*bad:1 to contain the expected values/);
    expect(msg).toMatch(/- +"user": "65532"/);
    expect(msg).not.toMatch(/"binaries"/);
  });
});

describe("image() handles: one runtime probe, rule-id hints, platform strings", () => {
  it("runs the image once per handle, whatever the matchers and policies that ask", async () => {
    let runs = 0;
    const probe = async () => {
      runs++;
      return { status: "not-run" as const, reason: "not run: a stand-in probe" };
    };
    const h = image(f.good, { runtime: true, probe });
    await expect(h).toPassPolicy("base");
    await expect(h).toHaveNoFindings("IMG-RUN-001");
    await expect(h).toPassPolicy(["base"], { failOn: "critical" });
    expect(runs).toBe(1);
    // another handle runs it again
    await expect(image(f.good, { runtime: true, probe })).toPassPolicy("base");
    expect(runs).toBe(2);
  });

  it("an unknown rule id gets a did-you-mean", async () => {
    await expect(expect(image(f.good)).toHaveNoFindings("IMG-USR-001")).rejects.toThrow(/unknown rule 'IMG-USR-001' \(did you mean IMG-USER-001\?\)/);
  });

  it("takes the platform as a string", async () => {
    const arm = await image(f.multi, { platform: "linux/arm64" }).facts();
    expect(arm.image.platform).toMatchObject({ os: "linux", architecture: "arm64" });
    await expect(image(f.multi, { platform: "linux/amd64" })).toPassPolicy("base");
    await expect(image(f.multi, { platform: "linux/arm64" })).not.toPassPolicy("base");
  });
});
