/**
 * The one seam behind which a layer is scanned: a layer in, its index and the length of
 * its tar out, its digests checked on the way (by layer/layer-tar.ts, the one place
 * they are checked; bytes that do not match never give an index). Two implementations:
 * on this thread (in-process.ts) and in worker threads (worker-pool.ts), chosen here.
 */
import { availableParallelism } from "node:os";
import { layerCompression, type Layer } from "../image.js";
import type { LayerIndex, ScanInterest } from "../fs/scan-layer.js";
import { hasStoredTar } from "../layer/layer-tar.js";

export interface ScannedLayer {
  index: LayerIndex;
  /** The length of the layer tar. */
  tarBytes: number;
  /**
   * Present when the scanner was asked to `deferChecks` and gave the index before the
   * layer's bytes were all checked: how the check ends (a rejection is the layer's
   * one-line error). Nothing of the index may be shown before it resolves.
   */
  checked?: Promise<void>;
}

export interface LayerScanner {
  /** Layers it scans at once. */
  readonly capacity: number;
  /**
   * Scans layer `n` of the image; `what` names it in messages (one-line SourceErrors).
   * `signal` stops the scan: it then rejects with the signal's reason.
   */
  scan(layer: Layer, n: number, what: string, signal: AbortSignal): Promise<ScannedLayer>;
  /** Lets go of what it holds (the worker threads); safe to call twice. */
  close(): Promise<void>;
}

export interface ScannerOptions {
  /** Layers read at once on this thread (default 3). */
  concurrency?: number;
  /**
   * Worker threads (default: env IMGPOLICY_SCAN_WORKERS, else chosen): 0 scans on this
   * thread. Chosen, there are none for small images (under 32 MiB stored), on one CPU,
   * without the compiled worker (running from the TypeScript sources), for an interest
   * without a spec, for a layer that cannot hand its stored bytes over, or when every
   * layer is gzip in a local file (zlib inflates on libuv's threads, and this thread keeps
   * up: bench, 1 GiB gzip OCI layout, 5.8 s and 145 MB here against 6.25 s and 157 MB with
   * a worker); else one per CPU (at most 4) for plain layers (a plain tar in a local file
   * is hashed on a worker and parsed on this thread, a gzip one in a local file scanned
   * here), and one per two CPUs for gzip streams (a registry's: a worker then drives two).
   */
  workers?: number;
  /**
   * A layer's index may come before its digest is checked (`ScannedLayer.checked`): a
   * plain tar in a local file is parsed here faster than a worker hashes it, and what is
   * made of the index meanwhile (the file tree, the facts) need not wait (bench, 902 MB
   * Debian image: this thread sat idle for the last layers' hashes, then built the facts).
   */
  deferChecks?: boolean;
}

/**
 * Below this many stored bytes, starting workers costs more than it saves (bench, a 14 MB
 * docker-archive: 0.32–0.42 s and 70 MB on this thread, 0.37–0.46 s and 85 MB with workers).
 */
const SMALL_IMAGE = 32 << 20;
const MAX_WORKERS = 4;
/** Layers under way at once (each holds its index as it grows; a worker holds a read buffer for each). */
const MAX_LAYERS = 8;

/** The scanner for these layers: the one place the choice is made. */
export async function layerScanner(layers: readonly Layer[], interest: ScanInterest, opts: ScannerOptions = {}): Promise<LayerScanner> {
  const inProcess = async () => (await import("./in-process.js")).inProcessScanner(interest, opts.concurrency ?? 3);
  const spec = interest.spec;
  const env = process.env.IMGPOLICY_SCAN_WORKERS;
  const asked = opts.workers ?? (env !== undefined && /^\d+$/.test(env) ? Number(env) : undefined);
  if (asked === 0 || spec === undefined || layers.length === 0 || !layers.every(hasStoredTar)) return inProcess();
  const pool = await import("./worker-pool.js");
  if (!pool.scanWorkerAvailable()) return inProcess();
  const cpus = availableParallelism();
  const sizes = await Promise.all(layers.map((l) => l.size()));
  const stored = sizes.reduce((a, b) => a + b, 0);
  if (asked === undefined && (cpus < 2 || stored < SMALL_IMAGE)) return inProcess();
  const kinds = await Promise.all(layers.map(async (l) => layerCompression(await l.mediaType())));
  const inFile = await Promise.all(layers.map(async (l) => (await l.storedInFile?.()) === true));
  // a gzip layer in a local file is scanned on this thread (zlib inflates on libuv's threads)
  const here = kinds.map((k, i) => k === "gzip" && inFile[i]!);
  if (asked === undefined && here.every(Boolean)) return inProcess();
  const gzipped = sizes.reduce((n, size, i) => n + (kinds[i] === "gzip" && !here[i] ? size : 0), 0);
  const limit = Math.min(layers.length, opts.concurrency ?? MAX_LAYERS);
  if (gzipped * 2 > stored) {
    // gzip streams: a worker drives two (zlib inflates on libuv's threads)
    const workers = Math.max(1, Math.min(asked ?? Math.max(1, Math.floor(cpus / 2)), MAX_WORKERS, Math.ceil(limit / 2)));
    return new pool.WorkerPool(spec, workers, Math.min(2, limit), opts.deferChecks);
  }
  // Plain layers: a worker hashes each while this thread parses it. This thread, which has
  // the parse of every layer to do, is given a CPU of its own and every layer at once, so
  // that it never waits for one layer's hash before it parses the next (bench, 902 MB
  // Debian image on 2 CPUs: with one layer per worker it sat idle for 0.5 s of 1.9).
  const workers = Math.max(1, Math.min(asked ?? cpus - 1, MAX_WORKERS, limit));
  return new pool.WorkerPool(spec, workers, Math.ceil(limit / workers), opts.deferChecks);
}
