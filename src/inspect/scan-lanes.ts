/**
 * How an image's layers are spread over the threads that scan them: "lanes", one for
 * this thread (when it scans too) and one per job the worker pool takes at once. A
 * lane that is free takes the next piece of work:
 *
 *   - a layer, opened by the lane that takes it, is either scanned whole on that lane
 *     or split (split-scan.ts) into its hash and its parse, which then wait for lanes
 *     like the rest (so they may run on two lanes at once);
 *   - this thread prefers parses, then new layers, then hashes: the index it parses is
 *     already where the tree is built (a worker's must be packed, cloned and unpacked
 *     again, tens of milliseconds for a big layer), and a worker that only hashes
 *     runs little code of its own to compile;
 *   - a worker lane prefers hashes, then new layers, then parses (with more workers
 *     than hashes, the parses too are shared out);
 *   - halves are taken lowest layer first: a layer is in the tree once both of its
 *     halves are done, and the tree is built bottom up.
 *
 * A layer is done when its parts are: `onLayer` is told at once. The first failure
 * stops the lanes (the caller aborts what is under way) and is what the scan rejects
 * with; of a split layer's two failures the parse's is told (as the one-pass scan
 * would have met it first).
 */
import type { LayerIndex } from "./fs/scan-layer.js";

export type LaneKind = "here" | "worker";

export interface LayerOutcome {
  index: LayerIndex;
  /** The length of the layer tar. */
  tarBytes: number;
}

/** What a lane does with the layer it opened. */
export type Opened =
  /** Scan it whole, on this lane. */
  | { whole: () => Promise<LayerOutcome> }
  /** Or hash and parse it, each on whichever lane takes that half. */
  | { hash: (lane: LaneKind) => Promise<number>; parse: (lane: LaneKind) => Promise<() => LayerIndex> };

export interface LanePlan {
  /** Layer indexes in the order they are handed out. */
  order: readonly number[];
  /** This thread has a lane. */
  here: boolean;
  /** Worker lanes. */
  workers: number;
  /** Opens layer `i` on a lane: reads what is needed to decide how it is scanned. */
  open(i: number, lane: LaneKind): Promise<Opened>;
  /** Told of the first failure at once (to abort what is under way). */
  failed?(err: unknown): void;
}

interface Half {
  layer: number;
  run: (lane: LaneKind) => Promise<void>;
}

export async function scanInLanes(plan: LanePlan, onLayer: (i: number, outcome: LayerOutcome) => void): Promise<void> {
  const units = [...plan.order];
  const hashes: Half[] = [];
  const parses: Half[] = [];
  let failure: { err: unknown } | undefined;
  /** Indexes being made after their lane went on (see the parse half). */
  const deferred: Promise<void>[] = [];
  let opening = 0;
  // a lane with nothing to take waits here while another lane is still opening a layer
  let wake: (() => void) | undefined;
  let woken = new Promise<void>((resolve) => (wake = resolve));
  const notify = () => {
    wake?.();
    woken = new Promise<void>((resolve) => (wake = resolve));
  };
  const fail = (err: unknown) => {
    if (failure) return;
    failure = { err };
    plan.failed?.(err);
    notify();
  };

  const take = (lane: LaneKind): Half | number | undefined => {
    if (lane === "here") return parses.shift() ?? units.shift() ?? hashes.shift();
    return hashes.shift() ?? units.shift() ?? parses.shift();
  };

  const openLayer = async (i: number, lane: LaneKind) => {
    opening++;
    let opened: Opened;
    try {
      opened = await plan.open(i, lane);
    } finally {
      opening--;
      notify();
    }
    if (failure) return;
    if ("whole" in opened) {
      onLayer(i, await opened.whole());
      return;
    }
    let index: LayerIndex | undefined;
    let tarBytes: number | undefined;
    let parseSettled: Promise<unknown> = Promise.resolve();
    const finished = () => {
      if (index !== undefined && tarBytes !== undefined) onLayer(i, { index, tarBytes });
    };
    const parse: Half = {
      layer: i,
      run: async (l) => {
        const p = opened.parse(l);
        parseSettled = p.catch(() => {});
        const indexed = await p;
        // the index is made (unpacked from a worker's columns: tens of milliseconds for a big
        // layer) once this lane has taken its next piece of work: the worker is not kept waiting
        deferred.push(
          new Promise<void>((resolve) =>
            setImmediate(() => {
              try {
                if (!failure) {
                  index = indexed();
                  finished();
                }
              } catch (err) {
                fail(err);
              }
              resolve();
            }),
          ),
        );
      },
    };
    const hash: Half = {
      layer: i,
      run: async (l) => {
        try {
          tarBytes = await opened.hash(l);
        } catch (err) {
          // a tar that does not parse is what the one-pass scan reports: let the parse say so first
          await parseSettled;
          throw err;
        }
        finished();
      },
    };
    // both halves wait for a lane: this one then takes the one it prefers most (another lane's
    // earlier parse, say), and the other half goes to the next free lane
    parses.push(parse);
    parses.sort((a, b) => a.layer - b.layer);
    hashes.push(hash);
    hashes.sort((a, b) => a.layer - b.layer);
    notify();
  };

  const lane = async (kind: LaneKind) => {
    while (!failure) {
      const next = take(kind);
      if (next === undefined) {
        if (opening === 0) return;
        await woken;
        continue;
      }
      try {
        if (typeof next === "number") await openLayer(next, kind);
        else await next.run(kind);
      } catch (err) {
        fail(err);
      }
    }
  };

  const lanes: Promise<void>[] = [];
  if (plan.here) lanes.push(lane("here"));
  for (let w = 0; w < plan.workers; w++) lanes.push(lane("worker"));
  await Promise.all(lanes);
  await Promise.all(deferred);
  if (failure) throw failure.err;
}
