/** report merge works every verdict out again from the results and refuses a report that says otherwise. */
import { describe, expect, it } from "vitest";
import { VERSION } from "../../version.js";
import type { Report } from "../report-types.js";
import { gateReport, type GateImageReport } from "./gate-report.js";
import { mergeReports } from "./merge-reports.js";
import { ReportInputError } from "./read-report.js";
import { verdictProblem } from "./report-verdicts.js";
import { sampleReport, unreadableReport } from "./sample-report.fixture.js";

const mine = (r: Report): Report => ({ ...r, tool: { name: "imgpolicy", version: VERSION } });

function refusal(report: Report): string {
  try {
    mergeReports([{ file: "r.json", report }], VERSION);
  } catch (err) {
    expect(err).toBeInstanceOf(ReportInputError);
    expect((err as Error).message).not.toContain("\n");
    return (err as Error).message;
  }
  throw new Error("merged");
}

describe("verdictProblem", () => {
  it("finds nothing wrong with reports check writes", () => {
    expect(verdictProblem(sampleReport())).toBeUndefined();
    expect(verdictProblem(unreadableReport())).toBeUndefined();
    expect(mergeReports([{ file: "r.json", report: mine(sampleReport()) }], VERSION).passed).toBe(false);
  });

  it("refuses a failing image edited to passed (the report's verdict too)", () => {
    const r = mine(sampleReport());
    r.images[0]!.passed = true;
    r.passed = true;
    expect(refusal(r)).toBe(
      "r.json: images[0] says passed, but its results say failed (failOn high): the report was edited or is damaged (write it again with check --format json=r.json)",
    );
  });

  it("refuses a report whose own verdict or counts disagree with its images", () => {
    const r = mine(sampleReport());
    r.passed = true;
    expect(refusal(r)).toMatch(/^r\.json: the report says passed, but its images say failed: /);
    const c = mine(sampleReport());
    c.counts.fail = 0;
    expect(refusal(c)).toMatch(/^r\.json: the report's counts disagree with its images': /);
  });

  it("refuses a failed rule edited to waived or passed without its findings being waived", () => {
    const r = mine(sampleReport());
    const k = r.images[0]!.results.findIndex((x) => x.status === "fail");
    const failed = r.images[0]!.results[k]!;
    failed.status = "waived";
    expect(refusal(r)).toMatch(new RegExp(`^r\\.json: images\\[0\\]\\.results\\[${k}\\] \\(${failed.rule}\\) says waived, but its \\d+ findings? say fail: `));
    failed.status = "pass";
    expect(refusal(r)).toMatch(/says pass, but its \d+ findings? say otherwise/);
  });

  it("refuses counts edited to match an edited verdict", () => {
    const r = mine(sampleReport());
    r.images[0]!.counts = { ...r.images[0]!.counts, fail: 0, failedBySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 } };
    expect(refusal(r)).toMatch(/^r\.json: images\[0\]'s counts disagree with its results: /);
  });

  it("refuses an image that could not be read yet says passed", () => {
    const r = mine(unreadableReport());
    r.images[0]!.passed = true;
    r.passed = true;
    expect(refusal(r)).toMatch(/^r\.json: images\[0\] says passed, but its results say failed/);
  });

  it("judges against the image's own threshold, which in a gate must be its policy's", () => {
    const base = sampleReport().images[0]!;
    const img: GateImageReport = { ...base, policies: ["base"], failOn: "high", entry: 0 };
    const gate = { list: "l.yaml", digest: `sha256:${"b".repeat(64)}`, images: 1, groups: [{ policies: ["base"], failOn: "high" as const, waivers: [] }] };
    const good = JSON.parse(JSON.stringify(gateReport([img], gate, { now: new Date("2026-01-01T00:00:00Z") }))) as Report;
    expect(mergeReports([{ file: "g.json", report: good }], VERSION).passed).toBe(false);
    // the image's threshold raised so that its findings no longer fail it: consistent on its own, not with its policy
    const edited = structuredClone(good) as Report & { images: GateImageReport[] };
    edited.images[0]!.failOn = "critical";
    edited.images[0]!.passed = false; // critical is still failed: verdicts agree, the threshold does not
    expect(() => mergeReports([{ file: "g.json", report: edited }], VERSION)).toThrow(/says it fails on critical, and its policy base on high: the report was edited or is damaged/);
  });
});
