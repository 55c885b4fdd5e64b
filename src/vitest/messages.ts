/**
 * The text of the matchers' failures: for each failed rule its severity, id and title,
 * the first finding (where, expected, found) and the fix, worst first.
 */
import { groupResults, locationParts, unwaived } from "../policies/report/common.js";
import { escapeLines, escapeText } from "../text/escape.js";
import type { ImageReport, ReportedFinding, RuleResult } from "../policies/report-types.js";
import type { Severity } from "../policies/types.js";
import { severityRank } from "../policies/types.js";

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A finding in two lines: its message, then "where: config User; expected: …; found: …". */
export function findingLines(f: ReportedFinding): string[] {
  const details: string[] = [];
  const where = locationParts(f.location);
  if (where.length) details.push(`where: ${where.join(", ")}`);
  if (f.expected !== undefined) details.push(`expected: ${f.expected}`);
  if (f.found !== undefined) details.push(`found: ${f.found}`);
  return [escapeText(f.message), ...(details.length ? [escapeText(details.join("; "))] : [])];
}

/**
 * The first line of a rule's remediation, and when it ends in a colon the example
 * line that follows it (`USER 65532:65532`).
 */
export function fixLines(r: RuleResult): string[] {
  const lines = escapeLines(r.remediation).split("\n").filter((l) => l.trim());
  if (!lines.length) return [];
  const first = lines[0]!.trim();
  return first.endsWith(":") && lines[1] ? [first, lines[1].trim()] : [first];
}

/** Several lines on one failed rule: heading, up to `max` findings, the fix. */
export function ruleBlock(r: RuleResult, max = 1, indent = "  "): string[] {
  const open = unwaived(r);
  const out = [`${indent}${r.severity.toUpperCase().padEnd(8)} ${escapeText(r.rule)}  ${escapeText(r.title)}`];
  for (const f of open.slice(0, max)) {
    const [message, details] = findingLines(f);
    out.push(`${indent}  - ${message}`);
    if (details) out.push(`${indent}    ${details}`);
  }
  if (open.length > max) out.push(`${indent}    (+${plural(open.length - max, "more finding")})`);
  const [fix, example] = fixLines(r);
  if (fix) out.push(`${indent}  fix: ${fix}`);
  if (example) out.push(`${indent}       ${example}`);
  return out;
}

/** The failed rules that fail the verdict (at or above failOn), and those below it. */
export function failedRules(img: ImageReport, failOn: Severity): { failing: RuleResult[]; below: RuleResult[] } {
  const { fail } = groupResults(img.results);
  const at = (r: RuleResult) => severityRank(r.severity) >= severityRank(failOn);
  return { failing: fail.filter(at), below: fail.filter((r) => !at(r)) };
}

/** The message of a `toPassPolicy` that did not pass. */
export function notPassedMessage(ref: string, policy: string, img: ImageReport, failOn: Severity): string {
  const { failing, below } = failedRules(img, failOn);
  const lines = [`expected ${escapeText(ref)} to pass policy ${escapeText(policy)} (fails on ${failOn} and above), but ${plural(failing.length, "rule")} failed:`];
  for (const r of failing) lines.push(...ruleBlock(r));
  if (below.length) lines.push(`below the threshold (reported, not failing): ${below.map((r) => `${r.rule} (${r.severity})`).join(", ")}`);
  return lines.join("\n");
}

/** The message of a `.not.toPassPolicy` that passed. */
export function passedMessage(ref: string, policy: string, img: ImageReport): string {
  const c = img.counts;
  return `expected ${escapeText(ref)} not to pass policy ${escapeText(policy)}, but it passed: ${plural(c.pass, "rule")} passed, ${c.fail} failed below the threshold, ${c.waived} waived, ${c.skip} not applicable`;
}

/** The message of a `toHaveNoFindings` with findings. */
export function findingsMessage(ref: string, r: RuleResult, max = 10): string {
  const open = unwaived(r);
  return [`expected ${escapeText(ref)} to have no findings of ${escapeText(r.rule)}, but it has ${open.length}:`, ...ruleBlock(r, max)].join("\n");
}
