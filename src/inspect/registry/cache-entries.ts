/**
 * What the blob cache holds on disk, and taking entries out of it.
 *
 * Only a directory imgpolicy marked as its own is managed: its CACHEDIR.TAG (the
 * Cache Directory Tagging format, which backup tools skip) names imgpolicy. A
 * directory that is missing or empty is claimed by writing the marker; any other is
 * foreign (whatever it holds: `blobs/` and `tmp/` of the right names prove nothing
 * about whose they are), and imgpolicy neither writes to it nor removes anything from
 * it. Even in
 * its own directory it removes only files named as entries are,
 * `blobs/sha256/<64 hex>` and `blobs/sha512/<128 hex>`, and its own abandoned
 * temporary files, `tmp/<16 hex>.part`.
 *
 * The last use of an entry is its mtime: the rename that stores it sets it, and
 * each read touches it (atime is no record: noatime and relatime mounts leave it).
 * It costs a utimes per read, needs no lock and no index that two processes could
 * tear, and survives a cache saved and restored by CI, as tar keeps mtimes.
 *
 * Removal is unlink: a process reading an entry holds it open and reads on (Linux
 * keeps an unlinked open file), and entries are only ever stored by rename, so no
 * half-written one is seen. Two processes evicting at once each skip what the other
 * removed first. Within a process, an entry in use (pinned: an open image's blob,
 * pinEntry) is never removed, by eviction or by a prune.
 */
import { randomBytes } from "node:crypto";
import { lstat, mkdir, open, readdir, rename, unlink, utimes } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { UsageError } from "../../errors.js";

export const MARKER = "CACHEDIR.TAG";
const SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55";
const MARKER_TEXT = `${SIGNATURE}\n# This file is a cache directory tag created by imgpolicy (its registry blob cache).\n# For information about cache directory tags see https://bford.info/cachedir/\n`;
const ENTRY_NAMES: Record<string, RegExp> = { sha256: /^[a-f0-9]{64}$/, sha512: /^[a-f0-9]{128}$/ };
const TEMP_NAME = /^[a-f0-9]{16}\.part$/;
/** A temporary file not written to for this long belongs to a process that died. */
export const ABANDONED_TEMP_MS = 3_600_000;

/** "unmarked": an empty directory without the marker, made the cache's at its first write. */
export type CacheState = "missing" | "ours" | "unmarked" | "foreign";

export interface CacheEntry {
  digest: string;
  path: string;
  size: number;
  /** The last use (epoch ms). */
  usedMs: number;
}

export function tempName(): string {
  return `${randomBytes(8).toString("hex")}.part`;
}

async function isMarker(path: string): Promise<boolean> {
  try {
    const st = await lstat(path);
    if (!st.isFile() || st.size > 4096) return false;
    const file = await open(path, "r");
    try {
      const { buffer, bytesRead } = await file.read(Buffer.alloc(4096), 0, 4096, 0);
      const text = buffer.subarray(0, bytesRead).toString("utf8");
      return text.startsWith(SIGNATURE) && text.includes("imgpolicy");
    } finally {
      await file.close();
    }
  } catch {
    return false;
  }
}

/** Whether `dir` is imgpolicy's cache, may be claimed as one, or is someone else's. */
export async function cacheState(dir: string): Promise<CacheState> {
  let names: string[];
  try {
    if (!(await lstat(dir)).isDirectory()) return "foreign";
    names = await readdir(dir);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : "foreign";
  }
  if (names.includes(MARKER) && (await isMarker(join(dir, MARKER)))) return "ours";
  return names.length === 0 ? "unmarked" : "foreign";
}

/** Makes `dir` imgpolicy's cache (creating it and its marker) unless it is foreign; whether it is ours now. */
export async function claimCacheDir(dir: string): Promise<boolean> {
  const state = await cacheState(dir);
  if (state === "ours") return true;
  if (state === "foreign") return false;
  try {
    const tmpDir = join(dir, "tmp");
    await mkdir(tmpDir, { recursive: true, mode: 0o700 });
    // written aside and renamed, so another process never reads half a marker
    const tmp = join(tmpDir, tempName());
    const file = await open(tmp, "wx", 0o644);
    try {
      await file.writeFile(MARKER_TEXT);
    } finally {
      await file.close();
    }
    await rename(tmp, join(dir, MARKER)).catch(async (err: unknown) => {
      await unlink(tmp).catch(() => {});
      throw err;
    });
  } catch {
    return false;
  }
  return (await cacheState(dir)) === "ours";
}

