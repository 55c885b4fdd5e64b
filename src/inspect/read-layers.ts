/**
 * Reads every layer of an image once, concurrently (bounded), into layer indexes,
 * and flattens them (bottom up, as they come in). Each layer's digests are checked
 * as its bytes stream by. The scans run in worker threads (scan/worker-pool.ts)
 * when the image is big enough to gain from them; the main thread then only moves
 * the stored bytes (or, for plain layers, scans some itself in place of a worker).
 */
import { availableParallelism } from "node:os";
import { Transform, type TransformCallback } from "node:stream";
import { layerCompression, type Image, type Layer } from "./image.js";
import type { FileRecord } from "./fs/file-record.js";
import { FileTree } from "./fs/file-tree.js";
import { largestFirst } from "./layer-order.js";
import type { LayerIndex, ScanInterest } from "./fs/scan-layer.js";
import type { InterestSpec } from "./scan/interest-spec.js";
import { isScannable, type ScannableLayer } from "./scan/stored-layer.js";
import { ScanPool, scanWorkerAvailable, SMALL_IMAGE } from "./scan/worker-pool.js";
import { layerError } from "./scan/layer-error.js";
import { scanInLanes, type LaneKind, type Opened } from "./scan-lanes.js";
import { SourceError } from "../errors.js";
import { DEFAULT_LIMITS, tooManyEntries, tooMuchKept } from "./limits.js";

// the scan code (tar and ELF parsers) is loaded on this thread only when a layer is scanned
// here: with worker threads, only they load it, and the process starts sooner
const scanHere = () => import("./fs/scan-layer.js");
// (loaded before a layer's stored stream is opened: a stream that fails while its scanner
// loads, such as a small bad blob from a registry, would otherwise fail unheard, and the
// scan wait for it forever)
const scanStoredModule = () => import("./scan/scan-stored.js");
const scanFileModule = () => import("./scan/scan-file-here.js");
const splitHere = () => import("./scan/split-scan.js");

export interface LayerSummary {
  index: number;
  digest: string;
  diffId: string;
  mediaType: string;
  /** Stored (possibly compressed) size. */
  size: number;
  /** Size of the layer tar. */
  uncompressedSize: number;
  /** Number of entries (whiteouts excluded). */
  entries: number;
  whiteouts: number;
  fileBytes: number;
}

export interface ReadResult {
  tree: FileTree;
  layers: LayerSummary[];
  indexes: LayerIndex[];
}

