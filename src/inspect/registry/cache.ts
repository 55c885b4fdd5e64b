/**
 * A content-addressed blob cache on disk: <dir>/blobs/<alg>/<hex>. A blob is
 * written to a temporary file as it streams to its reader and renamed into place
 * only after its digest verified; an entry is hashed again before it is served,
 * and dropped when it no longer matches. The cache never fails a read: when it
 * cannot write, the blob just is not cached.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, stat, unlink, type FileHandle } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { digestAlgorithm, digestHex } from "../digest.js";

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

export class BlobCache {
  /** Temporary files being removed or renamed; settle() waits for them. */
  readonly #pending = new Set<Promise<void>>();
  constructor(readonly dir: string) {}

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
    const path = this.path(digest);
    try {
      const st = await stat(path);
      if (!st.isFile() || (size !== undefined && st.size !== size) || (await hashFile(path, digestAlgorithm(digest))) !== digest) {
        await unlink(path).catch(() => {});
        return false;
      }
      return true;
    } catch {
      return false;
    }
  }

  /** An entry's bytes (opened now: read it at once, or make it when it is to be read). */
  stream(digest: string): Readable {
    return createReadStream(this.path(digest), { highWaterMark: 1 << 20 });
  }

  /** A verified entry as a stream, or undefined (a missing or corrupt entry; a corrupt one is removed). */
  async get(digest: string, size?: number): Promise<Readable | undefined> {
    return (await this.verified(digest, size)) ? this.stream(digest) : undefined;
  }

  async has(digest: string): Promise<boolean> {
    return stat(this.path(digest)).then((s) => s.isFile(), () => false);
  }

  /**
   * A pass-through that copies what flows into a temporary file and, when the
   * stream ends, renames it to the entry. Put it after the digest check: a failed
   * check errors the stream before it ends, and the temporary file is removed.
   */
  tee(digest: string): Transform {
    return new CacheTee(this.path(digest), join(this.dir, "tmp"), (p) => this.track(p));
  }
}

class CacheTee extends Transform {
  #file: FileHandle | undefined;
  #tmp: string | undefined;
  #broken = false;
  #committed = false;

  constructor(
    private readonly finalPath: string,
    private readonly tmpDir: string,
    private readonly track: (work: Promise<void>) => Promise<void>,
  ) {
    super({ highWaterMark: 1 << 20 });
  }

  #opening: Promise<FileHandle | undefined> | undefined;

  #open(): Promise<FileHandle | undefined> {
    this.#opening ??= (async () => {
      try {
        await mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
        this.#tmp = join(this.tmpDir, `${randomBytes(8).toString("hex")}.part`);
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
        if (file) await file.write(chunk).catch(() => this.#discard());
      })
      .then(() => cb(null, chunk), () => cb(null, chunk));
  }

  override _flush(cb: TransformCallback): void {
    const commit = async () => {
      const file = await this.#open();
      if (!file || this.#broken || !this.#tmp) return;
      this.#file = undefined;
      await file.close();
      await mkdir(join(this.finalPath, ".."), { recursive: true, mode: 0o700 });
      await rename(this.#tmp, this.finalPath);
      this.#committed = true;
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
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      stream.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Stores verified bytes; failures are ignored (the cache is only a cache). */
export async function writeCached(cache: BlobCache, digest: string, bytes: Buffer): Promise<void> {
  if (await cache.has(digest)) return;
  const tee = cache.tee(digest);
  await new Promise<void>((resolve) => {
    tee.on("error", () => resolve());
    tee.on("finish", () => resolve());
    tee.resume();
    tee.end(bytes);
  });
}
