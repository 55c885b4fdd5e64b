import { describe, expect, it } from "vitest";
import { largestFirst } from "./layer-order.js";

describe("largestFirst", () => {
  it("hands out the biggest layers first, ties in image order", () => {
    expect(largestFirst([340, 375, 216, 141, 1])).toEqual([1, 0, 2, 3, 4]);
    expect(largestFirst([5, 9, 5, 9])).toEqual([1, 3, 0, 2]);
    expect(largestFirst([])).toEqual([]);
  });
});
