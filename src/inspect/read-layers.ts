/**
 * Reads every layer of an image once, concurrently (bounded), into layer indexes, and
 * flattens them (bottom up, as they come in). The scans, each layer's digests checked
 * as its bytes stream by, run behind the one seam, scan/layer-scanner.ts.
 */
import type { Image, Layer } from "./image.js";
import { FileTree } from "./fs/file-tree.js";
import type { LayerIndex, ScanInterest } from "./fs/scan-layer.js";
import { largestFirst } from "./layer-order.js";
import { layerScanner, type ScannerOptions } from "./scan/layer-scanner.js";
import { setMaxListeners } from "node:events";
import { SourceError } from "../errors.js";
import { mapLimit } from "../util/map-limit.js";
import { DEFAULT_LIMITS, maxNameBytes, tooManyEntries, tooManyNameBytes, tooMuchKept } from "./limits.js";

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
  /**
   * How the checks of the layers' digests ended: already resolved, unless `deferChecks`
   * was asked. Then the caller must await it before anything made of the result is shown
   * or used (it rejects with the first failed layer's error, or the abort's reason).
   */
  checked: Promise<void>;
}

export interface ReadLayersOptions extends ScannerOptions {
  /** Stops the reads in progress, as the first failed layer does; the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

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

export async function readLayers(image: Image, interest: ScanInterest, opts: ReadLayersOptions = {}): Promise<ReadResult> {
  const outer = opts.signal;
  outer?.throwIfAborted();
  const layers = await image.layers();
  const scanner = await layerScanner(layers, interest, opts);
  // the first failure stops the other layers' reads at once, and so does the caller's abort
  const stop = new AbortController();
  // (each layer under way listens on it, and so does each layer whose check is pending: both are bounded by the capacity)
  setMaxListeners(2 * scanner.capacity + 8, stop.signal);
  const onAbort = () => stop.abort(outer?.reason);
  outer?.addEventListener("abort", onAbort, { once: true });
  if (outer?.aborted) onAbort(); // aborted while the layers and the scanner were got: no event comes now
  // the tree is built as the layers come in (in order) while later ones are still read
  const tree = new FileTree();
  const done: (LayerIndex | undefined)[] = [];
  let applied = 0;
  let building = Promise.resolve();
  // each layer's scan keeps to the limits; the image as a whole must too
  const limits = interest.limits ?? DEFAULT_LIMITS;
  let entries = 0;
  let kept = 0;
  let names = 0;
  let overLimit: SourceError | undefined;
  const arrived = (i: number, index: LayerIndex) => {
    entries += index.files.length + index.whiteouts.length + index.opaque.length;
    for (const f of index.files) {
      names += f.path.length + (f.linkname?.length ?? 0);
      if (f.content !== undefined) kept += f.content.length;
    }
    for (const p of index.whiteouts) names += p.length;
    for (const p of index.opaque) names += p.length;
    if (overLimit === undefined && (entries > limits.maxEntries || kept > limits.maxKeptBytes || names > maxNameBytes(limits))) {
      const why = entries > limits.maxEntries ? tooManyEntries(limits) : kept > limits.maxKeptBytes ? tooMuchKept(limits, `layer ${i + 1}`) : tooManyNameBytes(limits);
      overLimit = new SourceError(`${image.reference}: ${why}`);
      stop.abort(overLimit);
      return;
    }
    done[i] = index;
    for (let next = done[applied]; next !== undefined; next = done[applied]) {
      const l = next;
      done[applied++] = undefined;
      building = building.then(() => applyInSlices(tree, l));
    }
  };
  // every layer's digests and size, asked at once (a source may have to look at a blob for them)
  const metas = layers.map((layer) => {
    const p = metaOf(layer);
    p.catch(() => {}); // (its failure is met where it is awaited)
    return p;
  });
  const checks: Promise<void>[] = [];
  let handedOver = false;
  try {
    const indexes: LayerIndex[] = new Array(layers.length);
    const tarBytes: number[] = new Array(layers.length);
    // the biggest layers first (see layer-order.ts)
    const order = largestFirst(await Promise.all(layers.map((l) => l.size().catch(() => 0))));
    // checks still pending: no more than the scanner's capacity (each holds a worker's job open)
    const pending = new Set<Promise<void>>();
    await mapLimit(order, scanner.capacity, async (i) => {
      try {
        while (pending.size >= scanner.capacity) await Promise.race(pending);
        const what = `${image.reference}: layer ${i + 1}/${layers.length} (${(await metas[i]!).digest.slice(0, 19)})`;
        const scanned = await scanner.scan(layers[i]!, i, what, stop.signal);
        if (scanned.checked) {
          // a failed check stops the other layers as a failed read does
          const check = scanned.checked;
          const settled = check.then(
            () => void pending.delete(settled),
            (err: unknown) => {
              pending.delete(settled);
              stop.abort(err);
            },
          );
          pending.add(settled);
          checks.push(check);
        }
        indexes[i] = scanned.index;
        tarBytes[i] = scanned.tarBytes;
        arrived(i, scanned.index);
      } catch (err) {
        stop.abort(err);
        throw err;
      }
    });
    outer?.throwIfAborted(); // (a read that ended just as the abort came)
    if (overLimit) throw overLimit;
    const summaries = await Promise.all(
      layers.map(async (_, i): Promise<LayerSummary> => {
        const index = indexes[i]!;
        const entries = index.files.length;
        return { index: i, ...(await metas[i]!), uncompressedSize: tarBytes[i]!, entries, whiteouts: index.whiteouts.length + index.opaque.length, fileBytes: index.fileBytes };
      }),
    );
    const failure = (err: unknown) => (outer?.aborted ? outer.reason : (overLimit ?? err)); // the caller's reason, not a layer's report of the abort
    // the scanner (its workers) ends once every layer is checked
    const checked = Promise.all(checks)
      .then(() => {
        outer?.throwIfAborted();
        if (overLimit) throw overLimit;
      })
      .catch((err: unknown) => {
        throw failure(err);
      })
      .finally(() => {
        outer?.removeEventListener("abort", onAbort);
        return scanner.close();
      });
    checked.catch(() => {}); // (the caller awaits it; a failure of its own may come first)
    handedOver = true;
    if (!opts.deferChecks) await checked;
    await building;
    return { tree, layers: summaries, indexes, checked };
  } catch (err) {
    throw outer?.aborted ? outer.reason : (overLimit ?? err); // the caller's reason, not a layer's report of the abort
  } finally {
    building.catch(() => {}); // after a failure, nobody waits for the tree
    if (!handedOver) {
      outer?.removeEventListener("abort", onAbort);
      await scanner.close();
    }
  }
}

const SLICE = 1000;

/**
 * `tree.apply(l)`, in slices of files with a turn of the event loop before each, so that
 * the scans' streams keep moving (applying a layer is its opaque directories, then its
 * whiteouts, then its files in order, so applying the files in runs is the same).
 */
async function applyInSlices(tree: FileTree, l: LayerIndex): Promise<void> {
  for (let at = 0; at === 0 || at < l.files.length; at += SLICE) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const files = l.files.length <= SLICE ? l.files : l.files.slice(at, at + SLICE);
    tree.apply(at === 0 ? { ...l, files } : { ...l, opaque: [], whiteouts: [], files });
  }
}
