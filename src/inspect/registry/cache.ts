/**
 * A content-addressed blob cache on disk: <dir>/blobs/<alg>/<hex>. A blob is
 * written to a temporary file as it streams to its reader and renamed into place
 * only after its digest verified; an entry is hashed again before it is served,
 * and dropped when it no longer matches. The cache never fails a read: when it
 * cannot write, the blob just is not cached.
 *
 * It is bounded: after each entry it stores, and when a process first uses it, the
 * least recently used entries are removed until the rest hold at most `maxBytes`
 * (default 2 GB). An entry this cache read or stored is in use (pinned) until
 * release(), when its image closes, and is not removed meanwhile; a blob that would
 * not fit beside those is streamed but not stored, and one larger than the cap is
 * never stored. Which directories it manages, what it removes there, and how a use
 * is recorded: cache-entries.ts.
 */
import { createHash } from "node:crypto";
import { createReadStream, openSync } from "node:fs";
import { mkdir, open, rename, stat, unlink, type FileHandle } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { PassThrough, Transform, type Readable, type TransformCallback } from "node:stream";
import { digestAlgorithm, digestHex } from "../digest.js";
import { bytesInUse, cacheState, claimCacheDir, pinEntry, pruneEntries, tempName, touch, unpinEntry } from "./cache-entries.js";
import { DEFAULT_CACHE_MAX } from "./cache-size.js";

type Env = Record<string, string | undefined>;

export function defaultCacheDir(env: Env = process.env): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  return join(base, "imgpolicy");
}

async function hashFile(path: string, algorithm: string): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return `${algorithm}:${hash.digest("hex")}`;
}

export interface BlobCacheOptions {
  /** The most the entries may hold together, in bytes (default 2 GB). */
  maxBytes?: number;
}

export class BlobCache {
  /** Temporary files being removed or renamed, evictions under way; settle() waits for them. */
  readonly #pending = new Set<Promise<void>>();
  readonly maxBytes: number;
  #usable: Promise<boolean> | undefined;
  #claimed: Promise<boolean> | undefined;
  #evicting = false;
  #evictAgain = false;
  /** The entries this cache holds in use, by path. */
  readonly #pins = new Set<string>();

  constructor(
    readonly dir: string,
    opts: BlobCacheOptions = {},
  ) {
    this.maxBytes = opts.maxBytes ?? DEFAULT_CACHE_MAX;
  }

