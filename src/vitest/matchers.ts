/**
 * The matchers `imgpolicy/vitest` adds to `expect`. Each is async (await it) and takes
 * `image(ref)` or a reference string:
 *   toPassPolicy(policy, { failOn })     no failed rule at or above the threshold
 *   toHaveNoFindings(ruleId, { policy, options })   one rule, no unwaived findings
 *   toHaveFacts(partial)                 the facts contain this (as toMatchObject)
 */
import type { MatcherState } from "vitest";
import { policyNames, resolvePolicy, type PolicyInput } from "../index.js";
import { suggest } from "../policies/policy-validator.js";
import type { Facts } from "../inspect/facts/types.js";
import { evaluate } from "../policies/evaluate.js";
import type { ImageReport } from "../policies/report-types.js";
import { RULES } from "../policies/rules/index.js";
import type { ResolvedPolicy } from "../policies/policy-types.js";
import type { AnyRule, Severity } from "../policies/types.js";
import { asImage, type ImageHandle } from "./image-handle.js";
import { findingsMessage, notPassedMessage, passedMessage } from "./messages.js";

export interface PassPolicyOptions {
  /** Overrides the policy's threshold (`failOn`). */
  failOn?: Severity;
}

export interface NoFindingsOptions {
  /** Judge the rule as this policy sets it (severity, options, waivers); default: the rule's own defaults. */
  policy?: PolicyInput;
  /** Options for the rule, over the policy's or its defaults (`{ maxBytes: 50_000_000 }`). */
  options?: Record<string, unknown>;
}

/** A deep partial of the facts; any value may be an asymmetric matcher (`expect.any(String)`). */
export type FactsPartial<T = Facts> = T extends readonly (infer U)[] ? readonly FactsPartial<U>[] : T extends object ? { [K in keyof T]?: FactsPartial<T[K]> } : T;

interface Result {
  pass: boolean;
  message: () => string;
  actual?: unknown;
  expected?: unknown;
}

export const policyLabel = (policy: PolicyInput): string => policyNames(policy).join(" + ") || "(empty policy)";

function ruleById(id: string): AnyRule {
  if (typeof id !== "string") throw new TypeError(`toHaveNoFindings: expected a rule id such as "IMG-USER-001", received ${typeof id}`);
  const rule = RULES.find((r) => r.id === id.toUpperCase());
  if (!rule) {
    const prefix = id.toUpperCase().split("-").slice(0, 2).join("-");
    const near = RULES.filter((r) => r.id.startsWith(prefix)).map((r) => r.id);
    // the rules of the same prefix when it is right, else the nearest id (IMG-USR-001 → IMG-USER-001)
    const hint = near.length ? ` (rules starting ${prefix}: ${near.join(", ")})` : id.length <= 64 ? suggest(id, RULES.map((r) => r.id)) : "";
    throw new TypeError(`toHaveNoFindings: unknown rule '${id}'${hint}; \`imgpolicy rules\` lists them`);
  }
  return rule;
}

async function toPassPolicy(this: MatcherState, received: unknown, policy: PolicyInput, opts: PassPolicyOptions = {}): Promise<Result> {
  const img = asImage(received, "toPassPolicy");
  const { image: report, policy: resolved } = await img.verdict(policy, opts);
  const label = policyLabel(policy);
  return {
    pass: report.passed,
    message: () => (report.passed ? passedMessage(img.ref, label, report) : notPassedMessage(img.ref, label, report, resolved.failOn)),
  };
}

/**
 * One rule on one image. A rule that judges only the facts every inspection has is
 * evaluated on the handle's facts (read once for all such assertions); a rule that
 * asks for file contents, or judges a run, goes through a check of its own.
 */
async function judgeOne(img: ImageHandle, rule: AnyRule, policy: ResolvedPolicy): Promise<ImageReport> {
  const ownInput = rule.category === "runtime" || typeof (rule as { files?: unknown }).files === "function";
  if (ownInput) return (await img.verdict(policy, { rules: [rule] })).image;
  return evaluate(await img.facts(), policy, { rules: [rule], ...(img.options.now ? { now: img.options.now } : {}) });
}

async function toHaveNoFindings(this: MatcherState, received: unknown, ruleId: string, opts: NoFindingsOptions = {}): Promise<Result> {
  const img = asImage(received, "toHaveNoFindings");
  const rule = ruleById(ruleId);
  const base: ResolvedPolicy = opts.policy
    ? await resolvePolicy(opts.policy, img.options.cwd ? { cwd: img.options.cwd } : {})
    : { sources: [`rule ${rule.id}`], failOn: "info", rules: {}, waivers: [] };
  const entry = base.rules[rule.id];
  const options = { ...(entry?.options ?? {}), ...(opts.options ?? {}) };
  const policy: ResolvedPolicy = { ...base, rules: { ...base.rules, [rule.id]: { ...entry, enabled: true, ...(Object.keys(options).length ? { options } : {}) } } };
  const result = (await judgeOne(img, rule, policy)).results.find((r) => r.rule === rule.id);
  if (!result) throw new Error(`toHaveNoFindings: ${rule.id} was not evaluated on ${img.ref}`);
  const pass = result.status !== "fail";
  return {
    pass,
    message: () =>
      pass
        ? `expected ${img.ref} to have findings of ${rule.id}, but ${result.status === "skip" ? `it was not applicable: ${result.reason ?? "no reason given"}` : result.status === "waived" ? "every finding is waived" : "it passed"}`
        : findingsMessage(img.ref, result),
  };
}

/** The part of `actual` that `expected` talks about, for a readable diff. */
function subsetOf(actual: unknown, expected: unknown): unknown {
  if (Array.isArray(actual) && Array.isArray(expected) && actual.length === expected.length) return actual.map((a, i) => subsetOf(a, expected[i]));
  if (isPlain(actual) && isPlain(expected)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(expected)) if (k in actual) out[k] = subsetOf(actual[k], expected[k]);
    return out;
  }
  return actual;
}

const isPlain = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;

async function toHaveFacts(this: MatcherState, received: unknown, partial: FactsPartial): Promise<Result> {
  const img = asImage(received, "toHaveFacts");
  if (!isPlain(partial)) throw new TypeError("toHaveFacts: expected an object such as { config: { user: \"65532\" } }");
  const facts = await img.facts();
  const pass = this.equals(facts, partial, [...this.customTesters, this.utils.iterableEquality, this.utils.subsetEquality]);
  const subset = subsetOf(facts, partial);
  return {
    pass,
    actual: subset,
    expected: partial,
    message: () =>
      pass
        ? `expected the facts of ${img.ref} not to contain ${this.utils.stringify(partial)}`
        : `expected the facts of ${img.ref} to contain the expected values\n\n${this.utils.diff(partial, subset) ?? `found ${this.utils.stringify(subset)}`}`,
  };
}

/** For `expect.extend(matchers)` (importing `imgpolicy/vitest` already does it). */
export const matchers = { toPassPolicy, toHaveNoFindings, toHaveFacts };
