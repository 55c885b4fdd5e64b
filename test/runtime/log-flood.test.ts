/**
 * A container that prints without end, in lines of 10 MiB, while the probe waits
 * for a log line: the wait reads its logs in bounded memory (testcontainers' log wait
 * kept the whole line), gives up at the startup timeout and stops reading, the
 * container's logs on the engine's disk are capped (max-size), and the container is
 * removed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBusyboxBase } from "../../fixtures/engine-images.js";
import { defaultLoggingDriver, inspectContainer } from "../../src/engine/containers.js";
import { OWNER_LABEL, ownerLabel, RUN_LABEL } from "../../src/runtime/labels.js";
import { LOG_MAX_SIZE, probeLogConfig } from "../../src/runtime/log-config.js";
import { probeRef } from "./probe-ref.js";
import { engine, leftovers, orphans } from "./helpers.js";

let base: string;
beforeAll(async () => {
  base = await ensureBusyboxBase(engine);
}, 120_000);
afterAll(async () => {
  expect(await leftovers()).toEqual([]);
  expect(await orphans()).toEqual([]);
});

// lines of 10 MiB of zeros (160 blocks of 64 KiB, no newline between them), each after a
// line "flooding" (the engine rotates the log at 10 MiB: a first line alone could be gone
// before testcontainers' log consumer attaches)
const FLOOD = ["sh", "-c", "while :; do echo; echo flooding; i=0; while [ $i -lt 160 ]; do printf %065536d 0; i=$((i+1)); done; done"];

describe("the log wait under a flood", () => {
  it("caps the container's logs where the engine's driver rotates them", async () => {
    const driver = await defaultLoggingDriver(engine);
    const cfg = await probeLogConfig(engine);
    if (driver === "json-file" || driver === "local") expect(cfg).toEqual({ Type: driver, Config: { "max-size": LOG_MAX_SIZE, "max-file": "1" } });
    else expect(cfg).toBeUndefined(); // journald, syslog, none...: they refuse max-size
  });

  it("reads an endless line in bounded memory, gives up at the timeout, and removes the container", async () => {
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    let logConfig: Promise<unknown> | undefined;
    try {
      const f = await probeRef(base, { entrypoint: FLOOD, health: { log: "^ready$" }, startupTimeout: 4, writeProbe: false, stop: { gracePeriod: 1 } }, undefined, {
        onLog: (line) => {
          if (logConfig || line !== "flooding") return;
          logConfig = (async () => {
            const [c] = await engine.listContainers({ label: [RUN_LABEL, `${OWNER_LABEL}=${ownerLabel()}`] });
            return ((await inspectContainer(engine, c!.Id)) as unknown as { HostConfig: { LogConfig: unknown } }).HostConfig.LogConfig;
          })();
        },
      });
      expect(f.status).toBe("ran");
      expect(f.health).toMatchObject({ method: "log", healthy: false, detail: "no log line matched /^ready$/ within 4s" });
    } finally {
      clearInterval(sampler);
    }
    const capped = await probeLogConfig(engine);
    expect(await logConfig).toEqual(capped ?? expect.anything()); // this engine's driver is json-file: capped
    console.log("log flood: peak RSS growth", Math.round((peak - baseline) / 1048576), "MiB");
    expect(peak - baseline).toBeLessThan(128 << 20);
    expect(await leftovers()).toEqual([]);
  }, 60_000);
});
