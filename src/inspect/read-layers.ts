/**
 * Reads every layer of an image once, concurrently (bounded), into layer indexes,
 * then flattens them. Each layer's diff_id is verified as its bytes stream by.
 */
import { Transform, type TransformCallback } from "node:stream";
import type { Image, Layer } from "./image.js";
import { FileTree } from "./fs/file-tree.js";
import { scanLayer, type LayerIndex, type ScanInterest } from "./fs/scan-layer.js";

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

async function readOne(layer: Layer, i: number, total: number, image: Image, interest: ScanInterest) {
  const [digest, diffId, mediaType, size] = await Promise.all([layer.digest(), layer.diffId(), layer.mediaType(), layer.size()]);
  const stream = await layer.uncompressed();
  const counter = new Counter();
  stream.on("error", (e) => counter.destroy(e));
  stream.pipe(counter);
  const index = await scanLayer(counter, i, `${image.reference}: layer ${i + 1}/${total} (${digest.slice(0, 19)})`, interest);
  const summary: LayerSummary = {
    index: i,
    digest,
    diffId,
    mediaType,
    size,
    uncompressedSize: counter.bytes,
    entries: index.files.length,
    whiteouts: index.whiteouts.length + index.opaque.length,
    fileBytes: index.fileBytes,
  };
  return { index, summary };
}

/** Runs `fn` over items with at most `limit` in flight, keeping order. */
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

export async function readLayers(image: Image, interest: ScanInterest, opts: { concurrency?: number } = {}): Promise<ReadResult> {
  const layers = await image.layers();
  const results = await mapLimit(layers, opts.concurrency ?? 3, (l, i) => readOne(l, i, layers.length, image, interest));
  const indexes = results.map((r) => r.index);
  return { tree: FileTree.fromLayers(indexes), layers: results.map((r) => r.summary), indexes };
}
