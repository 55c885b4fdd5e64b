import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlobCache, defaultCacheDir, readCached, writeCached } from "./cache.js";

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
