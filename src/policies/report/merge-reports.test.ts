import { describe, expect, it } from "vitest";
import { VERSION } from "../../version.js";
import { addCounts, emptyCounts } from "../evaluate.js";
import { REPORT_SCHEMA, type GateInfo, type ImageReport, type Report, type RuleResult } from "../report-types.js";
import type { Severity } from "../types.js";
import { gateReport, type GateImageReport } from "./gate-report.js";
import { mergeReports, type NamedReport } from "./merge-reports.js";
import { ReportInputError } from "./read-report.js";

const result = (rule: string, status: "pass" | "fail", severity: Severity = "high"): RuleResult => ({
  rule,
  title: rule,
  category: "config",
  severity,
  status,
  findings: status === "fail" ? [{ message: `${rule} found something` }] : [],
  remediation: "fix it",
});

function image(reference: string, entry: number, policies: string[], failing: boolean): GateImageReport {
  const results = [result("IMG-USER-001", failing ? "fail" : "pass"), result("IMG-HEALTH-001", "pass", "low")];
  const counts = emptyCounts();
  for (const r of results) {
    counts[r.status === "fail" ? "fail" : "pass"]++;
    if (r.status === "fail") counts.failedBySeverity[r.severity]++;
  }
  return { reference, results, counts, passed: !failing, policies, failOn: "high", entry };
}

const GATE: GateInfo = {
  list: "images.yaml",
  digest: `sha256:${"a".repeat(64)}`,
  images: 4,
  groups: [
    { policies: ["base"], failOn: "high", waivers: [] },
    { policies: ["go-scratch"], failOn: "high", waivers: [{ rule: "IMG-HEALTH-001", reason: "no image needs it", source: "p.yaml:3" }] },
  ],
};
const IMAGES = [image("a:1", 0, ["base"], false), image("b:1", 1, ["go-scratch"], true), image("c:1", 2, ["base"], false), image("d:1", 3, ["go-scratch"], false)];
const T1 = new Date("2026-03-01T10:00:00.000Z");
const T2 = new Date("2026-03-01T10:05:00.000Z");

/** A shard's report, as check --from --shard writes it. */
const shard = (index: number, count: number, entries: number[], now = T1, gate: GateInfo = GATE): NamedReport => ({
  file: `shard-${index}.json`,
  report: JSON.parse(JSON.stringify(gateReport(entries.map((e) => IMAGES[e]!), { ...gate, shard: { index, count } }, { now }))) as Report,
});

const inputError = (inputs: NamedReport[]) => {
  try {
    mergeReports(inputs, VERSION);
  } catch (err) {
    expect(err).toBeInstanceOf(ReportInputError);
    return (err as Error).message;
  }
  throw new Error("merged");
};

