/**
 * No hang, ever, after a failure: the real binary, for each point where reading the image
 * can fail while `check --runtime` runs it (and before it does), prints one error line,
 * exits 2 within seconds, and leaves no container and no loaded image behind. The moment
 * of the failure is the test's to choose: the image is read from a registry that holds
 * its last layer until the test releases it (at a container event) and then sends bytes
 * that are not the layer, while the probe runs the same image from the engine.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { buildImage, writeDockerArchive, type BuiltImage } from "../../fixtures/image-writer.js";
import { EngineClient } from "../../src/engine/client.js";
import { busyboxImage, loadedTagPrefix, preload, readBusybox } from "./failing-images.js";
import { startHeldRegistry, type HeldRegistry } from "./held-registry.js";
import { containersOf, spawnCli, tagsStartingWith, type CliRun } from "./spawn-cli.js";

const engine = new EngineClient();
/** Generous: a failure is followed by an exit in about a second; a hang is killed at the hard timeout. */
const EXIT_WITHIN_MS = 15_000;
const HARD_TIMEOUT_MS = 90_000;

let dir: string;
/** An image the engine has and a registry holds, by the same name. */
interface Held {
  image: BuiltImage;
  registry: HeldRegistry;
  ref: string;
}
let sleeper: Held;
let quitter: Held;
const preloaded: string[] = [];
const policy = (name: string) => join(dir, `${name}.yaml`);

async function held(name: string, command: string[]): Promise<Held> {
  const image = busyboxImage(name, command);
  const repository = `failure-exit/${name}`;
  const registry = await startHeldRegistry(image, repository);
  const ref = `${registry.host}/${repository}:1`;
  await preload(engine, dir, image, ref);
  preloaded.push(ref);
  return { image, registry, ref };
}

/** check, reading the image from the registry (never from a cache) and running it from the engine. */
const fromRegistry = (ref: string) => ["--source", "registry", "--no-cache", ref];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-failure-exit-"));
  await readBusybox();
  sleeper = await held("sleeper", ["/bin/busybox", "sleep", "600"]);
  quitter = await held("quitter", ["/bin/busybox", "false"]);
  // healthy only on a log line that never comes: the probe waits (up to 5 minutes)
  await writeFile(policy("wait"), "extends: base\nruntime:\n  health: { log: never printed }\n  startupTimeout: 300\n");
  // the image has no HEALTHCHECK: the probe fails as it plans the run
  await writeFile(policy("no-healthcheck"), "extends: base\nruntime:\n  health: { healthcheck: true }\n");
  await writeFile(policy("stay"), "extends: base\nruntime:\n  stayUp: 120\n");
}, 120_000);

