/**
 * The blob cache under a cap, against the real registry: a pull evicts the least
 * recently used blobs down to the cap, at its start and after each blob it stores; a
 * blob larger than the cap streams uncached; and two imgpolicy processes share one
 * cache: a blob one is reading survives the other's prune (whether it was already
 * open, or only verified and not yet opened), and two pulls at once under a small cap
 * both succeed and leave the cache under it, with nothing else in it touched.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { buildImage } from "../../fixtures/image-writer.js";
import { randomImage } from "../../fixtures/random-image.js";
import { haveRegistry, pushImage, registryTarget, type FaultProxy } from "../../fixtures/registry/index.js";
import { cacheInfo, scanEntries } from "../../src/inspect/registry/cache-entries.js";
import { BlobCache, writeCached } from "../../src/inspect/registry/cache.js";
import { RegistryBlobSource } from "../../src/inspect/registry/blob-source.js";
import { RegistryClient } from "../../src/inspect/registry/client.js";
import { openRegistryImage } from "../../src/inspect/registry/remote-image.js";
import { Transport } from "../../src/inspect/registry/transport.js";
import { baseOptions, blobHits, FAST_RETRY, cleanEnv, comparable, layoutFacts, pull, sampleImage, tempDir, useFaultRegistry } from "./helpers.js";

const run = promisify(execFile);
const haveBuild = existsSync("dist/cli/main.js");
const describeIf = haveRegistry() ? describe : describe.skip;
const describeCli = haveRegistry() && haveBuild ? describe : describe.skip;

const built = sampleImage(302);
// layers of 1.4 and 2.3 MB: more than one 1 MiB read of the cache's file stream
const large = buildImage(randomImage(303, { layers: 2, filesPerLayer: 6, maxFileSize: 1 << 20 }), {});
const rig = useFaultRegistry(built);
let proxy: FaultProxy;

beforeAll(async () => {
  if (!haveRegistry()) return;
  await pushImage(registryTarget(rig.reg), "team/large", "1", large);
  proxy = await rig.through([]);
});

/** Every blob the pull stores: the manifest, the config, the layers. */
const stored = [
  { digest: built.manifestDigest, size: built.manifest.length },
  { digest: built.configDigest, size: built.config.length },
  ...built.layers.map((l) => ({ digest: l.digest, size: l.size })),
];
const total = stored.reduce((n, b) => n + b.size, 0);
const sha256 = (b: Buffer) => "sha256:" + createHash("sha256").update(b).digest("hex");

async function pullCapped(cacheDir: string, cap?: number) {
  const env = await cleanEnv(cap === undefined ? {} : { IMGPOLICY_CACHE_MAX: String(cap) });
  const before = proxy.hits.length;
  const facts = await pull(`${proxy.host}/team/app:1`, await baseOptions({ env, cacheDir, noCache: false }));
  return { facts, downloaded: blobHits(proxy.hits.slice(before)).map((h) => h.path.split("/").pop()!) };
}

const digests = async (dir: string) => (await scanEntries(dir)).map((e) => e.digest).sort();

describeIf("the blob cache under a cap", () => {
  it("evicts the least recently used blobs at a process's start, and fetches them again when they are needed", async () => {
    const cacheDir = await tempDir("imgpolicy-cap-");
    await pullCapped(cacheDir);
    expect(await digests(cacheDir)).toEqual(stored.map((b) => b.digest).sort());
    // last used: the middle layer longest ago, then the rest in order
    const victim = built.layers[1]!;
    const cache = new BlobCache(cacheDir);
    const order = [victim.digest, ...stored.map((b) => b.digest).filter((d) => d !== victim.digest)];
    for (const [i, d] of order.entries()) await utimes(cache.path(d), 1_700_000_000 + i, 1_700_000_000 + i);

    const cap = total - victim.size;
    const starting = new BlobCache(cacheDir, { maxBytes: cap });
    expect(await starting.usable()).toBe(true);
    await starting.settle();
    expect(await digests(cacheDir)).toEqual(order.slice(1).sort());

    const again = await pullCapped(cacheDir, cap);
    expect(again.downloaded).toContain(victim.digest);
    expect(comparable(again.facts)).toEqual(comparable(await layoutFacts(built)));
    expect((await cacheInfo(cacheDir)).bytes).toBeLessThanOrEqual(cap);
  });

  it("stays under a cap smaller than the image after a pull, which still reads every blob", async () => {
    const cacheDir = await tempDir("imgpolicy-cap-");
    const cap = total - 1;
    const first = await pullCapped(cacheDir, cap);
    expect(comparable(first.facts)).toEqual(comparable(await layoutFacts(built)));
    const info = await cacheInfo(cacheDir);
    expect(info.bytes).toBeLessThanOrEqual(cap);
    expect(info.blobs).toBeLessThan(stored.length);
    expect(info.blobs).toBeGreaterThan(0);
    expect(await readdir(join(cacheDir, "tmp"))).toEqual([]);
  });

  it("streams a blob larger than the cap without caching it", async () => {
    const cacheDir = await tempDir("imgpolicy-cap-");
    const biggest = built.layers.reduce((a, b) => (b.size > a.size ? b : a));
    const cap = biggest.size - 1;
    const r = await pullCapped(cacheDir, cap);
    expect(comparable(r.facts)).toEqual(comparable(await layoutFacts(built)));
    expect(await new BlobCache(cacheDir).has(biggest.digest)).toBe(false);
    expect((await cacheInfo(cacheDir)).bytes).toBeLessThanOrEqual(cap);
    expect(await readdir(join(cacheDir, "tmp"))).toEqual([]);
    expect((await pullCapped(cacheDir, cap)).downloaded).toContain(biggest.digest);
  });
});

