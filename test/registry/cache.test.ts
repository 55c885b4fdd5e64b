/**
 * The blob cache: a second read of the same image downloads no blob; entries are
 * verified when read, and a corrupt one is dropped and fetched again; a blob that
 * fails its digest check is never cached; --no-cache leaves nothing behind.
 */
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { haveRegistry, pushImage, registryTarget, startFaultProxy, startRegistry, stopAllRegistries, type FaultProxy, type RegistryServer } from "../../fixtures/registry/index.js";
import { BlobCache } from "../../src/inspect/registry/cache.js";
import type { ProgressEvent } from "../../src/inspect/registry/progress.js";
import { openRegistryImage } from "../../src/inspect/registry/remote-image.js";
import { baseOptions, blobHits, cleanEnv, comparable, failure, layoutFacts, pull, removeTempDirs, sampleImage, tempDir } from "./helpers.js";

const describeIf = haveRegistry() ? describe : describe.skip;
const built = sampleImage(301);
let reg: RegistryServer;
let proxy: FaultProxy;

beforeAll(async () => {
  if (!haveRegistry()) return;
  reg = await startRegistry({ auth: "none" });
  await pushImage(registryTarget(reg), "team/app", "1", built);
  proxy = await startFaultProxy(reg.url, []);
});
afterAll(async () => {
  await proxy?.stop();
  await stopAllRegistries();
  await removeTempDirs();
});

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string) => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(join(d, e.name), `${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  };
  await walk(dir, "");
  return out.sort();
}

/** Pulls through the proxy; returns the blob GETs it made. */
async function counted(cacheDir: string | undefined, extra = {}) {
  proxy.setPlan([]);
  const before = proxy.hits.length;
  const opts = await baseOptions({ ...(cacheDir ? { cacheDir, noCache: false } : { noCache: true }), ...extra });
  const facts = await pull(`${proxy.host}/team/app:1`, opts);
  const hits = proxy.hits.slice(before);
  return { facts, blobs: blobHits(hits), hits };
}

describeIf("the blob cache", () => {
  beforeEach(() => proxy.setPlan([]));

  it("serves a second read of the same image without downloading a blob", async () => {
    const cacheDir = await tempDir("imgpolicy-cache-");
    const first = await counted(cacheDir);
    expect(first.blobs).toHaveLength(built.layers.length + 1); // layers and config
    const cache = new BlobCache(cacheDir);
    for (const d of [built.configDigest, ...built.layers.map((l) => l.digest)]) expect(await cache.has(d), d).toBe(true);
    expect(await files(join(cacheDir, "tmp"))).toEqual([]);
    const second = await counted(cacheDir);
    expect(second.blobs).toEqual([]);
    expect(comparable(second.facts)).toEqual(comparable(first.facts));
    expect(comparable(second.facts)).toEqual(comparable(await layoutFacts(built)));
  });

  it("keeps entries private to the user", async () => {
    const cacheDir = await tempDir("imgpolicy-cache-");
    await counted(cacheDir);
    const cache = new BlobCache(cacheDir);
    expect((await stat(cache.path(built.configDigest))).mode & 0o077).toBe(0);
  });

  it("drops a corrupt entry and fetches that blob again", async () => {
    const cacheDir = await tempDir("imgpolicy-cache-");
    await counted(cacheDir);
    const cache = new BlobCache(cacheDir);
    const victim = built.layers[1]!;
    const bytes = await readFile(cache.path(victim.digest));
    bytes[10] = bytes[10]! ^ 0xff;
    await writeFile(cache.path(victim.digest), bytes);
    const again = await counted(cacheDir);
    expect(again.blobs.map((h) => h.path.split("/").pop())).toEqual([victim.digest]);
    expect(comparable(again.facts)).toEqual(comparable(await layoutFacts(built)));
    expect(await readFile(cache.path(victim.digest))).toEqual(victim.blob);
    // and a truncated one
    await writeFile(cache.path(victim.digest), victim.blob.subarray(0, 5));
    expect((await counted(cacheDir)).blobs).toHaveLength(1);
  });

  it("never caches a blob that failed its digest check, and leaves no temporary file", async () => {
    const cacheDir = await tempDir("imgpolicy-cache-");
    const victim = built.layers[0]!;
    // the last byte: a flipped header byte makes zlib fail too, and its error can come
    // before the digest check's (layer-tar.ts reports it at once for a registry blob)
    proxy.setPlan([{ path: `/blobs/${victim.digest}`, fault: { kind: "corrupt" } }]);
    const err = await failure(async () => pull(`${proxy.host}/team/app:1`, await baseOptions({ cacheDir, noCache: false })));
    expect(err?.message).toMatch(/digest mismatch/);
    const cache = new BlobCache(cacheDir);
    expect(await cache.has(victim.digest)).toBe(false);
    expect(await files(join(cacheDir, "tmp"))).toEqual([]);
  });

  it("keeps nothing from a read abandoned half-way", async () => {
    const cacheDir = await tempDir("imgpolicy-cache-");
    const img = await openRegistryImage(`${proxy.host}/team/app:1`, await baseOptions({ cacheDir, noCache: false }));
    const layer = (await img.layers())[0]!;
    const s = await layer.compressed();
    await new Promise<void>((resolve, reject) => {
      s.once("data", () => resolve());
      s.once("error", reject);
    });
    s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    await img.close();
    expect(await new BlobCache(cacheDir).has(built.layers[0]!.digest)).toBe(false);
    expect(await files(join(cacheDir, "tmp"))).toEqual([]);
  });

  it("reads a digest-pinned image, manifest included, from the cache alone", async () => {
    const cacheDir = await tempDir("imgpolicy-cache-");
    const ref = `${proxy.host}/team/app@${built.manifestDigest}`;
    await pull(ref, await baseOptions({ cacheDir, noCache: false }));
    const before = proxy.hits.length;
    const facts = await pull(ref, await baseOptions({ cacheDir, noCache: false }));
    expect(facts.image.digest).toBe(built.manifestDigest);
    expect(proxy.hits.slice(before).filter((h) => h.path !== "/v2/")).toEqual([]);
  });

  it("writes nothing with --no-cache, and uses $XDG_CACHE_HOME/imgpolicy by default", async () => {
    const env = await cleanEnv();
    const none = await counted(undefined, { env });
    expect(none.blobs).toHaveLength(built.layers.length + 1);
    expect(await files(env.XDG_CACHE_HOME!)).toEqual([]);
    const opts = await baseOptions({ env, noCache: false });
    delete opts.cacheDir;
    await pull(`${proxy.host}/team/app:1`, opts);
    expect(await new BlobCache(join(env.XDG_CACHE_HOME!, "imgpolicy")).has(built.configDigest)).toBe(true);
  });

  it("reports progress per layer, from the registry and then from the cache", async () => {
    const cacheDir = await tempDir("imgpolicy-cache-");
    for (const cached of [false, true]) {
      const events: ProgressEvent[] = [];
      await pull(`${proxy.host}/team/app:1`, await baseOptions({ cacheDir, noCache: false, onProgress: (e) => events.push(e) }));
      expect(events[0]).toEqual({ type: "image", reference: `${proxy.host}/team/app:1`, layers: built.layers.map((l) => ({ digest: l.digest, size: l.size })) });
      for (const l of built.layers) {
        const mine = events.filter((e) => e.type === "blob" && e.digest === l.digest);
        expect(mine.at(-1)).toEqual({ type: "blob", digest: l.digest, received: l.size, total: l.size, done: true, cached });
        expect(mine.filter((e) => e.type === "blob" && e.done)).toHaveLength(1);
      }
    }
  });
});