class Counter extends Transform {
  bytes = 0;
  constructor() {
    super({ highWaterMark: 1 << 20 });
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

export interface ReadLayersOptions {
  /** How many layers are read at once (default 3 on the main thread; with workers, what the pool can take). */
  concurrency?: number;
  /**
   * Worker threads for the layer scans (default: env IMGPOLICY_SCAN_WORKERS, else
   * chosen): 0 scans on the main thread. Chosen, it is up to min(CPUs, layers, 4)
   * for plain layers, one of them being the main thread itself (which takes work
   * alongside the workers, scan-lanes.ts, rather than idle while they scan), and half
   * that for gzip ones, and none for small images
   * (under 8 MiB stored in all), on one CPU, when the compiled worker is not there
   * (running from the TypeScript sources) or the interest has no spec.
   */
  workers?: number;
  /**
   * Told of each layer's entries (in pieces) once they are in the tree, while later
   * layers are still being read: work on them done there is not left for the end.
   */
  onFiles?: (files: readonly FileRecord[]) => void;
  /**
   * With workers, a plain layer tar in a local file at least this big is scanned as two
   * tasks, its hash and its parse, which may run on two threads (split-scan.ts; default 4 MiB).
   */
  splitAbove?: number;
  /** Stops the reads in progress, as the first failed layer does; the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

const MAX_WORKERS = 4;
/** Below this size a layer is scanned in one pass: two tasks would cost more than they spread. */
const SPLIT_MIN_BYTES = 4 << 20;

interface LayerMeta {
  digest: string;
  diffId: string;
  mediaType: string;
  size: number;
}

async function metaOf(layer: Layer): Promise<LayerMeta> {
  const [digest, diffId, mediaType, size] = await Promise.all([layer.digest(), layer.diffId(), layer.mediaType(), layer.size()]);
  return { digest, diffId, mediaType, size };
}

function summarize(i: number, meta: LayerMeta, index: LayerIndex, tarBytes: number): LayerSummary {
  return {
    index: i,
    ...meta,
    uncompressedSize: tarBytes,
    entries: index.files.length,
    whiteouts: index.whiteouts.length + index.opaque.length,
    fileBytes: index.fileBytes,
  };
}

/** The scan on this thread of a layer that only gives its tar, through `Layer.uncompressed()`. */
async function readInProcess(layer: Layer, i: number, what: string, interest: ScanInterest, signal: AbortSignal) {
  const stream = await layer.uncompressed();
  const counter = new Counter();
  stream.on("error", (e) => counter.destroy(e));
  // a failed scan destroys the counter: let go of the source too
  counter.on("close", () => stream.destroy());
  // a stream that failed or closed before anyone listened says so no more
  if (stream.errored) counter.destroy(stream.errored);
  else if (stream.destroyed && !stream.readableEnded) counter.destroy(new SourceError(`${what}: the layer's stream closed before its end`));
  stream.pipe(counter);
  const onAbort = () => counter.destroy(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
  if (signal.aborted) onAbort();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const index = await (await scanHere()).scanLayer(counter, i, what, interest);
    return { index, tarBytes: counter.bytes };
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

interface WorkerPlan {
  workers: number;
  /** Layers each worker scans at once. */
  perWorker: number;
  /** This thread scans layers too (one piece of work at a time: scan-lanes.ts), in place of a worker. */
  here: boolean;
}

/**
 * Whether to scan in worker threads, and with how many. A plain (or zstd) tar keeps
 * a thread busy hashing, inflating and parsing: one layer per worker, a worker per
 * CPU. A gzip layer mostly waits for zlib, which inflates on libuv's threads: a
 * worker drives two, and there is a worker for every two CPUs (each worker costs
 * memory: its heap, its garbage, its room for an ELF file).
 */
async function planWorkers(layers: readonly Layer[], interest: ScanInterest, opts: ReadLayersOptions): Promise<WorkerPlan | undefined> {
  const scannable = layers.filter(isScannable);
  if (scannable.length === 0 || interest.spec === undefined || !scanWorkerAvailable()) return undefined;
  const env = process.env.IMGPOLICY_SCAN_WORKERS;
  const asked = opts.workers ?? (env !== undefined && /^\d+$/.test(env) ? Number(env) : undefined);
  if (asked === 0) return undefined;
  const cpus = availableParallelism();
  const sizes = await Promise.all(scannable.map((l) => l.size()));
  const stored = sizes.reduce((a, b) => a + b, 0);
  if (asked === undefined && (cpus < 2 || stored < SMALL_IMAGE)) return undefined;
  const kinds = await Promise.all(scannable.map(async (l) => layerCompression(await l.mediaType())));
  const gzipped = sizes.reduce((n, size, i) => n + (kinds[i] === "gzip" ? size : 0), 0);
  const perWorker = gzipped * 2 > stored ? 2 : 1;
  const limit = Math.min(scannable.length, opts.concurrency ?? Infinity);
  const workers = Math.max(1, Math.min(asked ?? Math.max(1, Math.floor(cpus / perWorker)), MAX_WORKERS, Math.ceil(limit / perWorker)));
  // plain layers: this thread, idle while the workers scan, takes work too (scan-lanes.ts) in place of a worker
  const here = asked === undefined && perWorker === 1 && workers >= 2;
  return { workers: here ? workers - 1 : workers, perWorker: Math.min(perWorker, limit), here };
}

/** Runs `fn` over items with at most `limit` in flight, keeping order (of the results). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < items.length && failed === undefined) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed !== undefined) throw failed;
  return out;
}

interface LaneContext {
  pool: ScanPool;
  spec: InterestSpec;
  interest: ScanInterest;
  signal: AbortSignal;
  splitAbove: number;
}

/**
 * How a lane scans the layer it takes (scan-lanes.ts): split in two when it is a plain tar
 * in a local file (split-scan.ts), else whole, here (from the file, or its stored stream)
 * or on a worker. A layer that only gives its tar stream is read here in any case.
 */
async function openOnLane(layer: Layer, i: number, what: string, lane: LaneKind, ctx: LaneContext): Promise<Opened> {
  const { pool, spec, interest, signal } = ctx;
  if (!isScannable(layer)) return { whole: () => readInProcess(layer, i, what, interest, signal) };
  const scanners = lane === "here" ? await Promise.all([scanStoredModule(), scanFileModule()]) : undefined;
  const stored = await layer.storedForScan();
  const file = stored.file;
  if (file && file.end - file.start >= ctx.splitAbove && (await splitHere()).splittable(file, stored.check)) {
    // the file is read here and in the workers: the stream, which has read nothing, is not needed
    stored.stream.on("error", () => {});
    stored.stream.destroy();
    stored.learned?.({ compression: "none" });
    const stopped = () => signal.aborted;
    const here = <T>(p: Promise<T>) => p.catch((err: unknown) => Promise.reject(err === signal.reason ? err : layerError(err, what)));
    return {
      hash: async (l) =>
        l === "here"
          ? here((await splitHere()).hashTarFile(file, stored.check, stopped))
          : (await pool.task("hash", file, i, what, stored.check, spec, signal)).tarBytes,
      parse: async (l) => {
        if (l === "here") {
          const scan = new (await scanHere()).LayerScan(i, what, interest);
          const index = await here((await splitHere()).parseTarFile(file, scan, stopped));
          return () => index;
        }
        const { indexed } = await pool.task("parse", file, i, what, stored.check, spec, signal);
        if (!indexed) throw new SourceError(`${what}: the layer scan gave no index`);
        return indexed;
      },
    };
  }
  if (lane === "worker") return { whole: () => pool.scan(stored, i, what, spec, signal) };
  const [{ scanStoredHere }, { scanFileHere }] = scanners!;
  return { whole: () => (file ? scanFileHere(stored, file, i, what, spec, signal) : scanStoredHere(stored, i, what, interest, signal)) };
}

export async function readLayers(image: Image, interest: ScanInterest, opts: ReadLayersOptions = {}): Promise<ReadResult> {
  const outer = opts.signal;
  outer?.throwIfAborted();
  const layers = await image.layers();
  const plan = await planWorkers(layers, interest, opts);
  outer?.throwIfAborted();
  const pool = plan ? new ScanPool(plan.workers, plan.perWorker) : undefined;
  // the first failure stops the other layers' reads at once, and so does the caller's abort
  const stop = new AbortController();
  const onAbort = () => stop.abort(outer?.reason);
  outer?.addEventListener("abort", onAbort, { once: true });
  // the tree is built as the layers come in (in order) while later ones are still read, a
  // slice at a time: the main thread also feeds the workers, which must not wait on it long
  const tree = new FileTree();
  const done: (LayerIndex | undefined)[] = [];
  let applied = 0;
  let building = Promise.resolve();
  // each layer's scan keeps to the limits; the image as a whole must too
  const limits = interest.limits ?? DEFAULT_LIMITS;
  let entries = 0;
  let kept = 0;
  let overLimit: SourceError | undefined;
  const arrived = (i: number, index: LayerIndex) => {
    entries += index.files.length + index.whiteouts.length + index.opaque.length;
    for (const f of index.files) if (f.content !== undefined) kept += f.content.length;
    if (overLimit === undefined && (entries > limits.maxEntries || kept > limits.maxKeptBytes)) {
      overLimit = new SourceError(`${image.reference}: ${entries > limits.maxEntries ? tooManyEntries(limits) : tooMuchKept(limits, `layer ${i + 1}`)}`);
      stop.abort(overLimit);
      return;
    }
    done[i] = index;
    for (let next = done[applied]; next !== undefined; next = done[applied]) {
      const l = next;
      done[applied++] = undefined;
      // after a turn of the event loop: the next layer is handed out first
      building = building.then(() => applyInSlices(tree, l, opts.onFiles));
    }
  };
  // every layer's digests and size, asked at once (a source may have to look at a blob for
  // them): a layer is then handed out as soon as there is room for it
  const metas = layers.map((layer) => {
    const p = metaOf(layer);
    p.catch(() => {}); // (its failure is met where it is awaited)
    return p;
  });
  const whatOf = async (i: number) => `${image.reference}: layer ${i + 1}/${layers.length} (${(await metas[i]!).digest.slice(0, 19)})`;
  try {
    const indexes: LayerIndex[] = new Array(layers.length);
    const tarBytes: number[] = new Array(layers.length);
    if (pool && plan && interest.spec) {
      // plain layers, which split into a hash and a parse, bottom up: the tree is built in that
      // order while the later hashes run; else the biggest layers first (see layer-order.ts)
      const order = plan.here ? layers.map((_, i) => i) : largestFirst(await Promise.all(layers.map((l) => l.size().catch(() => 0))));
      const ctx: LaneContext = { pool, spec: interest.spec, interest, signal: stop.signal, splitAbove: opts.splitAbove ?? SPLIT_MIN_BYTES };
      await scanInLanes(
        {
          order,
          here: plan.here,
          workers: pool.capacity,
          open: async (i, lane) => openOnLane(layers[i]!, i, await whatOf(i), lane, ctx),
          failed: (err) => stop.abort(err),
        },
        (i, outcome) => {
          indexes[i] = outcome.index;
          tarBytes[i] = outcome.tarBytes;
          arrived(i, outcome.index);
        },
      );
    } else {
      await mapLimit(layers, opts.concurrency ?? 3, async (layer, i) => {
        try {
          const what = await whatOf(i);
          const outcome = !isScannable(layer)
            ? await readInProcess(layer, i, what, interest, stop.signal)
            : await (await scanStoredModule()).scanStoredHere(await layer.storedForScan(), i, what, interest, stop.signal);
          indexes[i] = outcome.index;
          tarBytes[i] = outcome.tarBytes;
          arrived(i, outcome.index);
        } catch (err) {
          stop.abort(err);
          throw err;
        }
      });
    }
    outer?.throwIfAborted(); // (a read that ended just as the abort came)
    if (overLimit) throw overLimit;
    const results = await Promise.all(layers.map(async (_, i) => ({ index: indexes[i]!, summary: summarize(i, await metas[i]!, indexes[i]!, tarBytes[i]!) })));
    // every scan is done: the workers end while the last layers go into the tree
    const closing = pool?.close();
    await building;
    await closing;
    return { tree, layers: results.map((r) => r.summary), indexes: results.map((r) => r.index) };
  } catch (err) {
    throw outer?.aborted ? outer.reason : (overLimit ?? err); // the caller's reason, not a layer's report of the abort
  } finally {
    outer?.removeEventListener("abort", onAbort);
    building.catch(() => {}); // after a failure, nobody waits for the tree
    await pool?.close();
  }
}

const SLICE = 1000;

/**
 * `tree.apply(l)`, in slices of files with a turn of the event loop before each
 * (applying a layer is its opaque directories, then its whiteouts, then its files
 * in order, so applying the files in runs is the same); `onFiles` is told of each slice.
 */
async function applyInSlices(tree: FileTree, l: LayerIndex, onFiles?: (files: readonly FileRecord[]) => void): Promise<void> {
  for (let at = 0; at === 0 || at < l.files.length; at += SLICE) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const files = l.files.length <= SLICE ? l.files : l.files.slice(at, at + SLICE);
    tree.apply(at === 0 ? { ...l, files } : { ...l, opaque: [], whiteouts: [], files });
    onFiles?.(files);
  }
}
