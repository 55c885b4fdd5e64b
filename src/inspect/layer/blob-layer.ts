/**
 * A Layer backed by a blob in a FileSource: the stored bytes are verified against
 * the blob digest where known, the uncompressed tar against the diff_id.
 */
import type { Readable } from "node:stream";
import { DigestVerifier } from "../digest.js";
import { DirFileSource, TarFileSource, type FileSource } from "../file-source.js";
import { layerCompression, type Compression, type Layer } from "../image.js";
import { peek, sniffCompression } from "./decompress.js";
import { chain, layerTar, type StoredTar, type StoredTarLayer, type TarCheck } from "./layer-tar.js";

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

class BlobLayer implements StoredTarLayer {
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
    const stored = await this.storedTar();
    const { tar, compression } = await layerTar(stored.stream, stored.check);
    stored.learned(compression);
    return tar;
  }

  async storedInFile(): Promise<boolean> {
    return (await this.init.source.locate?.(this.init.path)) !== undefined;
  }

  /** The stored bytes and what to check them against (see `StoredTarLayer`). */
  async storedTar(): Promise<StoredTar> {
    const source = this.init.source;
    const file = await source.locate?.(this.init.path);
    return {
      stream: await source.open(this.init.path),
      ...(file ? { file } : {}),
      check: this.#check(),
      // these read each chunk into a fresh buffer (fs.ReadStream, RandomAccessFile.stream);
      // a chunk of an in-memory file is a view into it, which the pool sees and copies
      transferable: source instanceof DirFileSource || source instanceof TarFileSource,
      learned: (compression) => {
        this.#compression ??= compression;
      },
    };
  }

  #check(): TarCheck {
    const { what, path, diffId, size } = this.init;
    // Hash the stored bytes only when there is a recorded digest that neither the source
    // (a registry checks while downloading) nor the diff_id check (an uncompressed blob's
    // digest is its diff_id) already covers.
    const recorded = this.init.source.verifiesDigests ? undefined : this.init.digest;
    return {
      ...(this.#compression ? { compression: this.#compression } : {}),
      ...(recorded && recorded !== diffId ? { blob: { digest: recorded, what: `${what}: blob ${path}`, ...(size !== undefined ? { size } : {}) } } : {}),
      diffId,
      diffIdWhat: `${what}: uncompressed content does not match the config's diff_id`,
      what,
    };
  }
}

export function blobLayer(init: BlobLayerInit): Layer {
  return new BlobLayer(init);
}