/** `imgpolicy ARGS` as a process of its own. */
async function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const home = await tempDir("imgpolicy-home-");
  return run(process.execPath, ["bin/imgpolicy.js", ...args], {
    env: { PATH: process.env.PATH, HOME: home, DOCKER_CONFIG: join(home, ".docker"), DOCKER_HOST: "unix:///nonexistent/docker.sock", ...env },
    timeout: 60_000,
  });
}

describeCli("two imgpolicy processes sharing the cache", () => {
  const layer = large.layers.reduce((a, b) => (b.size > a.size ? b : a));

  async function openLayer(cacheDir: string) {
    const img = await openRegistryImage(`${proxy.host}/team/large:1`, await baseOptions({ cacheDir, noCache: false }));
    const layers = await img.layers();
    const l = layers[large.layers.indexOf(layer)]!;
    expect(await l.digest()).toBe(layer.digest);
    return { img, stream: await l.compressed() };
  }

  async function rest(stream: NodeJS.ReadableStream, first: Buffer[] = []): Promise<Buffer> {
    const chunks = [...first];
    for await (const c of stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  it("a blob being read by one is read to its end while the other prunes the cache", async () => {
    const cacheDir = await tempDir("imgpolicy-shared-");
    await pull(`${proxy.host}/team/large:1`, await baseOptions({ cacheDir, noCache: false }));
    const cache = new BlobCache(cacheDir);
    expect(await cache.has(layer.digest)).toBe(true);

    const { img, stream } = await openLayer(cacheDir);
    const first = await new Promise<Buffer>((resolve, reject) => {
      stream.once("data", (c: Buffer) => {
        stream.pause();
        resolve(c);
      });
      stream.once("error", reject);
    });
    expect(first.length).toBeLessThan(layer.size);
    const hitsBefore = proxy.hits.length;
    const pruned = await cli(["cache", "prune", "--all", "--cache-dir", cacheDir]);
    expect(pruned.stdout).toMatch(new RegExp(`^freed [\\d.]+ MB in ${cacheDir}: 4 blobs removed; 0 blobs \\(0 B\\) left\\n$`));
    expect(await cache.has(layer.digest)).toBe(false);
    const bytes = await rest(stream.resume(), [first]);
    await img.close();
    expect(sha256(bytes)).toBe(layer.digest);
    expect(blobHits(proxy.hits.slice(hitsBefore))).toEqual([]);
  });

  it("a blob verified by one and removed by the other before it is read is downloaded after all", async () => {
    const cacheDir = await tempDir("imgpolicy-shared-");
    await pull(`${proxy.host}/team/large:1`, await baseOptions({ cacheDir, noCache: false }));
    // the blob source itself: a layer's reader starts reading as soon as it is handed out
    const transport = new Transport({});
    const client = new RegistryClient(proxy.host, "team/large", { transport, allowHttp: true, credentials: async () => undefined, retry: FAST_RETRY });
    const cache = new BlobCache(cacheDir);
    const source = new RegistryBlobSource({ name: "large", client, cache, sizes: new Map([[layer.digest, layer.size]]), onClose: () => transport.close() });
    const stream = await source.open(`blobs/sha256/${layer.digest.slice(7)}`); // verified, not opened yet
    const hitsBefore = proxy.hits.length;
    const pruned = await cli(["cache", "prune", "--all", "--cache-dir", cacheDir]);
    expect(pruned.stdout).toMatch(/: 4 blobs removed; 0 blobs \(0 B\) left\n$/);
    const bytes = await rest(stream);
    await source.close();
    expect(sha256(bytes)).toBe(layer.digest);
    expect(blobHits(proxy.hits.slice(hitsBefore)).map((h) => h.path.split("/").pop())).toEqual([layer.digest]);
    // and stored again
    expect(await cache.has(layer.digest)).toBe(true);
  });

  it("two pulls at once under a small cap both succeed, and leave the cache under it with nothing else touched", async () => {
    const cacheDir = await tempDir("imgpolicy-shared-");
    const cap = total - 1;
    // the user's own file where entries live, named as no entry is
    const cache = new BlobCache(cacheDir);
    expect(await cache.claim()).toBe(true);
    await writeCached(cache, built.configDigest, built.config);
    const mine = join(cacheDir, "blobs", "sha256", "notes.txt");
    await writeFile(mine, "mine");
    const args = ["inspect", `docker://${proxy.host}/team/app:1`, "--cache-dir", cacheDir, "--cache-max", String(cap), "--json", "--quiet"];
    for (let round = 0; round < 3; round++) {
      const [a, b] = await Promise.all([cli(args), cli(args)]);
      expect(a.stdout).toBe(b.stdout);
      expect(JSON.parse(a.stdout).image.digest).toBe(built.manifestDigest);
      const info = await cacheInfo(cacheDir);
      expect(info.bytes).toBeLessThanOrEqual(cap);
      expect(info.blobs).toBeGreaterThan(0);
      expect(await readdir(join(cacheDir, "tmp"))).toEqual([]);
    }
    expect(await readFile(mine, "utf8")).toBe("mine");
    // what is left verifies
    for (const e of await scanEntries(cacheDir)) expect(sha256(await readFile(e.path)), e.digest).toBe(e.digest);
  });
});

/** `imgpolicy ARGS` that is to fail: its exit code and standard error. */
async function cliFails(args: string[], env: Record<string, string | undefined> = {}) {
  const err = (await cli(args, env).then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: number; stdout?: string; stderr?: string } | undefined;
  expect(err, `imgpolicy ${args.join(" ")} succeeded`).toBeDefined();
  return { code: err!.code, stdout: err!.stdout ?? "", stderr: err!.stderr ?? "" };
}

describeCli("imgpolicy cache info and prune", () => {
  const ref = () => `docker://${proxy.host}/team/app:1`;

  it("info shows the directory, the blobs and their size, and the cap and where it came from", async () => {
    const cacheDir = await tempDir("imgpolicy-cli-");
    await cli(["inspect", ref(), "--cache-dir", cacheDir, "--quiet"]);
    const json = JSON.parse((await cli(["cache", "info", "--json", "--cache-dir", cacheDir], { IMGPOLICY_CACHE_MAX: "500M" })).stdout);
    expect(json).toMatchObject({ directory: cacheDir, exists: true, blobs: stored.length, bytes: total, maxBytes: 500 * 1024 ** 2, maxFrom: "IMGPOLICY_CACHE_MAX", temporaryFiles: 0 });
    const text = (await cli(["cache", "info", "--cache-dir", cacheDir])).stdout;
    expect(text).toContain(`directory   ${cacheDir}\n`);
    expect(text).toMatch(new RegExp(`^blobs       ${stored.length}, [\\d.]+ KB$`, "m"));
    expect(text).toContain("cap         2 GB (default)\n");
  });

  it("prune --max removes the least recently used blobs down to the size, and --all the rest", async () => {
    const cacheDir = await tempDir("imgpolicy-cli-");
    await cli(["inspect", ref(), "--cache-dir", cacheDir, "--quiet"]);
    const cache = new BlobCache(cacheDir);
    const order = stored.map((b) => b.digest);
    for (const [i, d] of order.entries()) await utimes(cache.path(d), 1_700_000_000 + i, 1_700_000_000 + i);
    // keep the two most recently used
    const keep = stored.slice(-2).reduce((n, b) => n + b.size, 0);
    const r = await cli(["cache", "prune", "--max", String(keep), "--cache-dir", cacheDir]);
    expect(r.stdout).toMatch(new RegExp(`^freed [\\d.]+ KB in ${cacheDir}: ${stored.length - 2} blobs removed; 2 blobs \\([\\d.]+ KB\\) left\\n$`));
    expect(await digests(cacheDir)).toEqual(order.slice(-2).sort());
    expect((await cli(["cache", "prune", "--max", String(keep), "--cache-dir", cacheDir])).stdout).toMatch(/^nothing to remove in .*: 2 blobs \([\d.]+ KB\) left\n$/);
    await cli(["cache", "prune", "--all", "--cache-dir", cacheDir]);
    expect(await digests(cacheDir)).toEqual([]);
  });

  it("refuses a directory that is not its own (a user's home), removing nothing there, and bad sizes, with exit 2", async () => {
    const home = await tempDir("imgpolicy-home-");
    await writeFile(join(home, ".bashrc"), "mine");
    const before = await readdir(home);
    for (const args of [["cache", "prune", "--all"], ["cache", "info"]]) {
      const r = await cliFails([...args, "--cache-dir", home]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`imgpolicy: ${home} is not an imgpolicy cache: it holds other files and no CACHEDIR.TAG of imgpolicy's, so imgpolicy neither uses nor prunes it (choose another --cache-dir)\n`);
    }
    expect(await readdir(home)).toEqual(before);
    // a pull given it as --cache-dir refuses it the same way (an explicit option that cannot be honoured)
    const given = await cliFails(["inspect", ref(), "--cache-dir", home, "--quiet"]);
    expect([given.code, given.stderr]).toEqual([2, `imgpolicy: ${home} is not an imgpolicy cache: it holds other files and no CACHEDIR.TAG of imgpolicy's, so imgpolicy neither uses nor prunes it (choose another --cache-dir)\n`]);
    expect(await readdir(home)).toEqual(before);
    // the default location being another program's: the pull goes on uncached, saying so in one line
    const xdg = await tempDir("imgpolicy-xdg-");
    await mkdir(join(xdg, "imgpolicy"));
    await writeFile(join(xdg, "imgpolicy", "notes.txt"), "mine");
    const pulled = await cli(["inspect", ref(), "--quiet"], { XDG_CACHE_HOME: xdg });
    expect(pulled.stderr).toBe(`imgpolicy: warning: ${join(xdg, "imgpolicy")} is not an imgpolicy cache (it holds other files and no CACHEDIR.TAG of imgpolicy's); pulling without the cache\n`);
    expect(await readdir(join(xdg, "imgpolicy"))).toEqual(["notes.txt"]);

    for (const args of [["cache", "info"], ["cache", "prune"], ["inspect", ref()]]) {
      const r = await cliFails(args, { IMGPOLICY_CACHE_MAX: "lots" });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^imgpolicy: IMGPOLICY_CACHE_MAX: expected a size such as 500MB or 2GB .*found 'lots'\n$/);
    }
    const bad = await cliFails(["cache", "prune", "--max", "2 parsecs"]);
    expect([bad.code, bad.stderr]).toEqual([2, "imgpolicy: --max: expected a size such as 500MB or 2GB (units B, KB, MB, GB, TB; 1 KB = 1024 bytes), found '2 parsecs'\n"]);
  });

  it("refuses a directory holding only blobs/ and tmp/ without imgpolicy's marker (another tool's files), removing nothing", async () => {
    const other = await tempDir("imgpolicy-other-");
    const blob = join(other, "blobs", "sha256", "a".repeat(64));
    const part = join(other, "tmp", "0123456789abcdef.part");
    await mkdir(join(other, "blobs", "sha256"), { recursive: true });
    await mkdir(join(other, "tmp"));
    await writeFile(blob, "theirs");
    await writeFile(part, "theirs too");
    const old = new Date(Date.now() - 30 * 24 * 3600 * 1000); // long abandoned, by imgpolicy's rule for its own
    await utimes(blob, old, old);
    await utimes(part, old, old);
    for (const args of [["cache", "prune", "--all"], ["cache", "prune", "--max", "0B"], ["cache", "info"], ["inspect", ref(), "--quiet"]]) {
      const r = await cliFails([...args, "--cache-dir", other]);
      expect([r.code, r.stderr]).toEqual([2, `imgpolicy: ${other} is not an imgpolicy cache: it holds other files and no CACHEDIR.TAG of imgpolicy's, so imgpolicy neither uses nor prunes it (choose another --cache-dir)\n`]);
    }
    expect(await readFile(blob, "utf8")).toBe("theirs");
    expect(await readFile(part, "utf8")).toBe("theirs too");
    expect((await readdir(other)).sort()).toEqual(["blobs", "tmp"]);
  });

  it("IMGPOLICY_CACHE_MAX=0 is no cache: a pull neither reads nor writes it", async () => {
    const cacheDir = await tempDir("imgpolicy-cli-");
    const args = ["inspect", ref(), "--cache-dir", cacheDir, "--json", "--quiet"];
    await cli(args, { IMGPOLICY_CACHE_MAX: "0" });
    expect(await readdir(cacheDir)).toEqual([]);
    await cli(args);
    const filled = await digests(cacheDir);
    expect(filled).toHaveLength(stored.length);
    const before = proxy.hits.length;
    await cli(args, { IMGPOLICY_CACHE_MAX: "0" });
    // every blob downloaded again, and the cache as it was
    expect(blobHits(proxy.hits.slice(before))).toHaveLength(built.layers.length + 1);
    expect(await digests(cacheDir)).toEqual(filled);
  });
});