/** Whether `path` is a real directory (not missing, not a symlink: none is followed). */
async function realDir(path: string): Promise<boolean> {
  return lstat(path).then((s) => s.isDirectory(), () => false);
}

/** Every entry: regular files named as entries are, in `blobs/<alg>/`. */
export async function scanEntries(dir: string): Promise<CacheEntry[]> {
  const out: CacheEntry[] = [];
  if (!(await realDir(join(dir, "blobs")))) return out;
  for (const [alg, pattern] of Object.entries(ENTRY_NAMES)) {
    const algDir = join(dir, "blobs", alg);
    if (!(await realDir(algDir))) continue;
    for (const e of await readdir(algDir, { withFileTypes: true }).catch(() => [])) {
      if (!e.isFile() || !pattern.test(e.name)) continue;
      const path = join(algDir, e.name);
      const st = await lstat(path).catch(() => undefined);
      if (st?.isFile()) out.push({ digest: `${alg}:${e.name}`, path, size: st.size, usedMs: st.mtimeMs });
    }
  }
  return out;
}

/** Temporary files of downloads whose process is gone (not written to for an hour). */
export async function abandonedTemps(dir: string, nowMs: number): Promise<{ path: string; size: number }[]> {
  const tmpDir = join(dir, "tmp");
  if (!(await realDir(tmpDir))) return [];
  const out: { path: string; size: number }[] = [];
  for (const e of await readdir(tmpDir, { withFileTypes: true }).catch(() => [])) {
    if (!e.isFile() || !TEMP_NAME.test(e.name)) continue;
    const st = await lstat(join(tmpDir, e.name)).catch(() => undefined);
    if (st?.isFile() && nowMs - st.mtimeMs > ABANDONED_TEMP_MS) out.push({ path: join(tmpDir, e.name), size: st.size });
  }
  return out;
}

/** Records a use of the entry at `path` (its mtime); a failure is ignored (a read-only cache still serves). */
export async function touch(path: string, now = new Date()): Promise<void> {
  await utimes(path, now, now).catch(() => {});
}

/** Entries in use in this process (by an image not yet closed), by absolute path: how many hold each, and its size. */
const inUse = new Map<string, { holders: number; size: number }>();

/** Marks the entry at `path` in use (once per call: unpinEntry once per call too). */
export function pinEntry(path: string, size: number): void {
  const key = resolve(path);
  const pin = inUse.get(key);
  if (pin) {
    pin.holders++;
    pin.size = Math.max(pin.size, size);
  } else inUse.set(key, { holders: 1, size });
}

export function unpinEntry(path: string): void {
  const key = resolve(path);
  const pin = inUse.get(key);
  if (pin && --pin.holders <= 0) inUse.delete(key);
}

export function isInUse(path: string): boolean {
  return inUse.has(resolve(path));
}

/** The bytes of the entries under `dir` that this process has in use, but for the one at `except`. */
export function bytesInUse(dir: string, except?: string): number {
  const prefix = resolve(dir, "blobs") + sep;
  const skip = except === undefined ? undefined : resolve(except);
  let n = 0;
  for (const [path, pin] of inUse) if (path.startsWith(prefix) && path !== skip) n += pin.size;
  return n;
}

