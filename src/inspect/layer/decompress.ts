/** Decompression of layer streams: gzip (zlib), zstd (fzstd), or none, by media type or by sniffing. */
import { createRequire } from "node:module";
import { PassThrough, Transform, type Readable, type TransformCallback } from "node:stream";
import type { Decompress } from "fzstd";
import type { Compression } from "../image.js";

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

class ZstdDecompressor extends Transform {
  readonly #d: Decompress;
  #pending: Uint8Array[] = [];
  constructor() {
    super({ highWaterMark: 1 << 20 });
    fzstd ??= require("fzstd") as typeof import("fzstd");
    this.#d = new fzstd.Decompress((chunk) => {
      this.#pending.push(chunk);
    });
  }
  #drain(): void {
    for (const c of this.#pending) this.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    this.#pending = [];
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    try {
      this.#d.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.#drain();
      cb();
    } catch (err) {
      cb(new Error(`invalid zstd data: ${(err as Error).message}`));
    }
  }
  override _flush(cb: TransformCallback): void {
    try {
      this.#d.push(new Uint8Array(0), true);
      this.#drain();
      cb();
    } catch (err) {
      cb(new Error(`truncated or invalid zstd data: ${(err as Error).message}`));
    }
  }
}

/** A transform that decompresses the given compression. */
export function decompressor(compression: Compression): Transform {
  switch (compression) {
    case "gzip":
      zlib ??= require("node:zlib") as typeof import("node:zlib");
      return zlib.createGunzip({ chunkSize: 1 << 18 });
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