  /**
   * Whether the directory can be the cache (it is not someone else's: cache-entries.ts).
   * The first call claims a directory that exists, and evicts down to the cap.
   */
  usable(): Promise<boolean> {
    this.#usable ??= (async () => {
      const state = await cacheState(this.dir);
      if (state === "foreign") return false;
      if (state === "missing") return true; // made, and claimed, at the first write
      if (!(await this.claim())) return false;
      this.evict();
      return true;
    })();
    return this.#usable;
  }

  /** Makes the directory the cache's, with its marker (before anything is written there); whether it is. */
  claim(): Promise<boolean> {
    this.#claimed ??= claimCacheDir(this.dir);
    return this.#claimed;
  }

  /**
   * Removes least recently used entries until the rest fit under the cap, in the
   * background (settle() waits); one pass at a time, and one more when asked meanwhile.
   */
  evict(): void {
    if (this.#evicting) {
      this.#evictAgain = true;
      return;
    }
    this.#evicting = true;
    const run = async () => {
      try {
        do {
          this.#evictAgain = false;
          await pruneEntries(this.dir, { maxBytes: this.maxBytes });
        } while (this.#evictAgain);
      } finally {
        this.#evicting = false;
      }
    };
    void this.track(run());
  }

  /** Holds the entry of `digest` in use until release() (again: its size is updated). */
  pin(digest: string, size: number): void {
    const path = this.path(digest);
    if (this.#pins.has(path)) unpinEntry(path);
    this.#pins.add(path);
    pinEntry(path, size);
  }

  unpin(digest: string): void {
    const path = this.path(digest);
    if (this.#pins.delete(path)) unpinEntry(path);
  }

  /** Whether the entry of `digest`, `size` bytes, fits under the cap beside the others this process has in use. */
  fits(digest: string, size: number): boolean {
    return bytesInUse(this.dir, this.path(digest)) + size <= this.maxBytes;
  }

  /** Whether this cache holds the entry of `digest` in use. */
  holds(digest: string): boolean {
    return this.#pins.has(this.path(digest));
  }

  /** Ends every use this cache holds (its image is closed): its entries may be evicted again. */
  release(): void {
    for (const path of this.#pins) unpinEntry(path);
    this.#pins.clear();
  }

  /** Runs a cleanup and keeps it until it settles, so that settle() can wait for it. */
  track(work: Promise<void>): Promise<void> {
    const p = work.catch(() => {}).finally(() => this.#pending.delete(p));
    this.#pending.add(p);
    return p;
  }

  /** Waits until no temporary file is left behind by a stream that ended or failed. */
  async settle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  path(digest: string): string {
    return join(this.dir, "blobs", digestAlgorithm(digest), digestHex(digest));
  }

  /** Whether there is a verified entry (a missing or corrupt one is not; a corrupt one is removed). */
  async verified(digest: string, size?: number): Promise<boolean> {
    if (!(await this.usable())) return false;
    const path = this.path(digest);
    const held = this.#pins.has(path);
    // in use from before it is looked at, so that no eviction of this process removes it meanwhile
    if (!held) this.pin(digest, 0);
    try {
      const st = await stat(path);
      if (!st.isFile() || (size !== undefined && st.size !== size) || (await hashFile(path, digestAlgorithm(digest))) !== digest) {
        if (!held) this.unpin(digest);
        await unlink(path).catch(() => {});
        return false;
      }
      this.pin(digest, st.size);
      await touch(path);
      return true;
    } catch {
      if (!held) this.unpin(digest);
      return false;
    }
  }

  /**
   * An entry's bytes from a file opened now, or undefined when it is gone (another
   * process evicted it since it was verified). Once open, an eviction cannot cut it short.
   */
  openEntry(digest: string): Readable | undefined {
    try {
      return createReadStream("", { fd: openSync(this.path(digest), "r"), highWaterMark: 1 << 20 });
    } catch {
      return undefined;
    }
  }

  /** A verified entry as a stream, or undefined (a missing or corrupt entry; a corrupt one is removed). */
  async get(digest: string, size?: number): Promise<Readable | undefined> {
    return (await this.verified(digest, size)) ? this.openEntry(digest) : undefined;
  }

  async has(digest: string): Promise<boolean> {
    if (!(await this.usable())) return false;
    return stat(this.path(digest)).then((s) => s.isFile(), () => false);
  }

  /**
   * A pass-through that copies what flows into a temporary file and, when the
   * stream ends, renames it to the entry. Put it after the digest check: a failed
   * check errors the stream before it ends, and the temporary file is removed.
   */
  tee(digest: string, size?: number): Transform {
    // larger than the whole cache: streamed, not cached
    if (size !== undefined && size > this.maxBytes) return new PassThrough({ highWaterMark: 1 << 20 });
    return new CacheTee(digest, this.path(digest), join(this.dir, "tmp"), this);
  }
}

/** What a CacheTee needs of its cache. */
interface TeeOwner {
  readonly maxBytes: number;
  pin(digest: string, size: number): void;
  unpin(digest: string): void;
  holds(digest: string): boolean;
  fits(digest: string, size: number): boolean;
  usable(): Promise<boolean>;
  claim(): Promise<boolean>;
  track(work: Promise<void>): Promise<void>;
  evict(): void;
}

class CacheTee extends Transform {
  #file: FileHandle | undefined;
  #tmp: string | undefined;
  #broken = false;
  #committed = false;
  #bytes = 0;

  constructor(
    private readonly digest: string,
    private readonly finalPath: string,
    private readonly tmpDir: string,
    private readonly owner: TeeOwner,
  ) {
    super({ highWaterMark: 1 << 20 });
  }

  private track(work: Promise<void>): Promise<void> {
    return this.owner.track(work);
  }

  #opening: Promise<FileHandle | undefined> | undefined;

  #open(): Promise<FileHandle | undefined> {
    this.#opening ??= (async () => {
      try {
        if (!(await this.owner.usable()) || !(await this.owner.claim())) throw new Error("not a cache directory of imgpolicy's");
        await mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
        this.#tmp = join(this.tmpDir, tempName());
        this.#file = await open(this.#tmp, "wx", 0o600);
      } catch {
        this.#broken = true;
      }
      return this.#file;
    })();
    return this.#opening.then(() => (this.#broken ? undefined : this.#file));
  }

  async #discard(): Promise<void> {
    this.#broken = true;
    const file = this.#file;
    this.#file = undefined;
    await file?.close().catch(() => {});
    if (this.#tmp) await unlink(this.#tmp).catch(() => {});
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#open()
      .then(async (file) => {
        this.#bytes += chunk.length;
        // past the cap: passed on, not cached
        if (file && this.#bytes > this.owner.maxBytes) await this.#discard();
        else if (file) await file.write(chunk).catch(() => this.#discard());
      })
      .then(() => cb(null, chunk), () => cb(null, chunk));
  }

  override _flush(cb: TransformCallback): void {
    const commit = async () => {
      const file = await this.#open();
      if (!file || this.#broken || !this.#tmp) return;
      this.#file = undefined;
      await file.close();
      // beside what this process has in use it would be over the cap: not stored. The room
      // is taken at once (no await between), so that downloads ending together do not each
      // count on the same room; and it is in use before it is in place, so that no eviction
      // of this process removes it.
      if (!this.owner.fits(this.digest, this.#bytes)) throw new Error("no room under the cap");
      const held = this.owner.holds(this.digest);
      this.owner.pin(this.digest, this.#bytes);
      try {
        await mkdir(join(this.finalPath, ".."), { recursive: true, mode: 0o700 });
        await rename(this.#tmp, this.finalPath);
      } catch (err) {
        if (!held) this.owner.unpin(this.digest);
        throw err;
      }
      this.#committed = true;
      this.owner.evict();
    };
    this.track(commit().catch(() => this.#discard())).then(() => cb());
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    if (this.#committed) return cb(err);
    // a file being opened is removed once it is open
    this.track(Promise.resolve(this.#opening).then(() => this.#discard())).then(() => cb(err));
  }
}

/** Small blobs (manifests, configs) whole: a verified entry, or undefined. */
export async function readCached(cache: BlobCache, digest: string, limit: number): Promise<Buffer | undefined> {
  const stream = await cache.get(digest);
  if (!stream) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        stream.destroy();
        return undefined;
      }
      chunks.push(chunk as Buffer);
    }
  } catch {
    return undefined;
  }
  return Buffer.concat(chunks);
}

/** Stores verified bytes; failures are ignored (the cache is only a cache). */
export async function writeCached(cache: BlobCache, digest: string, bytes: Buffer): Promise<void> {
  if (bytes.length > cache.maxBytes) return;
  if (await cache.has(digest)) {
    cache.pin(digest, bytes.length);
    return touch(cache.path(digest));
  }
  const tee = cache.tee(digest);
  await new Promise<void>((resolve) => {
    tee.on("error", () => resolve());
    tee.on("finish", () => resolve());
    tee.resume();
    tee.end(bytes);
  });
}
