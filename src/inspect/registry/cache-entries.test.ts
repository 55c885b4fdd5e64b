import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../errors.js";
import { ABANDONED_TEMP_MS, byLastUse, cacheInfo, cacheState, claimCacheDir, MARKER, pruneCache, requireCacheDir, scanEntries, type CacheEntry } from "./cache-entries.js";

let root: string;
let n = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "imgpolicy-cache-entries-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const fresh = async () => {
  const d = join(root, `d${n++}`);
  await mkdir(d);
  return d;
};
const hex = (b: string) => createHash("sha256").update(b).digest("hex");
const T0 = Date.parse("2025-01-01T00:00:00Z");
const DAY = 86_400_000;

/** Stores `content` as an entry last used at `usedMs`; its digest. */
async function entry(dir: string, content: string, usedMs: number): Promise<string> {
  const path = join(dir, "blobs", "sha256", hex(content));
  await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  await writeFile(path, content);
  await utimes(path, usedMs / 1000, usedMs / 1000);
  return `sha256:${hex(content)}`;
}

/** Every file and symlink under `dir`, relative. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isDirectory()) out.push(relative(dir, join(e.parentPath, e.name)));
  }
  return out.sort();
}

describe("which directories the cache manages", () => {
  it("claims a missing or empty directory, writing its marker", async () => {
    const missing = join(await fresh(), "cache");
    expect(await cacheState(missing)).toBe("missing");
    expect(await claimCacheDir(missing)).toBe(true);
    expect(await cacheState(missing)).toBe("ours");
    expect(await readFile(join(missing, MARKER), "utf8")).toMatch(/^Signature: 8a477f597d28d172789f06886806bc55\n# .*imgpolicy/);
    expect(await readdir(join(missing, "tmp"))).toEqual([]);

    const empty = await fresh();
    expect(await cacheState(empty)).toBe("unmarked");
    expect(await claimCacheDir(empty)).toBe(true);
    expect(await cacheState(empty)).toBe("ours");
  });

  it("claims no directory that holds anything without the marker, not even only blobs/ and tmp/ (another tool's layout)", async () => {
    const other = await fresh();
    await entry(other, "a", T0);
    await mkdir(join(other, "tmp"));
    await writeFile(join(other, "tmp", "0123456789abcdef.part"), "theirs");
    const before = await tree(other);
    expect(await cacheState(other)).toBe("foreign");
    expect(await claimCacheDir(other)).toBe(false);
    await expect(requireCacheDir(other)).rejects.toThrow(/is not an imgpolicy cache/);
    await expect(pruneCache(other, { all: true, nowMs: T0 + 10 * ABANDONED_TEMP_MS })).rejects.toThrow(/is not an imgpolicy cache/);
    await expect(cacheInfo(other)).rejects.toThrow(/is not an imgpolicy cache/);
    expect(await tree(other)).toEqual(before);
    for (const only of ["blobs", "tmp"]) {
      const d = await fresh();
      await mkdir(join(d, only));
      expect(await cacheState(d)).toBe("foreign");
    }
  });

  it("leaves alone a directory holding anything else, another tool's cache tag, or a marker that is a symlink", async () => {
    const home = await fresh();
    await writeFile(join(home, ".bashrc"), "x");
    await entry(home, "b", T0);
    const before = await tree(home);
    expect(await cacheState(home)).toBe("foreign");
    expect(await claimCacheDir(home)).toBe(false);
    expect(await tree(home)).toEqual(before);

    const cargo = await fresh();
    await writeFile(join(cargo, MARKER), "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by cargo.\n");
    expect(await cacheState(cargo)).toBe("foreign");

    const linked = await fresh();
    const real = await fresh();
    await claimCacheDir(real);
    await symlink(join(real, MARKER), join(linked, MARKER));
    expect(await cacheState(linked)).toBe("foreign");

    const file = join(await fresh(), "f");
    await writeFile(file, "");
    expect(await cacheState(file)).toBe("foreign");
  });

  it("refuses to prune or describe a foreign directory, with a usage error, and changes nothing there", async () => {
    const home = await fresh();
    await writeFile(join(home, "notes.txt"), "mine");
    await entry(home, "c", T0);
    const before = await tree(home);
    for (const op of [() => pruneCache(home, { all: true }), () => cacheInfo(home)]) {
      const err = await op().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toBe(`${home} is not an imgpolicy cache: it holds other files and no CACHEDIR.TAG of imgpolicy's, so imgpolicy neither uses nor prunes it (choose another --cache-dir)`);
    }
    expect(await tree(home)).toEqual(before);
  });
});

describe("what a prune removes", () => {
  it("only files named as entries are, and abandoned temporary files: never anything else, nor through a symlink", async () => {
    const dir = await fresh();
    await claimCacheDir(dir);
    const outside = await fresh();
    await writeFile(join(outside, hex("o")), "outside");
    await entry(dir, "kept?", T0);
    const s = join(dir, "blobs", "sha256");
    const strays = [
      "README",
      `${hex("x")}.bak`,
      hex("y").slice(1),
      hex("z").toUpperCase(),
    ];
    for (const f of strays) await writeFile(join(s, f), "stray");
    await mkdir(join(s, hex("dir")));
    await writeFile(join(s, hex("dir"), "inside"), "x");
    await symlink(join(outside, hex("o")), join(s, hex("o")));
    await mkdir(join(dir, "blobs", "md5"));
    await writeFile(join(dir, "blobs", "md5", "0123456789abcdef0123456789abcdef"), "x");
    await writeFile(join(dir, "user-notes"), "x");
    const tmp = join(dir, "tmp");
    await writeFile(join(tmp, "0123456789abcdef.part"), "live");
    await writeFile(join(tmp, "fedcba9876543210.part"), "dead download");
    await utimes(join(tmp, "fedcba9876543210.part"), T0 / 1000, T0 / 1000);
    await writeFile(join(tmp, "other.part"), "x");
    await utimes(join(tmp, "other.part"), T0 / 1000, T0 / 1000);

    const r = await pruneCache(dir, { all: true });
    expect(r.removed.map((e) => e.digest)).toEqual([`sha256:${hex("kept?")}`]);
    expect(r).toMatchObject({ freedBytes: 5, temps: 1, tempBytes: 13, blobs: 0, bytes: 0 });
    expect(await tree(dir)).toEqual(
      [
        MARKER,
        ...strays.map((f) => `blobs/sha256/${f}`),
        `blobs/sha256/${hex("dir")}/inside`,
        `blobs/sha256/${hex("o")}`,
        "blobs/md5/0123456789abcdef0123456789abcdef",
        "tmp/0123456789abcdef.part",
        "tmp/other.part",
        "user-notes",
      ].sort(),
    );
    expect(await readFile(join(outside, hex("o")), "utf8")).toBe("outside");
  });

  it("does not follow a blobs directory that is a symlink", async () => {
    const dir = await fresh();
    await claimCacheDir(dir);
    const elsewhere = await fresh();
    const digest = await entry(elsewhere, "precious", T0);
    await symlink(join(elsewhere, "blobs"), join(dir, "blobs"));
    expect(await scanEntries(dir)).toEqual([]);
    await pruneCache(dir, { all: true });
    expect(await tree(elsewhere)).toEqual([`blobs/sha256/${digest.slice(7)}`]);
  });

  it("removes the least recently used first, down to --max, ties in digest order", async () => {
    const dir = await fresh();
    await claimCacheDir(dir);
    // five entries of 10 bytes, used a day apart; d2 and d2b at the same moment
    const d1 = await entry(dir, "0123456789", T0 + 1 * DAY);
    const d3 = await entry(dir, "abcdefghij", T0 + 3 * DAY);
    const d2 = await entry(dir, "klmnopqrst", T0 + 2 * DAY);
    const d2b = await entry(dir, "uvwxyz0123", T0 + 2 * DAY);
    const d4 = await entry(dir, "ABCDEFGHIJ", T0 + 4 * DAY);
    const order = byLastUse(await scanEntries(dir)).map((e) => e.digest);
    expect(order).toEqual([d1, ...[d2, d2b].sort(), d3, d4]);

    const r = await pruneCache(dir, { maxBytes: 25 });
    expect(r.removed.map((e) => e.digest)).toEqual(order.slice(0, 3));
    expect(r).toMatchObject({ freedBytes: 30, blobs: 2, bytes: 20 });
    expect((await scanEntries(dir)).map((e) => e.digest).sort()).toEqual([d3, d4].sort());
    // under the cap: nothing to do
    expect((await pruneCache(dir, { maxBytes: 20 })).removed).toEqual([]);
    expect((await pruneCache(dir, { maxBytes: 0 })).removed.map((e) => e.digest)).toEqual([d3, d4]);
  });

  it("removes entries not used within --older-than, and with --max as well, both", async () => {
    const dir = await fresh();
    await claimCacheDir(dir);
    const old = await entry(dir, "old entry!", T0);
    const mid = await entry(dir, "mid entry!", T0 + 5 * DAY);
    const recent = await entry(dir, "new entry!", T0 + 9 * DAY);
    const now = T0 + 10 * DAY;
    const gone = (r: { removed: CacheEntry[] }) => r.removed.map((e) => e.digest);
    expect(gone(await pruneCache(dir, { olderThanMs: 7 * DAY, nowMs: now }))).toEqual([old]);
    expect(gone(await pruneCache(dir, { olderThanMs: 7 * DAY, maxBytes: 10, nowMs: now }))).toEqual([mid]);
    expect((await scanEntries(dir)).map((e) => e.digest)).toEqual([recent]);
  });
});

describe("cacheInfo", () => {
  it("counts the entries, their bytes, the oldest and newest use, and temporary files", async () => {
    const dir = await fresh();
    await claimCacheDir(dir);
    await entry(dir, "12345", T0 + DAY);
    await entry(dir, "1234567", T0);
    await writeFile(join(dir, "tmp", "0123456789abcdef.part"), "x");
    await writeFile(join(dir, "blobs", "sha256", "stray"), "not counted");
    expect(await cacheInfo(dir)).toEqual({ directory: dir, state: "ours", blobs: 2, bytes: 12, oldestUseMs: T0, newestUseMs: T0 + DAY, temporaryFiles: 1 });
    const missing = join(dir, "none");
    expect(await cacheInfo(missing)).toEqual({ directory: missing, state: "missing", blobs: 0, bytes: 0, temporaryFiles: 0 });
  });
});
