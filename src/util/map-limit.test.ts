import { describe, expect, it } from "vitest";
import { mapLimit } from "./map-limit.js";

describe("mapLimit", () => {
  it("keeps the items' order and never has more than `limit` calls in flight", async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n, i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      // a later item may end first: the results still follow the items
      for (let k = 0; k < n; k++) await Promise.resolve();
      inFlight--;
      return `${i}:${n}`;
    });
    expect(out).toEqual(["0:5", "1:1", "2:4", "3:2", "4:3"]);
    expect(most).toBe(2);
  });

  it("throws the first failure and starts nothing after it", async () => {
    const started: number[] = [];
    const err = await mapLimit([1, 2, 3, 4], 1, async (n) => {
      started.push(n);
      if (n === 2) throw new Error("two");
      return n;
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe("two");
    expect(started).toEqual([1, 2]);
  });

  it("returns [] for no items", async () => {
    expect(await mapLimit([], 3, async () => 1)).toEqual([]);
  });
});
