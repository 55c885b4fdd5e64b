/**
 * What a layer hands over so that its scan can run in a worker thread: the stored
 * bytes as a stream (from a file, an archive or a registry alike) and what to
 * check them against. The main thread then only moves bytes; the worker hashes,
 * decompresses and parses. A layer without `storedForScan` is read on the main
 * thread through `uncompressed()`.
 */
import type { Readable } from "node:stream";
import type { Compression, Layer } from "../image.js";
import type { TarCheck } from "../layer/layer-tar.js";

export interface StoredLayer {
  /** The blob as stored, unchecked: the scan checks it as `check` says. */
  stream: Readable;
  check: TarCheck;
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
