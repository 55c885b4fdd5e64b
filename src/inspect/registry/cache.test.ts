import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlobCache, defaultCacheDir, readCached, writeCached } from "./cache.js";
import { MARKER, pruneCache } from "./cache-entries.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-cacheunit-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const digestOf = (b: Buffer) => "sha256:" + createHash("sha256").update(b).digest("hex");
const drain = async (s: Readable) => {
  const out: Buffer[] = [];
  for await (const c of s) out.push(c as Buffer);
  return Buffer.concat(out);
};

describe("BlobCache", () => {
  it("lives under $XDG_CACHE_HOME/imgpolicy, else ~/.cache/imgpolicy", () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: "/x" })).toBe("/x/imgpolicy");
    expect(defaultCacheDir({ HOME: "/home/u" })).toBe("/home/u/.cache/imgpolicy");
  });

  it("renames the temporary file into place when the stream ends, passing every byte on", async () => {
    const cache = new BlobCache(join(dir, "a"));
    const bytes = Buffer.from("x".repeat(100_000));
    const d = digestOf(bytes);
    const got: Buffer[] = [];
    const tee = cache.tee(d);
    tee.on("data", (c: Buffer) => got.push(c));
    await pipeline(Readable.from([bytes.subarray(0, 50_000), bytes.subarray(50_000)]), tee);
    expect(Buffer.concat(got)).toEqual(bytes);
    expect(await readFile(cache.path(d))).toEqual(bytes);
    expect(await readdir(join(dir, "a", "tmp"))).toEqual([]);
    expect(await drain((await cache.get(d, bytes.length))!)).toEqual(bytes);
  });

  it("removes the temporary file when the stream fails", async () => {
    const cache = new BlobCache(join(dir, "b"));
    const d = digestOf(Buffer.from("never"));
    const tee = cache.tee(d);
    tee.resume();
    const failing = new Readable({
      read() {
        this.push(Buffer.from("part"));
        this.destroy(new Error("boom"));
      },
    });
    await expect(pipeline(failing, tee)).rejects.toThrow("boom");
    expect(await cache.has(d)).toBe(false);
    expect(await readdir(join(dir, "b", "tmp")).catch(() => [])).toEqual([]);
  });

  it("drops an entry whose bytes or size no longer match", async () => {
    const cache = new BlobCache(join(dir, "c"));
    const bytes = Buffer.from("hello cache");
    const d = digestOf(bytes);
    await writeCached(cache, d, bytes);
    expect(await readCached(cache, d, 1000)).toEqual(bytes);
    expect(await cache.get(d, bytes.length + 1)).toBeUndefined();
    expect(await cache.has(d)).toBe(false);
    await writeCached(cache, d, bytes);
    await writeFile(cache.path(d), "hello cachE");
    expect(await cache.get(d)).toBeUndefined();
    expect(await cache.has(d)).toBe(false);
  });

  it("keeps working, uncached, when the directory cannot be written", async () => {
    const blocker = join(dir, "file");
    await writeFile(blocker, "");
    const cache = new BlobCache(join(blocker, "sub"));
    const bytes = Buffer.from("still flows");
    const tee = cache.tee(digestOf(bytes));
    const out = drain(tee);
    tee.end(bytes);
    expect(await out).toEqual(bytes);
    expect(await cache.has(digestOf(bytes))).toBe(false);
  });
});

