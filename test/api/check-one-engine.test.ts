/**
 * One engine client per check() run: the caller's (CheckOptions.engine), else one made
 * from the environment the first time the run needs the engine, and handed to the build,
 * to the image's source and to the runtime probe alike. A check of image files alone
 * never reads the environment's engine settings.
 *
 * The engine is real: the given client is an EngineClient that records the requests it
 * sends (and sends them). The probe is replaced by one that records the client it is
 * handed (check()'s seam for the decisions made here); it runs nothing. Built images are
 * FROM scratch, labelled imgpolicy.test=1, and removed.
 */
import { mkdir, writeFile } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { check, EngineClient, type RuntimeProbe } from "../../src/index.js";
import { buildScratchImage, removeImages, TEST_LABELS } from "../../fixtures/engine-images.js";
import { writeFixtureImages, type FixtureImages } from "./fixture-images.js";

/** A real client that records each request's method and path (query left out). */
class RecordingClient extends EngineClient {
  readonly sent: string[] = [];
  override request(method: "GET" | "POST" | "DELETE", path: string, call: Parameters<EngineClient["request"]>[2]): Promise<IncomingMessage> {
    this.sent.push(`${method} ${path.split("?")[0]}`);
    return super.request(method, path, call);
  }
}

/** A probe that records the engine it was handed and runs nothing. */
function recordingProbe(): { probe: RuntimeProbe; engines: (EngineClient | undefined)[] } {
  const engines: (EngineClient | undefined)[] = [];
  const probe: RuntimeProbe = async (_image, _spec, _facts, opts) => {
    engines.push(opts.engine);
    return { status: "not-run", reason: "not run: recorded by the test" };
  };
  return { probe, engines };
}

const TAG = `imgpolicy-one-engine/app:${process.pid}`;
const client = new EngineClient();
let f: FixtureImages;
let ctx: string;
beforeAll(async () => {
  f = await writeFixtureImages("imgpolicy-one-engine-");
  ctx = join(f.dir, "ctx");
  await mkdir(ctx);
  await writeFile(join(ctx, "Dockerfile"), 'FROM scratch\nCOPY app /app\nENTRYPOINT ["/app"]\n');
  await writeFile(join(ctx, "app"), "#!/app\n");
  await buildScratchImage(client, TAG, [{ path: "app", content: "#!/app\n", mode: 0o755 }], 'ENTRYPOINT ["/app"]');
}, 120_000);
afterAll(async () => {
  await removeImages(client, [TAG]);
  await f?.cleanup();
});

describe("check(): one engine client per run", () => {
  it("a check of an image layout without --runtime reads no engine setting from the environment", async () => {
    const env = process.env;
    const read: string[] = [];
    process.env = new Proxy(env, {
      get(target, key, receiver) {
        if (typeof key === "string" && key.startsWith("DOCKER_")) read.push(key);
        return Reflect.get(target, key, receiver);
      },
    });
    try {
      const report = await check(f.good, "base");
      expect(report.images[0]!.error).toBeUndefined();
      expect(report.images[0]!.results.length).toBeGreaterThan(0);
    } finally {
      process.env = env;
    }
    expect(read).toEqual([]);
  });

  it("the engine images of one run, and their probes, share one client made for the run", async () => {
    const { probe, engines } = recordingProbe();
    const report = await check([`docker:${TAG}`, TAG], "base", { runtime: true, probe, source: "engine" });
    expect(report.images.map((i) => [i.error, i.runtime?.status])).toEqual([
      [undefined, "not-run"],
      [undefined, "not-run"],
    ]);
    expect(engines).toHaveLength(2);
    expect(engines[0]).toBeInstanceOf(EngineClient);
    expect(engines[1]).toBe(engines[0]);
    // a second run makes its own
    const again = recordingProbe();
    await check(f.good, "base", { runtime: true, probe: again.probe });
    expect(again.engines[0]).toBeInstanceOf(EngineClient);
    expect(again.engines[0]).not.toBe(engines[0]);
  });

  it("the caller's client builds the image, reads it, removes it, and is the one the probe gets", async () => {
    const engine = new RecordingClient();
    const { probe, engines } = recordingProbe();
    const report = await check([], { policy: "base", engine, runtime: true, probe, build: { context: ctx, labels: TEST_LABELS } });
    expect(report.images[0]!.error).toBeUndefined();
    expect(engines).toEqual([engine]);
    expect(engine.sent).toContain("POST /build");
    expect(engine.sent.some((s) => /^GET \/images\/.+\/get$/.test(s))).toBe(true); // the built image, exported to be read
    expect(engine.sent.some((s) => s.startsWith("DELETE /images/"))).toBe(true); // and removed after the check
  });
});
