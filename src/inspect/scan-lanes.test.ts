import { describe, expect, it } from "vitest";
import type { LayerIndex } from "./fs/scan-layer.js";
import { scanInLanes, type LaneKind, type LanePlan, type Opened } from "./scan-lanes.js";

const index = (layer: number): LayerIndex => ({ layer, files: [], whiteouts: [], opaque: [], fileBytes: 0 });
const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

/** A plan over `n` layers, every one split unless `whole` says so; records which lane ran what. */
function planOf(n: number, opts: { here?: boolean; workers?: number; whole?: number[]; fail?: Partial<Record<string, Error>> } = {}) {
  const ran: string[] = [];
  const half = async <T>(what: string, lane: LaneKind, value: T): Promise<T> => {
    ran.push(`${what}@${lane}`);
    await tick();
    const err = opts.fail?.[what];
    if (err) throw err;
    return value;
  };
  const plan: LanePlan = {
    order: Array.from({ length: n }, (_, i) => i),
    here: opts.here ?? true,
    workers: opts.workers ?? 1,
    open: async (i): Promise<Opened> => {
      await tick();
      if (opts.whole?.includes(i)) return { whole: () => half(`whole${i}`, "here", { index: index(i), tarBytes: 10 }) };
      return { hash: (lane) => half(`hash${i}`, lane, 100 - i), parse: async (lane) => { const x = await half(`parse${i}`, lane, index(i)); return () => x; } };
    },
  };
  return { plan, ran };
}

describe("scanInLanes", () => {
  it("reports every layer once, with its parse's index and its hash's length; this thread parses, the workers hash", async () => {
    const { plan, ran } = planOf(4, { whole: [3] });
    const seen: Array<[number, number]> = [];
    await scanInLanes(plan, (i, o) => seen.push([i, o.tarBytes]));
    expect(seen.sort((a, b) => a[0] - b[0])).toEqual([[0, 100], [1, 99], [2, 98], [3, 10]]);
    // the first layer: this thread opens it and parses it, the worker takes its hash
    expect(ran.slice(0, 2).sort()).toEqual(["hash0@worker", "parse0@here"]);
    expect(ran.filter((r) => r.endsWith("@worker")).length).toBeGreaterThan(0);
  });

  it("runs both halves on the one lane there is", async () => {
    for (const [here, workers] of [[true, 0], [false, 1]] as const) {
      const { plan, ran } = planOf(3, { here, workers });
      const seen: number[] = [];
      await scanInLanes(plan, (i) => seen.push(i));
      expect(seen.sort()).toEqual([0, 1, 2]);
      expect(ran).toHaveLength(6);
    }
  });

  it("stops at the first failure, told at once; of a split layer's two failures, the parse's", async () => {
    const failed: unknown[] = [];
    const { plan } = planOf(5, { fail: { hash1: new Error("digest"), parse1: new Error("bad tar") } });
    const err = await scanInLanes({ ...plan, failed: (e) => failed.push(e) }, () => {}).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toBe("bad tar");
    expect(failed).toEqual([err]);
    const { plan: p2 } = planOf(3, { fail: { hash2: new Error("digest") } });
    await expect(scanInLanes(p2, () => {})).rejects.toThrow("digest");
  });
});
