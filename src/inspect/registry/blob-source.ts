/**
 * The registry's blobs as a FileSource (paths "blobs/<alg>/<hex>"), so the shared
 * manifest image and blob layer code read them as they read a layout's. A blob
 * comes from the cache when a verified entry is there; otherwise it streams from
 * the registry through the digest check into the cache and on to the reader.
 * Nothing starts before the stream is first read (lazy-stream.ts): a download that
 * fails before its reader listens would fail unheard. A blob read whole (the config)
 * is bounded in size and must be in within the request timeout.
 */
import { pipeline, Transform, type Readable, type TransformCallback } from "node:stream";
import { SourceError } from "../../errors.js";
import { registryError } from "./error-body.js";
import { onFirstRead } from "./lazy-stream.js";
import { seconds } from "./transport.js";
import { isDigest } from "../digest.js";
import type { FileSource } from "../file-source.js";
import { BlobCheck, blobStream, Semaphore } from "./blob-stream.js";
import type { BlobCache } from "./cache.js";
import type { RegistryClient } from "./client.js";
import type { ProgressHook } from "./progress.js";

export interface BlobSourceInit {
  name: string;
  client: RegistryClient;
  cache?: BlobCache;
  /** Sizes named by descriptors, by digest. */
  sizes: Map<string, number>;
  concurrency?: number;
  onProgress?: ProgressHook;
  onClose?: () => void;
}

/** The most of a blob read whole (a config), as containers/image allows. */
export const WHOLE_BLOB_LIMIT = 4 << 20;

function digestOf(path: string): string | undefined {
  const m = /^blobs\/([a-z0-9]+)\/([a-f0-9]+)$/.exec(path);
  const digest = m ? `${m[1]}:${m[2]}` : undefined;
  return isDigest(digest) ? digest : undefined;
}

/** Counts bytes for progress; says "done" once the stream ends (after the digest check). */
class Progress extends Transform {
  #bytes = 0;
  constructor(
    private readonly digest: string,
    private readonly total: number | undefined,
    private readonly cached: boolean,
    private readonly hook: ProgressHook,
  ) {
    super({ highWaterMark: 1 << 20 });
  }
  #emit(done: boolean): void {
    try {
      this.hook({ type: "blob", digest: this.digest, received: this.#bytes, done, cached: this.cached, ...(this.total !== undefined ? { total: this.total } : {}) });
    } catch {
      // a progress display must not break a read
    }
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.#bytes += chunk.length;
    this.#emit(false);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    this.#emit(true);
    cb();
  }
}

function chain(streams: (Readable | Transform)[]): Readable {
  if (streams.length === 1) return streams[0] as Readable;
  pipeline(streams as unknown as [NodeJS.ReadableStream, ...NodeJS.ReadWriteStream[]], () => {});
  return streams[streams.length - 1] as Readable;
}

export class RegistryBlobSource implements FileSource {
  readonly name: string;
  /** Every blob is checked against its digest while it streams (or when read from the cache). */
  readonly verifiesDigests = true;
  readonly #slots: Semaphore;
  #closed = false;
  constructor(private readonly init: BlobSourceInit) {
    this.name = init.name;
    this.#slots = new Semaphore(init.concurrency ?? 4);
  }

  #digest(path: string): string {
    const d = digestOf(path);
    if (!d) throw new SourceError(`${this.name}: ${path} is not a blob path`);
    return d;
  }

  async exists(path: string): Promise<boolean> {
    return digestOf(path) !== undefined;
  }

  async size(path: string): Promise<number> {
    const size = this.init.sizes.get(this.#digest(path));
    if (size === undefined) throw new SourceError(`${this.name}: the size of ${path} is not known`);
    return size;
  }

  async readAll(path: string, limit = WHOLE_BLOB_LIMIT): Promise<Buffer> {
    const digest = this.#digest(path);
    const size = this.init.sizes.get(digest);
    const max = Math.min(limit, WHOLE_BLOB_LIMIT);
    if (size !== undefined && size > max) throw new SourceError(`${this.name}: blob ${digest} is ${size} bytes, more than the ${max} expected`);
    const chunks: Buffer[] = [];
    let got = 0;
    const stream = await this.open(path);
    const within = this.init.client.transport.requestTimeoutMs;
    const timer = setTimeout(() => stream.destroy(registryError(this.init.client.ctx, `blob ${digest}: not received within ${seconds(within)} (${got} bytes came)`)), within);
    try {
      for await (const chunk of stream) {
        got += (chunk as Buffer).length;
        if (got > max) {
          stream.destroy();
          throw new SourceError(`${this.name}: blob ${digest} is more than the ${max} bytes expected`);
        }
        chunks.push(chunk as Buffer);
      }
    } finally {
      clearTimeout(timer);
    }
    return Buffer.concat(chunks);
  }

  async open(path: string): Promise<Readable> {
    const digest = this.#digest(path);
    const size = this.init.sizes.get(digest);
    const hook = this.init.onProgress;
    const { client, cache } = this.init;
    const download = () => {
      const streams: (Readable | Transform)[] = [
        blobStream(client, { digest, slots: this.#slots, ...(size !== undefined ? { size } : {}) }),
        new BlobCheck(client.ctx, digest, size),
      ];
      if (cache) streams.push(cache.tee(digest, size));
      if (hook) streams.push(new Progress(digest, size, false, hook));
      return chain(streams);
    };
    if (cache && (await cache.verified(digest, size))) {
      return onFirstRead(() => {
        // another process may have evicted it since: then it is downloaded after all
        const entry = cache.openEntry(digest);
        if (!entry) return download();
        return chain(hook ? [entry, new Progress(digest, size, true, hook)] : [entry]);
      });
    }
    return onFirstRead(download);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.init.cache?.settle();
    // the image is closed: its blobs are no longer in use, and may be evicted
    this.init.cache?.release();
    this.init.onClose?.();
  }
}
