/**
 * Ignored rules: the quick case beside waivers (CLI: `check --ignore RULE`,
 * `IMGPOLICY_IGNORE`). An ignored rule still runs, and each of its findings is waived
 * with the reason the ignore was given with ("ignored on the command line"), so every
 * report shows it as waived, never leaves it out. An id that is no rule is a usage
 * error with a did-you-mean, before any image is read.
 */
import { UsageError } from "../errors.js";
import type { ResolvedPolicy } from "./policy-types.js";
import { shownText } from "./policy-types.js";
import { suggest } from "./suggest.js";
import type { Waiver } from "./report-types.js";
import type { AnyRule } from "./types.js";

/** A rule to ignore, with why (the waiver's reason) and where it was asked for (its source). */
export interface IgnoredRule {
  rule: string;
  reason: string;
  /** "--ignore", "IMGPOLICY_IGNORE", …: shown as the waiver's source and in errors. */
  source?: string;
}

export const IGNORE_FLAG: Readonly<Pick<IgnoredRule, "reason" | "source">> = { reason: "ignored on the command line", source: "--ignore" };
export const IGNORE_ENV: Readonly<Pick<IgnoredRule, "reason" | "source">> = { reason: "ignored by IMGPOLICY_IGNORE", source: "IMGPOLICY_IGNORE" };
/** What a bare rule id given to check({ ignore }) gets. */
export const IGNORE_OPTION: Readonly<Pick<IgnoredRule, "reason" | "source">> = { reason: "ignored by the caller", source: "check({ ignore })" };

/** "IMG-A,IMG-B IMG-C" → the ids, in order; commas and any whitespace separate them. */
export function splitRuleList(text: string): string[] {
  return text.split(/[\s,]+/).filter((s) => s !== "");
}

/** The rules `--ignore` (each value comma-separated) and IMGPOLICY_IGNORE name; ids as written. */
export function ignoreRequests(flags: readonly string[] | undefined, env: string | undefined): IgnoredRule[] {
  return [
    ...(flags ?? []).flatMap(splitRuleList).map((rule) => ({ rule, ...IGNORE_FLAG })),
    ...splitRuleList(env ?? "").map((rule) => ({ rule, ...IGNORE_ENV })),
  ];
}

/**
 * Checks the ids against the rules (case does not matter: they come out as the registry
 * spells them) and drops repeats, keeping the first. Throws a UsageError naming where an
 * unknown id came from, with the closest id.
 */
export function resolveIgnored(list: readonly (string | IgnoredRule)[], rules: readonly AnyRule[]): IgnoredRule[] {
  const ids = new Map(rules.map((r) => [r.id.toUpperCase(), r.id]));
  const out: IgnoredRule[] = [];
  for (const entry of list) {
    const req: IgnoredRule = typeof entry === "string" ? { rule: entry, ...IGNORE_OPTION } : entry;
    const id = ids.get(req.rule.trim().toUpperCase());
    if (!id) {
      const word = req.rule.trim();
      const hint = word.length <= 64 ? suggest(word, [...ids.values()]) : "";
      throw new UsageError(`${req.source ?? "ignore"}: unknown rule ${shownText(word)}${hint}; 'imgpolicy rules' lists them`);
    }
    if (!out.some((o) => o.rule === id)) out.push({ ...req, rule: id });
  }
  return out;
}

/** The waivers that carry the ignores: one per rule, no path or image (every finding, every image). */
export function ignoreWaivers(ignored: readonly IgnoredRule[]): Waiver[] {
  return ignored.map((i) => ({ rule: i.rule, reason: i.reason, ...(i.source !== undefined ? { source: i.source } : {}) }));
}

/**
 * The policy with the ignores added after its own waivers: a finding a policy waiver
 * covers keeps that waiver (its reason says more), the rest get the ignore's.
 */
export function withIgnored(policy: ResolvedPolicy, ignored: readonly IgnoredRule[]): ResolvedPolicy {
  if (ignored.length === 0) return policy;
  return { ...policy, waivers: [...policy.waivers, ...ignoreWaivers(ignored)] };
}
