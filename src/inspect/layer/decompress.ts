/** Decompression of layer streams: gzip (zlib), zstd (fzstd), or none, by media type or by sniffing. */
import { createRequire } from "node:module";
import { PassThrough, Transform, type Readable, type TransformCallback } from "node:stream";
import type { Decompress } from "fzstd";
import type { Compression } from "../image.js";
import { ZstdFrames } from "./zstd-frames.js";

// zlib and fzstd are loaded when a layer first needs them: a plain tar needs neither,
// and every layer-scan worker thread would otherwise load and compile them at its start
const require = createRequire(import.meta.url);
let zlib: typeof import("node:zlib") | undefined;
let fzstd: typeof import("fzstd") | undefined;

export function sniffCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  return "none";
}

/**
 * zstd through fzstd, one block at a time: each block gives at most 128 KiB, which is
 * pushed before the next is decoded, and decoding waits while the reader is behind.
 * Without that, fzstd decodes all of a chunk at once (a 33 KB chunk of a zstd bomb is
 * a GiB). Frames whose window is over zstd's own default limit are refused before
 * fzstd allocates it.
 */
class ZstdDecompressor extends Transform {
  readonly #d: Decompress;
  readonly #frames = new ZstdFrames();
  #out: Uint8Array[] = [];
  /** The chunk being decoded, where it is, and the block ends left in it. */
  #chunk: Uint8Array | undefined;
  #pos = 0;
  #ends: number[] = [];
  #next = 0;
  #done: TransformCallback | undefined;
  #waiting = false;

  constructor() {
    super({ highWaterMark: 1 << 20 });
    fzstd ??= require("fzstd") as typeof import("fzstd");
    this.#d = new fzstd.Decompress((chunk) => {
      this.#out.push(chunk);
    });
  }

  /** Pushes what was decoded; false when the reader wants no more for now. */
  #emit(): boolean {
    let more = true;
    for (const c of this.#out) more = this.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    this.#out = [];
    return more;
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    try {
      this.#ends = this.#frames.blockEnds(bytes);
    } catch (err) {
      cb(new Error(`invalid zstd data: ${(err as Error).message}`));
      return;
    }
    this.#chunk = bytes;
    this.#pos = 0;
    this.#next = 0;
    this.#done = cb;
    this.#decode();
  }

  /** Decodes the current chunk block by block, stopping while the reader is behind. */
  #decode(): void {
    const chunk = this.#chunk!;
    try {
      while (this.#next < this.#ends.length) {
        const end = this.#ends[this.#next++]!;
        this.#d.push(chunk.subarray(this.#pos, end));
        this.#pos = end;
        if (!this.#emit()) {
          this.#waiting = true;
          return;
        }
      }
      if (this.#pos < chunk.length) this.#d.push(chunk.subarray(this.#pos));
      this.#emit();
    } catch (err) {
      return this.#finish(new Error(`invalid zstd data: ${(err as Error).message}`));
    }
    this.#finish();
  }

  #finish(err?: Error): void {
    const cb = this.#done;
    this.#done = this.#chunk = undefined;
    cb?.(err);
  }

  override _read(size: number): void {
    if (this.#waiting) {
      this.#waiting = false;
      this.#decode();
      return;
    }
    super._read(size);
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.#d.push(new Uint8Array(0), true);
      this.#emit();
      if (!this.#frames.atFrameBoundary) throw new Error("the stream ends inside a frame");
      cb();
    } catch (err) {
      cb(new Error(`truncated or invalid zstd data: ${(err as Error).message}`));
    }
  }
}

/**
 * Bytes zlib inflates into at a time: each output chunk costs a turn of zlib's callback and of
 * every stream after it, and a fresh buffer (bench, 1 GiB gzip OCI layout on this thread:
 * 6.1 s with 256 KiB, 5.5 s with 1 MiB, 5.15 s with 2 MiB; but with 2 MiB, ten gzip bombs
 * read by two workers peaked at 247 MB, near the 256 MB budget of limits.ts).
 */
const GUNZIP_CHUNK = 1 << 20;

/** A transform that decompresses the given compression. */
export function decompressor(compression: Compression): Transform {
  switch (compression) {
    case "gzip":
      zlib ??= require("node:zlib") as typeof import("node:zlib");
      return zlib.createGunzip({ chunkSize: GUNZIP_CHUNK });
    case "zstd":
      return new ZstdDecompressor();
    default:
      return new PassThrough({ highWaterMark: 1 << 20 });
  }
}

/** Reads the first bytes of a stream without consuming them, then returns a stream of everything. */
export async function peek(stream: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= n) finish();
    };
    const onEnd = () => finish();
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const cleanup = () => {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onError);
    };
    const finish = () => {
      cleanup();
      stream.pause();
      const head = Buffer.concat(chunks);
      const out = new PassThrough({ highWaterMark: 1 << 20 });
      out.write(head);
      stream.on("error", (e) => out.destroy(e));
      if (stream.readableEnded) out.end();
      else stream.pipe(out);
      resolve({ head: head.subarray(0, n), stream: out });
    };
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", onError);
  });
}
