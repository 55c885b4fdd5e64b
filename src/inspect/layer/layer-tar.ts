/**
 * From a layer's stored bytes to its tar, checked as it streams: the stored bytes
 * against the blob digest (where one is recorded that the diff_id check does not
 * cover), then decompression (as told, or sniffed), then the tar against the
 * diff_id. The one place these checks are made: behind `Layer.uncompressed()`, and in
 * a layer-scan worker thread, on the stored bytes handed to it (scan/worker-pool.ts).
 */
import { pipeline, type Readable } from "node:stream";
import { SourceError } from "../../errors.js";
import { DigestVerifier } from "../digest.js";
import type { FilePlace } from "../file-source.js";
import type { Compression, Layer } from "../image.js";
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

/** A layer's stored bytes and what to check them against: what `layerTar` takes. */
export interface StoredTar {
  /** The blob as stored, unchecked. */
  stream: Readable;
  check: TarCheck;
  /**
   * The stream's chunks are buffers of their own that nothing else holds (a file read
   * into a fresh buffer each time), so they may be moved to another thread, not copied.
   */
  transferable: boolean;
  /** Where the stored bytes lie in a local file, when they do: a worker thread reads them there itself, and a plain tar's ELF files are read there at random. */
  file?: FilePlace;
  /** Told the compression once `layerTar` knows it. */
  learned(compression: Compression): void;
}

/** A layer that hands over its stored bytes, so that their checks and scan can run on another thread. */
export interface StoredTarLayer extends Layer {
  storedTar(): Promise<StoredTar>;
  /** Whether the stored bytes lie in a local file (`StoredTar.file`), known without opening them; absent: they do not. */
  storedInFile?(): Promise<boolean>;
}

export function hasStoredTar(layer: Layer): layer is StoredTarLayer {
  return typeof (layer as Partial<StoredTarLayer>).storedTar === "function";
}

export interface LayerTar {
  tar: Readable;
  /** The compression, as told or as sniffed. */
  compression: Compression;
}

/** Pipes `src` through `rest`, errors and all; the last stream. */
export function chain(src: Readable, ...rest: NodeJS.ReadWriteStream[]): Readable {
  const streams = [src, ...rest] as unknown as [NodeJS.ReadableStream, ...NodeJS.ReadWriteStream[]];
  const last = streams[streams.length - 1] as unknown as Readable;
  pipeline(streams as never, () => {});
  return last;
}

/** An uncompressed blob whose recorded digest is not its diff_id: one of them is wrong. */
function plainBlobError(check: TarCheck): SourceError {
  return new SourceError(`${check.what}: the blob is an uncompressed tar but its digest ${check.blob!.digest} is not the config's diff_id ${check.diffId}`);
}

/**
 * `layerTar`'s checks of stored bytes that are the tar itself, fed synchronously (a
 * layer-scan worker reading a local file): `update` with every byte in order, then
 * `finish`, which throws what the stream would fail with.
 */
export function plainTarCheck(check: TarCheck): { update(chunk: Buffer): void; finish(): void } {
  if (check.blob) throw plainBlobError(check);
  let failed: Error | undefined;
  const verifier = new DigestVerifier(check.diffId, check.diffIdWhat);
  return {
    update: (chunk) => verifier._transform(chunk, "binary", () => {}),
    finish() {
      verifier._flush((err) => (failed = err ?? undefined));
      if (failed) throw failed;
    },
  };
}

/** The tar of a layer, from its stored bytes. The stream errors (at the latest at its end) when a check fails. */
export async function layerTar(stored: Readable, check: TarCheck): Promise<LayerTar> {
  let compression = check.compression;
  let s = stored;
  if (!compression) {
    const p = await peek(s, 4);
    compression = sniffCompression(p.head);
    s = p.stream;
  }
  const blob = check.blob;
  if (compression === "none" && blob) {
    s.destroy();
    stored.destroy();
    throw plainBlobError(check);
  }
  const verifier = new DigestVerifier(check.diffId, check.diffIdWhat);
  // whoever stops reading the tar lets go of the stored bytes too
  verifier.on("close", () => {
    stored.destroy();
    s.destroy();
  });
  if (compression === "none") return { tar: chain(s, verifier), compression };
  const dec = decompressor(compression);
  const kind = compression;
  const undecodable = (err: Error) => {
    const msg = /unexpected end of file/i.test(err.message) ? `truncated ${kind} stream` : err.message;
    return new Error(`cannot decompress: ${msg}`, { cause: err });
  };
  verifier.on("close", () => dec.destroy());
  s.on("error", (err) => verifier.destroy(err));
  dec.pipe(verifier);
  if (!blob) {
    dec.on("error", (err) => verifier.destroy(undecodable(err)));
    s.pipe(dec);
    return { tar: verifier, compression };
  }
  // the stored bytes go to the blob's digest check and to the decompressor; bytes that do not
  // inflate are most likely not the blob's, so a decompression failure waits for that check
  // (at the blob's end) to say so first
  const blobCheck = new DigestVerifier(blob.digest, blob.what, blob.size !== undefined ? { size: blob.size } : {});
  let checked = false;
  let held: Error | undefined;
  blobCheck.on("error", (err) => verifier.destroy(err));
  blobCheck.on("end", () => {
    checked = true;
    if (held) verifier.destroy(held);
  });
  blobCheck.resume();
  dec.on("error", (err) => {
    held = undecodable(err);
    if (checked) return verifier.destroy(held);
    // (the stored bytes may be paused, waiting for the failed decompressor to drain)
    s.unpipe(dec);
    s.resume();
  });
  s.pipe(blobCheck);
  s.pipe(dec);
  return { tar: verifier, compression };
}
