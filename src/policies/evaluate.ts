/** Facts + policy → the results for one image. Pure: no I/O. */
import type { Facts } from "../inspect/facts/types.js";
import type { ResolvedPolicy } from "./policy-types.js";
import type { Counts, ImageReport, ReportedFinding, RuleResult } from "./report-types.js";
import { RULES } from "./rules/index.js";
import type { AnyRule, RuleOutcome, Severity } from "./types.js";
import { SEVERITIES, severityRank } from "./types.js";
import { splitWaivers, waiverCovers } from "./waivers.js";

export interface EvaluateOptions {
  rules?: readonly AnyRule[];
  now?: Date;
}

/** Whether a rule runs under a policy: listed entries decide; otherwise on unless opt-in. */
export function ruleEnabled(rule: AnyRule, policy: ResolvedPolicy): boolean {
  return policy.rules[rule.id]?.enabled ?? !rule.optIn;
}

export function ruleOptions(rule: AnyRule, policy: ResolvedPolicy): Record<string, unknown> {
  return { ...rule.defaultOptions, ...(policy.rules[rule.id]?.options ?? {}) };
}

function run(rule: AnyRule, facts: Facts, options: Record<string, unknown>): RuleOutcome {
  try {
    return rule.check(facts, options);
  } catch (err) {
    return { status: "fail", findings: [{ message: `rule ${rule.id} could not run: ${(err as Error).message}` }] };
  }
}

export function emptyCounts(): Counts {
  return { pass: 0, fail: 0, skip: 0, waived: 0, failedBySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number> };
}

export function addCounts(into: Counts, c: Counts): void {
  into.pass += c.pass;
  into.fail += c.fail;
  into.skip += c.skip;
  into.waived += c.waived;
  for (const s of SEVERITIES) into.failedBySeverity[s] += c.failedBySeverity[s];
}

export function evaluate(facts: Facts, policy: ResolvedPolicy, opts: EvaluateOptions = {}): ImageReport {
  const now = opts.now ?? new Date();
  const image = facts.image.reference;
  const results: RuleResult[] = [];
  for (const rule of opts.rules ?? RULES) {
    if (!ruleEnabled(rule, policy)) continue;
    const severity = policy.rules[rule.id]?.severity ?? rule.severity;
    const outcome = run(rule, facts, ruleOptions(rule, policy));
    const base = { rule: rule.id, title: rule.title, category: rule.category, severity, remediation: rule.remediation };
    const { active, expired } = splitWaivers(policy.waivers, rule.id, image, now);
    const r: RuleResult = { ...base, status: "pass", findings: [] };
    if (outcome.status === "skip") {
      r.status = "skip";
      r.reason = outcome.reason;
    } else if (outcome.status === "fail") {
      r.findings = outcome.findings.map((f): ReportedFinding => {
        const w = active.find((x) => waiverCovers(x, rule.id, image, f));
        return w ? { ...f, waivedBy: w } : f;
      });
      r.status = r.findings.every((f) => f.waivedBy) ? "waived" : "fail";
      const lapsed = expired.filter((w) => outcome.findings.some((f) => waiverCovers(w, rule.id, image, f)));
      if (lapsed.length) r.expiredWaivers = lapsed;
    }
    results.push(r);
  }
  const counts = emptyCounts();
  for (const r of results) {
    counts[r.status]++;
    if (r.status === "fail") counts.failedBySeverity[r.severity]++;
  }
  const report: ImageReport = {
    reference: image,
    digest: facts.image.digest,
    id: facts.image.id,
    platform: [facts.image.platform.os, facts.image.platform.architecture, facts.image.platform.variant].filter(Boolean).join("/"),
    results,
    counts,
    passed: passes(results, policy.failOn),
  };
  return report;
}

/** No unwaived failing rule at or above the threshold. */
export function passes(results: readonly RuleResult[], failOn: Severity): boolean {
  return !results.some((r) => r.status === "fail" && severityRank(r.severity) >= severityRank(failOn));
}
