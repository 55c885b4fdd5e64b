/**
 * A policy's promises: what its description says it blocks, written beside it as
 * `promises: { CLAIM: [RULE-ID, …] }`, each claim a phrase of the description. A promise
 * is kept when every rule it names runs under the resolved policy at a severity at or
 * above the policy's `failOn`, and no waiver of the policy covers that rule (a finding of
 * it then fails the check). A policy that extends another makes the other's promises too.
 *
 * The tests of the shipped policies hold every shipped description to its promises
 * (src/policies/shipped-policies.test.ts); a user's policy may declare promises as
 * documentation (the schema checks the rule ids).
 */
import { ruleEnabled } from "./evaluate.js";
import type { ResolvedPolicy } from "./policy-types.js";
import type { AnyRule } from "./types.js";
import { severityRank } from "./types.js";

export interface PolicyClaim {
  /** A phrase of the description of the policy that makes it. */
  claim: string;
  /** The rules that enforce it. */
  rules: string[];
  /** The policy that makes the claim (a shipped name or a file). */
  policy: string;
}

/** The claims of one policy file's `promises` mapping, in the order written. */
export function claimsOf(policy: string, promises: Record<string, string[]> | undefined): PolicyClaim[] {
  return Object.entries(promises ?? {}).map(([claim, rules]) => ({ claim, rules: [...rules], policy }));
}

/** Whitespace as a folded YAML scalar leaves it: runs of it are one space. */
const squash = (s: string) => s.replace(/\s+/g, " ").trim();

/** Claims whose phrase is not in the description of the policy that makes them: one line each. */
export function claimsNotInDescription(claims: readonly PolicyClaim[], description: string): string[] {
  const text = squash(description);
  return claims.filter((c) => !text.includes(squash(c.claim))).map((c) => `${c.policy}: the claim '${c.claim}' is not a phrase of its description`);
}

/**
 * The promises `policy` does not keep: one line for each claim and rule that would let
 * an image through (the rule is off, below failOn, waived, or not a rule at all).
 */
export function unkeptPromises(claims: readonly PolicyClaim[], policy: ResolvedPolicy, rules: readonly AnyRule[]): string[] {
  const byId = new Map(rules.map((r) => [r.id, r]));
  const out: string[] = [];
  for (const c of claims) {
    for (const id of c.rules) {
      const why = (problem: string) => out.push(`${c.policy}: '${c.claim}' needs ${id}, which ${problem}`);
      const rule = byId.get(id);
      if (!rule) {
        why("is no rule");
        continue;
      }
      if (!ruleEnabled(rule, policy)) {
        why("is off");
        continue;
      }
      const severity = policy.rules[id]?.severity ?? rule.severity;
      if (severityRank(severity) < severityRank(policy.failOn)) why(`is ${severity}, below failOn ${policy.failOn}`);
      const waived = policy.waivers.filter((w) => w.rule === id);
      if (waived.length) why(`is waived (${waived.map((w) => w.source ?? w.reason).join(", ")})`);
    }
  }
  return out;
}