afterAll(async () => {
  await sleeper?.registry.close();
  await quitter?.registry.close();
  for (const ref of preloaded) await engine.imageRemove(ref, { force: false }).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

/** Exit 2, one line on stderr matching `line`, soon after `failedAt`, and nothing of the run left on the engine. */
async function expectPromptFailure(ctx: TestContext, r: CliRun, failedAt: number, line: RegExp, loadedPrefix?: string) {
  const after = r.endedAt - failedAt;
  ctx.annotate(`exit ${r.endedAt - r.startedAt} ms after the start, ${after} ms after the failure; container events: ${r.events.map((e) => e.action).join(", ") || "none"}`);
  expect(r.hung, `hung: ${r.stderr}`).toBe(false);
  expect(r.stderr.trimEnd().split("\n"), r.stderr).toHaveLength(1);
  expect(r.stderr.trimEnd()).toMatch(line);
  expect(r.code).toBe(2);
  expect(after).toBeLessThan(EXIT_WITHIN_MS);
  expect(await containersOf(r.pid)).toEqual([]);
  if (loadedPrefix) expect(await tagsStartingWith(loadedPrefix)).toEqual([]);
}

const LAYER_FAILED = /^imgpolicy: 127\.0\.0\.1:\d+\/failure-exit\/\w+:1: layer 2\/2 \(sha256:[0-9a-f]{12}\): .*(digest|does not match)/;

describe("check --runtime: the layer scan fails while the probe runs", () => {
  /** Runs check --runtime, releasing the held layer `delayMs` after the first container event named `at`. */
  async function failAt(at: string, policyName: string, delayMs = 0): Promise<{ run: CliRun; failedAt: number }> {
    const release = sleeper.registry.arm();
    let failedAt = 0;
    const run = await spawnCli(["check", "--runtime", "--policy", policy(policyName), ...fromRegistry(sleeper.ref)], {
      hardTimeoutMs: HARD_TIMEOUT_MS,
      onEvent: (action) => {
        if (action !== at || failedAt) return;
        failedAt = -1;
        setTimeout(() => {
          failedAt = Date.now();
          release();
        }, delayMs);
      },
    });
    release();
    return { run, failedAt };
  }

  // the probe's first second or two: engine ping, image lookup, testcontainers' client, the
  // create request; a failure before the create is answered once left a container's memory
  // sampler polling for minutes
  it.for([0, 300, 600, 900, 1200, 1800])("%i ms after the probe started", { timeout: 120_000 }, async (ms, ctx) => {
    const release = sleeper.registry.arm(ms);
    const run = await spawnCli(["check", "--runtime", "--policy", policy("wait"), ...fromRegistry(sleeper.ref)], { hardTimeoutMs: HARD_TIMEOUT_MS });
    release();
    await expectPromptFailure(ctx, run, run.firstStderrAt ?? run.endedAt, LAYER_FAILED);
  });

  it("as the probe creates its container", async (ctx) => {
    const { run, failedAt } = await failAt("create", "wait");
    expect(failedAt, "the container was never created").toBeGreaterThan(0);
    await expectPromptFailure(ctx, run, failedAt, LAYER_FAILED);
    expect(run.events.map((e) => e.action)).toContain("destroy");
  }, 120_000);

  it("while the probe waits for the container to be healthy", async (ctx) => {
    const { run, failedAt } = await failAt("start", "wait", 1500);
    expect(failedAt, "the container never started").toBeGreaterThan(0);
    await expectPromptFailure(ctx, run, failedAt, LAYER_FAILED);
    expect(run.events.map((e) => e.action)).toEqual(expect.arrayContaining(["create", "start", "destroy"]));
  }, 120_000);

  it("after the probe's container exited at once and was removed (the report waits for the scan, then the scan fails)", async (ctx) => {
    const release = quitter.registry.arm();
    let failedAt = 0;
    let destroyed = 0;
    const run = await spawnCli(["check", "--runtime", ...fromRegistry(quitter.ref)], {
      hardTimeoutMs: HARD_TIMEOUT_MS,
      onEvent: (action) => {
        // the hardened run and then the write probe: release once both are gone
        if (action === "destroy" && ++destroyed === 2) {
          failedAt = Date.now();
          release();
        }
      },
    });
    release();
    expect(failedAt, "the probe's runs did not both end").toBeGreaterThan(0);
    await expectPromptFailure(ctx, run, failedAt, LAYER_FAILED);
  }, 120_000);
});

describe("check --runtime: the probe fails while the layers are read", () => {
  it("stops the scan at once and reports the probe's error", async (ctx) => {
    const release = sleeper.registry.arm();
    // the layer is held until the test ends: only an aborted scan lets the error come
    const run = await spawnCli(["check", "--runtime", "--policy", policy("no-healthcheck"), ...fromRegistry(sleeper.ref)], {
      hardTimeoutMs: HARD_TIMEOUT_MS,
    });
    release();
    expect(run.endedAt - run.startedAt, "the scan was waited for").toBeLessThan(EXIT_WITHIN_MS);
    await expectPromptFailure(ctx, run, run.firstStderrAt ?? run.endedAt, /^imgpolicy: runtime\.health\.healthcheck is set, but the image has no HEALTHCHECK$/);
    expect(run.events).toEqual([]);
  }, 120_000);
});

describe("check --runtime of an archive the probe loads into the engine", () => {
  /** The image is not in the engine: the probe loads it (a 64 MiB layer) while its last layer, cut short, fails the scan. */
  it("the scan fails while the probe loads the image: no loaded image is left", async (ctx) => {
    const spec = busyboxImage("loading", ["/bin/busybox", "sleep", "600"], [{ files: [{ path: "/data/big", size: 64 << 20 }], compression: "none" }]).spec;
    spec.layers.push({ files: [{ path: "/data/cut", size: 1 << 20 }], compression: "none" });
    const image = buildImage(spec, { faults: { truncateLayer: 3 } });
    const archive = join(dir, "loading.tar");
    await writeDockerArchive(archive, [{ image, tags: ["imgpolicy-test/loading:1"] }], { format: "classic" });
    const run = await spawnCli(["check", "--runtime", "--policy", policy("wait"), `docker-archive:${archive}`], { hardTimeoutMs: HARD_TIMEOUT_MS });
    await expectPromptFailure(ctx, run, run.firstStderrAt ?? run.endedAt, /^imgpolicy: docker-archive:.*: layer 4\/4 /, loadedTagPrefix(image));
    expect(run.events).toEqual([]);
  }, 120_000);

  it.for(["SIGTERM", "SIGINT"] as const)("%s while the loaded image runs: the container and the loaded image are removed", { timeout: 120_000 }, async (signal, ctx) => {
    const image = busyboxImage(`signal-${signal}`, ["/bin/busybox", "sleep", "600"]);
    const archive = join(dir, `signal-${signal}.tar`);
    await writeDockerArchive(archive, [{ image, tags: ["imgpolicy-test/signal:1"] }], { format: "classic" });
    let sentAt = 0;
    const run = await spawnCli(["check", "--runtime", "--policy", policy("stay"), `docker-archive:${archive}`], {
      hardTimeoutMs: HARD_TIMEOUT_MS,
      onEvent: (action, child) => {
        if (action !== "start" || sentAt) return;
        sentAt = Date.now();
        setTimeout(() => child.kill(signal), 1000);
      },
    });
    expect(sentAt, "the container never started").toBeGreaterThan(0);
    ctx.annotate(`ended ${run.endedAt - sentAt - 1000} ms after the signal`);
    expect(run.hung).toBe(false);
    expect(run.signal).toBe(signal); // cleaned up, then died of the signal
    expect(await containersOf(run.pid)).toEqual([]);
    expect(await tagsStartingWith(loadedTagPrefix(image))).toEqual([]);
  });
});

describe("a source that fails before its config is read", () => {
  let archive: string;
  beforeAll(async () => {
    const image = busyboxImage("no-config", ["/bin/busybox", "true"]);
    archive = join(dir, "no-config.tar");
    await writeDockerArchive(archive, [{ image: buildImage(image.spec, { faults: { missingBlob: "config" } }), tags: ["imgpolicy-test/no-config:1"] }], { format: "classic" });
  });

  it.for(["inspect", "check", "check --runtime"])("%s: exit 2 with one line, at once", { timeout: 120_000 }, async (command, ctx) => {
    const run = await spawnCli([...command.split(" "), `docker-archive:${archive}`], { hardTimeoutMs: HARD_TIMEOUT_MS });
    await expectPromptFailure(ctx, run, run.startedAt, /^imgpolicy: .*(missing|no such file)/);
    expect(run.events).toEqual([]);
  });
});

describe("a layer that fails without the runtime", () => {
  // the first scan of the process: its scanner loads while the bad blob arrives
  it.for(["inspect", "check"])("%s: exit 2 with one line, at once", { timeout: 120_000 }, async (command, ctx) => {
    const run = await spawnCli([command, ...fromRegistry(sleeper.ref)], { hardTimeoutMs: HARD_TIMEOUT_MS });
    await expectPromptFailure(ctx, run, run.startedAt, LAYER_FAILED);
  });
});
