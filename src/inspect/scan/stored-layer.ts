/**
 * What a layer hands over so that its scan can run in a worker thread: the stored
 * bytes as a stream (from a file, an archive or a registry alike) and what to
 * check them against. The main thread then only moves bytes; the worker hashes,
 * decompresses and parses (or, for a small image, the main thread does it with the
 * same code). A layer without `storedForScan` is read on the main thread through
 * `uncompressed()`.
 */
import type { Readable } from "node:stream";
import type { Compression, Layer } from "../image.js";
import type { TarCheck } from "../layer/layer-tar.js";

/**
 * Where a blob lies in a local file: a worker thread then reads it itself, and the
 * main thread moves no bytes at all. Plain data: it crosses threads.
 */
export interface FileRange {
  /** The file, for messages. */
  name: string;
  /** An open descriptor to read through (file descriptors are the process's: any thread may use one); it stays open. */
  fd?: number;
  /** Else the path to open (and close again). */
  path?: string;
  /** Byte range [start, end) of the blob. */
  start: number;
  end: number;
}

export interface StoredLayer {
  /** The blob as stored, unchecked: the scan checks it as `check` says. */
  stream: Readable;
  /**
   * The same bytes as a range of a local file, when they are one: a scan in a worker
   * reads that instead (and destroys `stream`, which has read nothing yet).
   */
  file?: FileRange;
  check: TarCheck;
  /**
   * The stream's chunks are buffers of their own that nothing else holds (a file read
   * into a fresh buffer each time), so they may be moved to the worker rather than
   * copied. Leave unset for a stream whose chunks someone else may still use (a
   * blob also written to a cache, a slice of a socket's buffer).
   */
  transferable?: boolean;
  /** Told what the scan found out (the compression, when it was sniffed). */
  learned?(facts: { compression: Compression }): void;
}

/** A layer that can give its stored bytes for a scan elsewhere. */
export interface ScannableLayer extends Layer {
  storedForScan(): Promise<StoredLayer>;
}

export function isScannable(layer: Layer): layer is ScannableLayer {
  return typeof (layer as Partial<ScannableLayer>).storedForScan === "function";
}
