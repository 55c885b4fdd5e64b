import { describe, expect, it } from "vitest";
import { emptyCounts } from "../../policies/evaluate.js";
import { gateReport, type GateImageReport } from "../../policies/report/gate-report.js";
import type { GateInfo } from "../../policies/report-types.js";
import { markdownSummary, textSummary } from "./check-from-summary.js";

const GATE: GateInfo = { list: "images.yaml", digest: `sha256:${"c".repeat(64)}`, images: 2, groups: [{ policies: ["base"], failOn: "high", waivers: [] }] };
const now = new Date("2026-03-01T00:00:00Z");
const image = (reference: string, entry: number): GateImageReport => ({ reference, results: [], counts: emptyCounts(), passed: true, policies: ["base"], failOn: "high", entry });

describe("the gate's summary table", () => {
  it("names the shard a report holds", () => {
    const report = gateReport([image("a:1", 0)], { ...GATE, shard: { index: 2, count: 3 } }, { now });
    expect(textSummary(report).split("\n")[0]).toBe("release gate, shard 2/3: 1 image, 1 policy: 1 passed, 0 not");
    expect(markdownSummary(report).split("\n")[0]).toBe("## imgpolicy release gate, shard 2/3: ✅ 1 image, 1 policy: 1 passed, 0 not");
    expect(textSummary(gateReport([image("a:1", 0), image("b:1", 1)], GATE, { now })).split("\n")[0]).toBe("release gate: 2 images, 1 policy: 2 passed, 0 not");
  });

  it("says so when the split left a shard empty, instead of an empty table", () => {
    const report = gateReport([], { ...GATE, shard: { index: 3, count: 3 } }, { now });
    expect(textSummary(report)).toBe("release gate, shard 3/3: 0 images, 0 policies: 0 passed, 0 not\n  no image of the list's 2 falls in this shard\n");
    expect(markdownSummary(report)).toBe("## imgpolicy release gate, shard 3/3: ✅ 0 images, 0 policies: 0 passed, 0 not\n\nno image of the list's 2 falls in this shard\n");
  });

  it("counts an image that could not be read apart from the failed ones, with its verdict 'error'", () => {
    const unread: GateImageReport = { ...image("gone:1", 1), error: "no such image", passed: false };
    const failed: GateImageReport = { ...image("bad:1", 2), passed: false, counts: { ...emptyCounts(), fail: 1, failedBySeverity: { ...emptyCounts().failedBySeverity, high: 1 } } };
    const report = gateReport([image("a:1", 0), unread, failed], { ...GATE, images: 3 }, { now });
    const text = textSummary(report).split("\n");
    expect(text[0]).toBe("release gate: 3 images, 1 policy: 1 passed, 1 failed, 1 could not be read");
    expect(text[3]).toMatch(/^ {2}gone:1 +base +error +could not be read$/);
    expect(markdownSummary(report).split("\n")[0]).toBe("## imgpolicy release gate: ❌ 3 images, 1 policy: 1 passed, 1 failed, 1 could not be read");
  });
});
