/**
 * A report's verdicts worked out again from its results, as evaluate.ts works them out:
 * a rule's status from its findings (waived or not), an image's counts from its rules'
 * statuses and severities, its verdict from those against its threshold (the image's
 * `failOn`, else the report's), the report's from its images'. `report merge` takes
 * nothing else on trust: a report whose recorded statuses, counts or verdicts disagree
 * with its results was edited or damaged, and is refused (one line, exit 2).
 *
 * What this cannot see: a report is not signed, so results edited consistently (a finding
 * removed, a severity or threshold lowered) read as a report of a passing image.
 */
import { addCounts, emptyCounts, passes } from "../evaluate.js";
import type { Counts, ImageReport, Report, ResultStatus, RuleResult } from "../report-types.js";
import { SEVERITIES, type Severity } from "../types.js";

/** The status a rule's findings give: waived when every finding is, else fail; pass and skip have none. */
export function statusOfFindings(r: RuleResult): ResultStatus | undefined {
  if (r.status === "pass" || r.status === "skip") return r.findings.length === 0 ? r.status : undefined;
  return r.findings.every((f) => f.waivedBy) ? "waived" : "fail";
}

export function countsOf(results: readonly RuleResult[]): Counts {
  const counts = emptyCounts();
  for (const r of results) {
    counts[r.status]++;
    if (r.status === "fail") counts.failedBySeverity[r.severity]++;
  }
  return counts;
}

/** An image's verdict from its results: an image that could not be read never passes. */
export function imagePasses(img: ImageReport, failOn: Severity): boolean {
  return img.error === undefined && passes(img.results, failOn);
}

function sameCounts(a: Counts, b: Counts): boolean {
  return a.pass === b.pass && a.fail === b.fail && a.skip === b.skip && a.waived === b.waived && SEVERITIES.every((s) => a.failedBySeverity[s] === b.failedBySeverity[s]);
}

const verdict = (passed: boolean) => (passed ? "passed" : "failed");

/** What in a report disagrees with its results, as "images[1] says passed, but its results say failed"; undefined when nothing does. */
export function verdictProblem(report: Report): string | undefined {
  const total = emptyCounts();
  let all = true;
  for (const [n, img] of report.images.entries()) {
    const at = `images[${n}]`;
    if (img.error !== undefined && img.results.length) return `${at} could not be read, yet has results`;
    for (const [k, r] of img.results.entries()) {
      const status = statusOfFindings(r);
      if (status !== r.status) {
        return `${at}.results[${k}] (${r.rule}) says ${r.status}, but its ${r.findings.length} finding${r.findings.length === 1 ? "" : "s"} ${status ? `say ${status}` : "say otherwise"}`;
      }
    }
    if (!sameCounts(countsOf(img.results), img.counts)) return `${at}'s counts disagree with its results`;
    const own = (img as ImageReport & { failOn?: Severity }).failOn ?? report.failOn;
    const passed = imagePasses(img, own);
    if (passed !== img.passed) return `${at} says ${verdict(img.passed)}, but its results say ${verdict(passed)} (failOn ${own})`;
    addCounts(total, img.counts);
    all &&= passed;
  }
  if (!sameCounts(total, report.counts)) return "the report's counts disagree with its images'";
  if (all !== report.passed) return `the report says ${verdict(report.passed)}, but its images say ${verdict(all)}`;
  return undefined;
}
