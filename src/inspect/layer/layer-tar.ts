/**
 * From a layer's stored bytes to its tar, checked as it streams: the stored bytes
 * against the blob digest (where one is recorded that the diff_id check does not
 * cover), then decompression (as told, or sniffed), then the tar against the
 * diff_id. This is the stream form, behind `Layer.uncompressed()`; the layer scan
 * (scan/scan-stored.ts) makes the same checks, with the same messages, on bytes
 * pushed to it chunk by chunk.
 */
import { pipeline, type Readable } from "node:stream";
import { SourceError } from "../../errors.js";
import { DigestVerifier } from "../digest.js";
import type { Compression } from "../image.js";
import { decompressor, peek, sniffCompression } from "./decompress.js";

/** What to check a layer's bytes against, and how to name it in messages. Plain data: it crosses threads. */
export interface TarCheck {
  /** How the stored bytes are compressed; undefined: sniff the first bytes. */
  compression?: Compression;
  /**
   * Check the stored bytes against this digest (and size, when given). Set only when
   * the diff_id check does not already cover it (an uncompressed blob's digest is its diff_id).
   */
  blob?: { digest: string; size?: number; what: string };
  /** The config's diff_id for the layer: the digest of the tar. */
  diffId: string;
  /** The message prefix for a diff_id mismatch. */
  diffIdWhat: string;
  /** The layer, for other messages. */
  what: string;
}

export interface LayerTar {
  tar: Readable;
  /** The compression, as told or as sniffed. */
  compression: Compression;
}

function chain(src: Readable, ...rest: NodeJS.ReadWriteStream[]): Readable {
  const streams = [src, ...rest] as unknown as [NodeJS.ReadableStream, ...NodeJS.ReadWriteStream[]];
  const last = streams[streams.length - 1] as unknown as Readable;
  pipeline(streams as never, () => {});
  return last;
}

/** The tar of a layer, from its stored bytes. The stream errors (at the latest at its end) when a check fails. */
export async function layerTar(stored: Readable, check: TarCheck): Promise<LayerTar> {
  let compression = check.compression;
  let s: Readable = check.blob
    ? chain(
        stored,
        new DigestVerifier(check.blob.digest, check.blob.what, check.blob.size !== undefined ? { size: check.blob.size } : {}),
      )
    : stored;
  if (!compression) {
    const p = await peek(s, 4);
    compression = sniffCompression(p.head);
    s = p.stream;
  }
  if (compression === "none" && check.blob) {
    // an uncompressed blob whose recorded digest is not its diff_id: one of them is wrong
    s.destroy();
    stored.destroy();
    throw new SourceError(`${check.what}: the blob is an uncompressed tar but its digest ${check.blob.digest} is not the config's diff_id ${check.diffId}`);
  }
  const verifier = new DigestVerifier(check.diffId, check.diffIdWhat);
  if (compression === "none") return { tar: chain(s, verifier), compression };
  const dec = decompressor(compression);
  const kind = compression;
  // say what failed before the pipeline passes the error on (listeners run in order)
  dec.prependListener("error", (err: Error) => {
    const msg = /unexpected end of file/i.test(err.message) ? `truncated ${kind} stream` : err.message;
    err.message = `cannot decompress: ${msg}`;
  });
  return { tar: chain(s, dec, verifier), compression };
}