describe("mergeReports: the shards of one gate", () => {
  it("gives the report of the whole list, whatever the order of the shards (generatedAt: the latest shard's)", () => {
    const whole = gateReport(IMAGES, GATE, { now: T2 });
    const merged = mergeReports([shard(2, 2, [1, 3], T2), shard(1, 2, [0, 2])], VERSION);
    expect(merged).toEqual(JSON.parse(JSON.stringify(whole)));
    expect(merged.images.map((i) => i.reference)).toEqual(["a:1", "c:1", "b:1", "d:1"]);
    expect(merged.generatedAt).toBe(T2.toISOString());
    expect(merged.passed).toBe(false);
    expect(merged.counts.fail).toBe(1);
    expect((merged as Report & { gate: GateInfo }).gate.shard).toBeUndefined();
  });

  it("leaves 'unused' out of a shard's warnings, and works it out again over all the shards", () => {
    const s1 = shard(1, 2, [0, 2]);
    const s2 = shard(2, 2, [1, 3]);
    expect(s1.report.warnings).toBeUndefined();
    expect(s2.report.warnings).toBeUndefined();
    expect(mergeReports([s1, s2], VERSION).warnings?.map((w) => [w.kind, w.waiver?.rule])).toEqual([["waiver-unused", "IMG-HEALTH-001"]]);
  });

  it("takes a shard with no image (a hash split may leave one empty), and one whole report alone", () => {
    const merged = mergeReports([shard(1, 3, [0, 1, 2, 3]), shard(2, 3, []), shard(3, 3, [])], VERSION);
    expect(merged.images).toHaveLength(4);
    const alone = { file: "all.json", report: JSON.parse(JSON.stringify(gateReport(IMAGES, GATE, { now: T1 }))) as Report };
    expect(mergeReports([alone], VERSION)).toEqual(alone.report);
  });

  it.each<[string, () => NamedReport[], RegExp]>([
    ["a shard missing", () => [shard(1, 3, [0, 2]), shard(3, 3, [1, 3])], /^shard 2\/3 of images\.yaml is missing: give every shard's report/],
    ["a shard twice", () => [shard(1, 2, [0, 2]), { ...shard(1, 2, [0, 2]), file: "again.json" }], /^shard-1\.json and again\.json are both shard 1\/2 of images\.yaml: each shard once$/],
    ["shards of two splits", () => [shard(1, 2, [0, 2]), shard(2, 3, [1, 3])], /^shard-1\.json is shard 1\/2 and shard-2\.json shard 2\/3: merge the shards of one split$/],
    ["another list", () => [shard(1, 2, [0, 2]), shard(2, 2, [1, 3], T1, { ...GATE, digest: `sha256:${"b".repeat(64)}` })], /^shard-1\.json and shard-2\.json are reports of different image lists/],
    [
      "other thresholds",
      () => [shard(1, 2, [0, 2]), shard(2, 2, [1, 3], T1, { ...GATE, groups: GATE.groups.map((g) => ({ ...g, failOn: "medium" as const })) })],
      /checked the list with different policies, thresholds or flags/,
    ],
    ["a whole report and a shard", () => [{ file: "all.json", report: gateReport(IMAGES, GATE, { now: T1 }) }, shard(1, 2, [0, 2])], /^all\.json is the report of images\.yaml's whole list, and shard-1\.json of shard 1\/2/],
    ["an image in two shards", () => [shard(1, 2, [0, 2, 1]), shard(2, 2, [1, 3])], /^b:1 \(images\[1\] of images\.yaml\) is in both shard-1\.json and shard-2\.json$/],
    ["a report cut short", () => [shard(1, 2, [0, 2]), shard(2, 2, [1])], /^the reports hold 3 of the 4 images of images\.yaml: a report is missing or was cut$/],
  ])("refuses %s", (_what, inputs, message) => {
    expect(inputError(inputs())).toMatch(message);
  });

  it("refuses an image that has no place in the list", () => {
    const s = shard(1, 1, [0, 1, 2, 3]);
    delete (s.report.images[0] as Partial<GateImageReport>).entry;
    expect(inputError([s])).toBe("shard-1.json: image a:1 has no place in images.yaml (entry, policies, failOn): not a report check --from wrote");
    const far = shard(1, 1, [0, 1, 2, 3]);
    (far.report.images[3] as GateImageReport).entry = 7;
    expect(inputError([far])).toBe("shard-1.json: image d:1 is entry 7 of images.yaml, which has 4 images: not a report check --from wrote");
  });

  it("shows text from the reports escaped and cut", () => {
    const s = shard(1, 1, [0, 1, 2, 3]);
    s.report.images[0]!.reference = `evil\x1b[2J${"x".repeat(500)}`;
    delete (s.report.images[0] as Partial<GateImageReport>).entry;
    const message = inputError([s]);
    expect(message).not.toMatch(/\x1b/);
    expect(message).toContain("evil\\x1b[2J");
    expect(message.length).toBeLessThan(400);
  });
});

/** A plain `check REF…` report. */
function plain(file: string, images: ImageReport[], policies = ["base"], failOn: Severity = "high", now = T1): NamedReport {
  const counts = emptyCounts();
  for (const i of images) addCounts(counts, i.counts);
  return { file, report: { schema: REPORT_SCHEMA, tool: { name: "imgpolicy", version: VERSION }, policies, failOn, generatedAt: now.toISOString(), images, counts, passed: images.every((i) => i.passed) } };
}
const bare = (i: GateImageReport): ImageReport => {
  const { policies: _p, failOn: _f, entry: _e, ...rest } = i;
  return rest;
};

describe("mergeReports: plain reports", () => {
  it("joins the images in the order given, counts added", () => {
    const merged = mergeReports([plain("1.json", [bare(IMAGES[0]!)]), plain("2.json", [bare(IMAGES[1]!), bare(IMAGES[2]!)], ["base"], "high", T2)], VERSION);
    expect(merged.images.map((i) => i.reference)).toEqual(["a:1", "b:1", "c:1"]);
    expect(merged.counts.fail).toBe(1);
    expect(merged.counts.pass).toBe(5);
    expect(merged.passed).toBe(false);
    expect(merged.policies).toEqual(["base"]);
    expect(merged.generatedAt).toBe(T2.toISOString());
  });

  it("gives each image its policies and threshold when the reports had different ones, and the strictest threshold", () => {
    const merged = mergeReports([plain("1.json", [bare(IMAGES[0]!)]), plain("2.json", [bare(IMAGES[1]!)], ["go-scratch"], "medium")], VERSION);
    expect(merged.images.map((i) => [(i as GateImageReport).policies, (i as GateImageReport).failOn])).toEqual([
      [["base"], "high"],
      [["go-scratch"], "medium"],
    ]);
    expect(merged.policies).toEqual(["base", "go-scratch"]);
    expect(merged.failOn).toBe("medium");
  });

  it("refuses one image twice, a gate's report among plain ones, another version, and nothing", () => {
    expect(inputError([plain("1.json", [bare(IMAGES[0]!)]), plain("2.json", [bare(IMAGES[0]!)])])).toBe("a:1 checked against base is in both 1.json and 2.json");
    expect(inputError([shard(1, 1, [0, 1, 2, 3]), plain("2.json", [bare(IMAGES[0]!)])])).toMatch(/^shard-1\.json is a release gate's report \(check --from\) and 2\.json is not/);
    const old = plain("old.json", [bare(IMAGES[0]!)]);
    old.report.tool.version = "0.0.1";
    expect(inputError([old])).toBe(`old.json was written by imgpolicy 0.0.1, and this is ${VERSION}: merge with the version that wrote the reports`);
    expect(inputError([plain("1.json", [bare(IMAGES[0]!)]), old])).toMatch(/^1\.json was written by imgpolicy .* and old\.json by 0\.0\.1: merge reports of one version$/);
    expect(inputError([])).toBe("no report to merge");
  });
});