describe("BlobCache under a cap", () => {
  const T0 = Date.parse("2025-01-01T00:00:00Z") / 1000;
  const blob = (c: string) => Buffer.from(c.repeat(100));
  const through = async (t: NodeJS.ReadWriteStream & Readable, bytes: Buffer) => {
    const out = drain(t);
    t.end(bytes);
    return out;
  };

  it("after a write, removes the least recently used entries (a read is a use) until the rest fit", async () => {
    const first = new BlobCache(join(dir, "lru"), { maxBytes: 250 });
    const [a, b, c] = [blob("a"), blob("b"), blob("c")];
    await writeCached(first, digestOf(a), a);
    await writeCached(first, digestOf(b), b);
    await first.settle();
    first.release(); // that image is closed
    // a used before b; then a read again: b is the least recently used
    await utimes(first.path(digestOf(a)), T0, T0);
    await utimes(first.path(digestOf(b)), T0 + 60, T0 + 60);
    const cache = new BlobCache(join(dir, "lru"), { maxBytes: 250 });
    expect(await readCached(cache, digestOf(a), 1000)).toEqual(a);
    await writeCached(cache, digestOf(c), c);
    await cache.settle();
    expect([await cache.has(digestOf(a)), await cache.has(digestOf(b)), await cache.has(digestOf(c))]).toEqual([true, false, true]);
    cache.release();
  });

  it("never evicts an entry in use in this process (until release), and stores no blob that would not fit beside them", async () => {
    const d = join(dir, "pinned");
    const [a, b, c, e] = [blob("a"), blob("b"), blob("c"), blob("e")];
    const seed = new BlobCache(d);
    for (const x of [a, b]) await writeCached(seed, digestOf(x), x);
    seed.release();
    // a and b were used long ago; one image reads a (in use), another stores c under a cap of 200
    for (const x of [a, b]) await utimes(seed.path(digestOf(x)), T0, T0);
    const reader = new BlobCache(d, { maxBytes: 200 });
    expect(await reader.verified(digestOf(a), 100)).toBe(true);
    await utimes(reader.path(digestOf(a)), T0 - 60, T0 - 60); // the least recently used, yet in use
    const writer = new BlobCache(d, { maxBytes: 200 });
    await writeCached(writer, digestOf(c), c);
    await writer.settle();
    const present = async () => Promise.all([a, b, c, e].map((x) => writer.has(digestOf(x))));
    expect(await present()).toEqual([true, false, true, false]);
    // a and c are in use: e would take the cache over its cap, so it streams through uncached
    expect(await through(writer.tee(digestOf(e), 100), e)).toEqual(e);
    await writer.settle();
    expect(await present()).toEqual([true, false, true, false]);
    // a prune (an explicit one too) leaves what is in use
    expect((await pruneCache(d, { all: true })).removed).toEqual([]);
    reader.release();
    writer.release();
    await writeCached(writer, digestOf(e), e);
    await writer.settle();
    writer.release();
    expect(await present()).toEqual([false, false, true, true]);
  });

  it("trims a cache over its cap when a process first uses it", async () => {
    const d = join(dir, "start");
    const big = new BlobCache(d);
    for (const x of ["a", "b", "c"]) await writeCached(big, digestOf(blob(x)), blob(x));
    await big.settle();
    for (const [i, x] of ["a", "b", "c"].entries()) await utimes(big.path(digestOf(blob(x))), T0 + i, T0 + i);
    big.release();
    const small = new BlobCache(d, { maxBytes: 100 });
    expect(await small.has(digestOf(blob("c")))).toBe(true);
    await small.settle();
    expect([await small.has(digestOf(blob("a"))), await small.has(digestOf(blob("b")))]).toEqual([false, false]);
  });

  it("streams a blob larger than the cap without caching it, whether or not its size is known", async () => {
    const cache = new BlobCache(join(dir, "big"), { maxBytes: 1000 });
    const bytes = Buffer.alloc(5000, 7);
    const d = digestOf(bytes);
    expect(await through(cache.tee(d, bytes.length), bytes)).toEqual(bytes);
    expect(await through(cache.tee(d), bytes)).toEqual(bytes);
    await writeCached(cache, d, bytes);
    await cache.settle();
    expect(await cache.has(d)).toBe(false);
    expect(await readdir(join(dir, "big", "tmp")).catch(() => [])).toEqual([]);
    const fits = Buffer.alloc(1000, 1);
    expect(await through(cache.tee(digestOf(fits)), fits)).toEqual(fits);
    await cache.settle();
    expect(await cache.has(digestOf(fits))).toBe(true);
  });

  it("marks the directory it makes as its own, and neither writes to nor removes from one that holds other files", async () => {
    const ours = new BlobCache(join(dir, "marked"));
    await writeCached(ours, digestOf(blob("m")), blob("m"));
    expect(await readFile(join(dir, "marked", MARKER), "utf8")).toMatch(/imgpolicy/);

    const home = join(dir, "home");
    await mkdir(join(home, "blobs", "sha256"), { recursive: true });
    await writeFile(join(home, ".profile"), "mine");
    const planted = blob("p");
    const wrong = join(home, "blobs", "sha256", digestOf(planted).slice(7));
    await writeFile(wrong, "not what the name says");
    const cache = new BlobCache(home, { maxBytes: 0 });
    expect(await through(cache.tee(digestOf(blob("h"))), blob("h"))).toEqual(blob("h"));
    expect(await cache.get(digestOf(planted))).toBeUndefined();
    await cache.settle();
    expect((await readdir(home)).sort()).toEqual([".profile", "blobs"]);
    expect(await readFile(wrong, "utf8")).toBe("not what the name says");
  });

  it("keeps serving an entry opened before another process removed it", async () => {
    const cache = new BlobCache(join(dir, "unlinked"));
    const bytes = Buffer.alloc(3 << 20, 5);
    const d = digestOf(bytes);
    await writeCached(cache, d, bytes);
    const s = (await cache.get(d))!;
    await unlink(cache.path(d));
    expect(digestOf(await drain(s))).toBe(d);
    expect(cache.openEntry(d)).toBeUndefined();
    expect(await readCached(cache, d, 10 << 20)).toBeUndefined();
  });

  it("records a read as a use in the entry's mtime", async () => {
    const cache = new BlobCache(join(dir, "touch"));
    const bytes = blob("t");
    await writeCached(cache, digestOf(bytes), bytes);
    await utimes(cache.path(digestOf(bytes)), T0, T0);
    await readCached(cache, digestOf(bytes), 1000);
    expect((await stat(cache.path(digestOf(bytes)))).mtimeMs).toBeGreaterThan(T0 * 1000);
    await utimes(cache.path(digestOf(bytes)), T0, T0);
    await writeCached(cache, digestOf(bytes), bytes); // stored again: a use too
    expect((await stat(cache.path(digestOf(bytes)))).mtimeMs).toBeGreaterThan(T0 * 1000);
  });
});
