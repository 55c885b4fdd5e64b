/**
 * The rules as data (`imgpolicy rules --format json`): what each checks, at what default
 * severity, what input it needs to apply at all, and the JSON Schema of its options when
 * it takes any. Read from the registry objects, so the list cannot drift from what runs.
 */
import { RULE_FACTS } from "./rule-facts.js";
import type { AnyRule, JsonSchema, RuleCategory, Severity } from "./types.js";

/**
 * What a rule needs before it can say pass or fail (without it, it is "not applicable"):
 * the image alone (its layers, config and history), the Dockerfile it was built from, or a
 * run of it. The Dockerfile rules are IMG-DF-* (they read `facts.dockerfile`), the
 * runtime rules IMG-RUN-* (`facts.runtime`); rule-catalog.test.ts holds the rule files to
 * that. The other "dockerfile" category rules (IMG-HIST-*) read the image's history.
 */
export type RuleInput = "image" | "dockerfile" | "runtime";

export interface RuleNeeds {
  input: RuleInput;
  /** The sections of the facts document (`imgpolicy inspect --json`) the rule reads (rule-facts.ts). */
  facts: string[];
  /** How to give it, in a phrase. */
  how: string;
  /** The rule asks the inspector for named paths (`facts.files`), chosen by its options. */
  probesFiles?: true;
}

const HOW: Record<RuleInput, string> = {
  image: "any check: the image's layers and config",
  dockerfile: "check --build DIR or --dockerfile FILE (library: the dockerfile option)",
  runtime: "check --runtime (library: runtime: true): the image is started under the policy's runtime profile",
};

export function ruleNeeds(r: AnyRule): RuleNeeds {
  const input: RuleInput = r.id.startsWith("IMG-DF-") ? "dockerfile" : r.id.startsWith("IMG-RUN-") ? "runtime" : "image";
  const facts = [...(RULE_FACTS[r.id] ?? [])];
  if (r.files && !facts.includes("files")) facts.push("files");
  return { input, facts, how: HOW[input], ...(r.files ? { probesFiles: true as const } : {}) };
}

export interface RuleInfo {
  id: string;
  title: string;
  /** The default severity (a policy may change it). */
  severity: Severity;
  category: RuleCategory;
  description: string;
  rationale: string;
  remediation: string;
  /** CIS Docker Benchmark item, where there is one. */
  cis?: string;
  /** Off unless a policy turns it on. */
  optIn: boolean;
  /** The input it needs to apply (else it is reported not applicable). */
  needs: RuleNeeds;
  /** Present when the rule takes options. */
  defaultOptions?: Record<string, unknown>;
  optionsSchema?: JsonSchema;
}

/** Whether an options schema names any option. */
export function takesOptions(schema: JsonSchema): boolean {
  const props = schema.properties;
  return typeof props === "object" && props !== null && Object.keys(props).length > 0;
}

export function ruleInfo(r: AnyRule): RuleInfo {
  const info: RuleInfo = {
    id: r.id,
    title: r.title,
    severity: r.severity,
    category: r.category,
    description: r.description,
    rationale: r.rationale,
    remediation: r.remediation,
    ...(r.cis ? { cis: r.cis } : {}),
    optIn: Boolean(r.optIn),
    needs: ruleNeeds(r),
  };
  if (takesOptions(r.optionsSchema)) {
    info.defaultOptions = r.defaultOptions as Record<string, unknown>;
    info.optionsSchema = r.optionsSchema;
  }
  return info;
}

export function ruleCatalog(rules: readonly AnyRule[]): RuleInfo[] {
  return rules.map(ruleInfo);
}
