/**
 * A Layer backed by a blob in a FileSource: the stored bytes are verified against
 * the blob digest where known, the uncompressed tar against the diff_id.
 */
import { pipeline } from "node:stream";
import type { Readable } from "node:stream";
import { SourceError } from "../../errors.js";
import { DigestVerifier } from "../digest.js";
import type { FileSource } from "../file-source.js";
import { layerCompression, type Compression, type Layer } from "../image.js";
import { decompressor, peek, sniffCompression } from "./decompress.js";

export interface BlobLayerInit {
  source: FileSource;
  path: string;
  /** What to call the layer in messages, e.g. "layer 2 of app.tar". */
  what: string;
  diffId: string;
  /** The blob digest, when the format records one; otherwise computed on demand. */
  digest?: string;
  /** The stored size, when the format records one. */
  size?: number;
  mediaType?: string;
}

function chain(src: Readable, ...rest: NodeJS.ReadWriteStream[]): Readable {
  const streams = [src, ...rest] as unknown as [NodeJS.ReadableStream, ...NodeJS.ReadWriteStream[]];
  const last = streams[streams.length - 1] as unknown as Readable;
  pipeline(streams as never, () => {});
  return last;
}

class BlobLayer implements Layer {
  #compression: Compression | undefined;
  #digest: string | undefined;
  constructor(private readonly init: BlobLayerInit) {
    this.#digest = init.digest;
    if (init.mediaType) this.#compression = layerCompression(init.mediaType);
  }

  async digest(): Promise<string> {
    if (this.#digest) return this.#digest;
    const c = await this.#detect();
    // an uncompressed blob is the layer tar: its digest is the diff_id, which uncompressed() verifies
    if (c === "none") return this.init.diffId;
    // compressed blob without a recorded digest: hash it once
    const s = await this.compressed();
    for await (const _ of s) void _;
    return this.#digest!;
  }

  async diffId(): Promise<string> {
    return this.init.diffId;
  }

  async size(): Promise<number> {
    return this.init.size ?? this.init.source.size(this.init.path);
  }

  async mediaType(): Promise<string> {
    if (this.init.mediaType) return this.init.mediaType;
    const c = await this.#detect();
    return c === "gzip"
      ? "application/vnd.docker.image.rootfs.diff.tar.gzip"
      : c === "zstd"
        ? "application/vnd.docker.image.rootfs.diff.tar.zstd"
        : "application/vnd.docker.image.rootfs.diff.tar";
  }

  async #detect(): Promise<Compression> {
    if (this.#compression) return this.#compression;
    const s = await this.init.source.open(this.init.path);
    const { head } = await peek(s, 4);
    s.destroy();
    return (this.#compression = sniffCompression(head));
  }

  async compressed(): Promise<Readable> {
    const raw = await this.init.source.open(this.init.path);
    const size = this.init.size;
    const verifier = new DigestVerifier(this.init.digest, `${this.init.what}: blob ${this.init.path}`, {
      ...(size !== undefined ? { size } : {}),
      onDigest: (d) => {
        this.#digest ??= d;
      },
    });
    return chain(raw, verifier);
  }

  async uncompressed(): Promise<Readable> {
    let compression = this.#compression;
    // Hash the stored bytes only when there is a recorded digest that the diff_id check
    // below does not already cover (an uncompressed blob's digest is its diff_id).
    const recorded = this.init.digest;
    let stored = recorded && recorded !== this.init.diffId ? await this.compressed() : await this.init.source.open(this.init.path);
    if (!compression) {
      const p = await peek(stored, 4);
      compression = this.#compression = sniffCompression(p.head);
      stored = p.stream;
    }
    if (compression === "none" && recorded && recorded !== this.init.diffId) {
      // an uncompressed blob whose recorded digest is not its diff_id: one of them is wrong
      stored.destroy();
      throw new SourceError(`${this.init.what}: the blob is an uncompressed tar but its digest ${recorded} is not the config's diff_id ${this.init.diffId}`);
    }
    const what = this.init.what;
    const dec = decompressor(compression);
    // say what failed before the pipeline passes the error on (listeners run in order)
    dec.prependListener("error", (err: Error) => {
      const msg = /unexpected end of file/i.test(err.message) ? `truncated ${compression} stream` : err.message;
      err.message = `cannot decompress: ${msg}`;
    });
    const out = chain(
      stored,
      dec,
      new DigestVerifier(this.init.diffId, `${what}: uncompressed content does not match the config's diff_id`),
    );
    return out;
  }
}

export function blobLayer(init: BlobLayerInit): Layer {
  return new BlobLayer(init);
}
