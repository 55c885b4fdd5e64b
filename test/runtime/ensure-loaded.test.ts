/**
 * Images the engine does not have, given as an OCI layout or a docker-archive: loaded
 * (as a docker-archive stream under a temporary tag), probed, and removed again.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveZstd } from "../../fixtures/compression.js";
import { buildImage, writeDockerArchive, writeOciLayout, type BuiltImage } from "../../fixtures/image-writer.js";
import { buildBehaviour, NONROOT_UID } from "../../fixtures/runtime/behaviour-images.js";
import { SourceError } from "../../src/errors.js";
import { openImage } from "../../src/inspect/resolve.js";
import { ensureLoaded, type EnsureLoadedOptions } from "../../src/runtime/ensure-loaded.js";
import { probeRef } from "./probe-ref.js";
import { engine, leftovers, orphans } from "./helpers.js";

let dir: string;
let binary: Buffer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-runtime-load-"));
  binary = await readFile(await buildBehaviour(dir));
}, 120_000);
afterAll(async () => {
  expect(await leftovers()).toEqual([]);
  expect(await orphans()).toEqual([]);
  await rm(dir, { recursive: true, force: true });
});

/** A one-layer image of the program; `seed` makes each test's config (its ID) unique. */
function appImage(seed: string, compression: "gzip" | "zstd" = "gzip"): BuiltImage {
  return buildImage({
    layers: [{ files: [{ path: "/app", content: binary, mode: 0o755 }, { path: "/tmp/", type: "dir", mode: 0o1777 }], compression }],
    config: {
      User: `${NONROOT_UID}:${NONROOT_UID}`,
      Entrypoint: ["/app"],
      ExposedPorts: { "8080/tcp": {} },
      Labels: { "imgpolicy.test": "1", seed: `${seed}-${process.pid}-${Date.now()}` },
    },
  });
}

/** ensureLoaded() of the image `ref` names, opened as check opens it (and closed after). */
async function ensure(ref: string, opts?: EnsureLoadedOptions) {
  const image = await openImage(ref);
  try {
    return await ensureLoaded(engine, image, opts);
  } finally {
    await image.close();
  }
}

async function absent(ref: string): Promise<boolean> {
  try {
    await engine.imageInspect(ref);
    return false;
  } catch (err) {
    if (err instanceof SourceError) return true;
    throw err;
  }
}

const spec = { health: { http: { port: 8080, path: "/health" } }, stayUp: 1, stop: { gracePeriod: 5 } };

describe.concurrent("images from files", () => {
  it("loads an OCI layout (which Docker 20.10 cannot load itself), probes it, removes it", async () => {
    const image = appImage("oci");
    const layout = join(dir, "layout");
    await writeOciLayout(layout, [{ image, refName: "1" }]);
    expect(await absent(image.configDigest)).toBe(true);
    const f = await probeRef(`oci:${layout}:1`, spec);
    expect(f.status).toBe("ran");
    expect(f.health).toMatchObject({ method: "http", healthy: true });
    expect(f.identity?.uid).toBe(NONROOT_UID);
    expect(await absent(image.configDigest)).toBe(true);
  }, 60_000);

  it("loads a docker-archive", async () => {
    const image = appImage("archive");
    const archive = join(dir, "app.tar");
    await writeDockerArchive(archive, [{ image, tags: ["example.com/app:1"] }], { format: "classic" });
    const f = await probeRef(`docker-archive:${archive}`, spec);
    expect(f.health?.healthy).toBe(true);
    expect(await absent(image.configDigest)).toBe(true);
  }, 60_000);

  it.skipIf(!haveZstd())("loads zstd layers uncompressed (engines before 23 cannot decompress zstd)", async () => {
    const image = appImage("zstd", "zstd");
    const layout = join(dir, "layout-zstd");
    await writeOciLayout(layout, [{ image, refName: "z" }]);
    const loaded = await ensure(`oci:${layout}:z`);
    try {
      expect(loaded.loaded).toBe(true);
      expect((await engine.imageInspect(loaded.ref)).Id).toBe(image.configDigest);
    } finally {
      await loaded.release();
    }
    expect(await absent(loaded.ref)).toBe(true);
  }, 60_000);

  it("runs an image the engine already has without loading it again", async () => {
    const image = appImage("present");
    const layout = join(dir, "layout-present");
    await writeOciLayout(layout, [{ image, refName: "1" }]);
    const first = await ensure(`oci:${layout}:1`);
    try {
      const again = await ensure(`oci:${layout}:1`);
      expect(again).toMatchObject({ ref: image.configDigest, loaded: false });
    } finally {
      await first.release();
    }
  }, 60_000);
});

describe("an image read from the engine", () => {
  it("runs by the name it was read by, loading nothing", async () => {
    const image = appImage("engine-name");
    const layout = join(dir, "layout-engine-name");
    await writeOciLayout(layout, [{ image, refName: "1" }]);
    const first = await ensure(`oci:${layout}:1`); // now in the engine, under a temporary tag
    try {
      expect(first.loaded).toBe(true);
      const again = await ensure(`docker:${first.ref}`);
      expect(again).toMatchObject({ ref: first.ref, loaded: false });
      expect(again.config.Entrypoint).toEqual(["/app"]);
    } finally {
      await first.release();
    }
    expect(await absent(image.configDigest)).toBe(true);
  }, 60_000);
});

describe("an abort while the image is loaded", () => {
  /** A 24 MiB layer more, so that the load takes a while; uncompressed, so it streams as it is. */
  function bigImage(seed: string): BuiltImage {
    const base = appImage(seed);
    return buildImage({ ...base.spec, layers: [...base.spec.layers, { files: [{ path: "/data/big", size: 24 << 20 }], compression: "none" }] });
  }

  // at once, while it is sent, and about when the engine has it all: each leaves no image
  it.for([0, 50, 200, 600, 1500])("aborted after %i ms: the call rejects or is undone, and no image is left", { timeout: 60_000 }, async (ms) => {
    const image = bigImage(`abort-${ms}`);
    const layout = join(dir, `layout-abort-${ms}`);
    await writeOciLayout(layout, [{ image, refName: "1" }]);
    const controller = new AbortController();
    const reason = new Error("the check failed elsewhere");
    const timer = setTimeout(() => controller.abort(reason), ms);
    const outcome = await ensure(`oci:${layout}:1`, { signal: controller.signal }).then(
      async (loaded) => (await loaded.release(), "loaded"),
      (err: unknown) => (expect(err).toBe(reason), "aborted"),
    );
    clearTimeout(timer);
    expect(["loaded", "aborted"]).toContain(outcome);
    expect(await absent(image.configDigest)).toBe(true);
  });
});