/** Least recently used first; ties by digest, so that every process picks the same. */
export function byLastUse(entries: CacheEntry[]): CacheEntry[] {
  return [...entries].sort((a, b) => a.usedMs - b.usedMs || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
}

/**
 * Removes an entry unless this process has it in use ("kept"), or it was used since it
 * was scanned ("used": another process read it, it is not the least recently used any
 * more). "removed" by this call; "gone" already.
 */
async function removeEntry(e: CacheEntry): Promise<"removed" | "gone" | "used" | "kept"> {
  if (isInUse(e.path)) return "kept";
  const st = await lstat(e.path).catch(() => undefined);
  if (!st?.isFile()) return "gone";
  if (isInUse(e.path)) return "kept";
  if (st.mtimeMs !== e.usedMs) return "used";
  return unlink(e.path).then(
    () => "removed" as const,
    () => "gone" as const,
  );
}

/** Passes over the entries at most, when entries used meanwhile kept one from reaching its cap. */
const MAX_PASSES = 3;

export interface PruneResult {
  removed: CacheEntry[];
  freedBytes: number;
  /** Abandoned temporary files removed, and their bytes. */
  temps: number;
  tempBytes: number;
  /** What is left. */
  blobs: number;
  bytes: number;
}

export interface PruneOptions {
  /** Removes least recently used entries until the rest hold at most this. */
  maxBytes?: number;
  /** Removes entries last used more than this long ago. */
  olderThanMs?: number;
  all?: boolean;
  nowMs?: number;
}

/** Removes entries as asked, and abandoned temporary files; the caller made sure the directory is ours. */
export async function pruneEntries(dir: string, opts: PruneOptions): Promise<PruneResult> {
  const now = opts.nowMs ?? Date.now();
  const removed: CacheEntry[] = [];
  let bytes = 0;
  let blobs = 0;
  // entries another process used while this one went through them are skipped as no longer
  // least recently used; when that left the rest over the cap, they are looked at again
  for (let pass = 0, again = true; again && pass < MAX_PASSES; pass++) {
    again = false;
    const entries = byLastUse(await scanEntries(dir));
    bytes = entries.reduce((n, e) => n + e.size, 0);
    blobs = entries.length;
    for (const e of entries) {
      const wanted = opts.all || (opts.olderThanMs !== undefined && now - e.usedMs > opts.olderThanMs) || (opts.maxBytes !== undefined && bytes > opts.maxBytes);
      if (!wanted) continue;
      const outcome = await removeEntry(e);
      if (outcome === "removed") removed.push(e);
      if (outcome === "used") again = true;
      // gone, by this process or another, unless it was stored again meanwhile
      if ((outcome === "removed" || outcome === "gone") && !(await lstat(e.path).then(() => true, () => false))) {
        bytes -= e.size;
        blobs--;
      }
    }
    if (opts.maxBytes === undefined || bytes <= opts.maxBytes) again = false;
  }
  let temps = 0;
  let tempBytes = 0;
  for (const t of await abandonedTemps(dir, now)) {
    if (await unlink(t.path).then(() => true, () => false)) {
      temps++;
      tempBytes += t.size;
    }
  }
  const freedBytes = removed.reduce((n, e) => n + e.size, 0);
  return { removed, freedBytes, temps, tempBytes, blobs, bytes };
}

export interface CacheInfo {
  directory: string;
  /** "missing": nothing cached yet; "unmarked": an empty directory, claimed at the first write. */
  state: "missing" | "ours" | "unmarked";
  blobs: number;
  bytes: number;
  /** The least and the most recent use of an entry (epoch ms), when there are entries. */
  oldestUseMs?: number;
  newestUseMs?: number;
  /** Temporary files: downloads under way, or abandoned ones that the next prune removes. */
  temporaryFiles: number;
}

/** What the cache at `dir` holds; changes nothing. A foreign directory is a UsageError. */
export async function cacheInfo(dir: string): Promise<CacheInfo> {
  const state = await cacheState(dir);
  if (state === "foreign") throw notOurs(dir);
  const entries = await scanEntries(dir);
  const temps = (await realDir(join(dir, "tmp"))) ? (await readdir(join(dir, "tmp")).catch(() => [])).filter((n) => TEMP_NAME.test(n)).length : 0;
  const info: CacheInfo = { directory: dir, state, blobs: entries.length, bytes: entries.reduce((n, e) => n + e.size, 0), temporaryFiles: temps };
  if (entries.length > 0) {
    info.oldestUseMs = entries.reduce((m, e) => Math.min(m, e.usedMs), Infinity);
    info.newestUseMs = entries.reduce((m, e) => Math.max(m, e.usedMs), -Infinity);
  }
  return info;
}

export function notOurs(dir: string): UsageError {
  return new UsageError(`${dir} is not an imgpolicy cache: it holds other files and no ${MARKER} of imgpolicy's, so imgpolicy neither uses nor prunes it (choose another --cache-dir)`);
}

/** Throws a UsageError unless `dir` is imgpolicy's cache or can be made one (and makes it one). */
export async function requireCacheDir(dir: string): Promise<"missing" | "ours"> {
  const state = await cacheState(dir);
  if (state === "missing") return "missing";
  if (state === "ours" || (state === "unmarked" && (await claimCacheDir(dir)))) return "ours";
  throw notOurs(dir);
}

/** Prunes the cache at `dir` as asked (nothing to do when it does not exist); a foreign directory is a UsageError. */
export async function pruneCache(dir: string, opts: PruneOptions): Promise<PruneResult> {
  if ((await requireCacheDir(dir)) === "missing") return { removed: [], freedBytes: 0, temps: 0, tempBytes: 0, blobs: 0, bytes: 0 };
  return pruneEntries(dir, opts);
}
