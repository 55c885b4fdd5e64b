/** Validates a parsed policy document against the schema; problems carry file:line:col. */
import { createRequire } from "node:module";
import type { ErrorObject, ValidateFunction } from "ajv";
import type { Document, LineCounter } from "yaml";
import type { PolicyProblem } from "./policy-types.js";
import { shownKey } from "./policy-types.js";
import { policySchema } from "./policy-schema.js";
import { newAjv, schemaHash } from "./policy-validator-code.js";
import type { AnyRule } from "./types.js";
import { pointerSegments, positionOf } from "./yaml-location.js";
import { suggest } from "./suggest.js";

export { suggest } from "./suggest.js";

const cache = new WeakMap<readonly AnyRule[], ValidateFunction>();

/** The file `npm run build` writes beside this module (absent when running from src). */
export const PRECOMPILED = "./policy-validator.precompiled.cjs";

/** The validator compiled at build time, when it was made from this very schema. */
function precompiled(schema: unknown): ValidateFunction | undefined {
  try {
    const mod = createRequire(import.meta.url)(PRECOMPILED) as ValidateFunction & { schemaHash?: string };
    return typeof mod === "function" && mod.schemaHash === schemaHash(schema) ? mod : undefined;
  } catch {
    return undefined;
  }
}

export function policyValidator(rules: readonly AnyRule[]): ValidateFunction {
  let v = cache.get(rules);
  if (!v) {
    const schema = policySchema(rules);
    v = precompiled(schema) ?? newAjv().compile(schema);
    cache.set(rules, v);
  }
  return v;
}

/** "a string", "an array": what a value is, never what it holds (a policy may be any file). */
function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return typeof v === "number" || typeof v === "boolean" ? `a ${typeof v}` : typeof v === "string" ? "a string" : "nothing";
}

/**
 * The message for one schema error. It names where (keys that look like keys), what was
 * expected and what kind of value was found; never the value: `extends: /etc/shadow`
 * or a mistaken --policy must not print another file's lines.
 */
function describe(e: ErrorObject, data: unknown, ruleIds: readonly string[]): string {
  const segs = pointerSegments(e.instancePath);
  const where = segs.length ? segs.map((k) => (shownKey(k).startsWith("'") ? k : "…")).join(".") : "the policy";
  const found = segs.reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), data);
  const hint = (word: string, candidates: readonly string[]) => (word.length <= 64 ? suggest(word, candidates) : "");
  switch (e.keyword) {
    case "additionalProperties": {
      const prop = String((e.params as { additionalProperty: string }).additionalProperty);
      if (segs.length === 1 && segs[0] === "rules") return `unknown rule ${shownKey(prop)}${hint(prop, ruleIds)}`;
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return `unknown key ${shownKey(prop)} in ${where}${hint(prop, known)}`;
    }
    case "enum": {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      // a waiver's rule is a rule id, shown like an unknown key
      if (segs.at(-1) === "rule" || segs[0] === "promises") return typeof found === "string" ? `unknown rule ${shownKey(found)}${hint(found, ruleIds)}` : `${where}: expected a rule id, found ${kindOf(found)}`;
      const list = allowed.map((a) => JSON.stringify(a)).join(", ");
      return `${where}: expected one of ${list}${typeof found === "string" ? "" : `, found ${kindOf(found)}`}`;
    }
    case "type":
      return `${where}: expected ${(e.params as { type: string | string[] }).type.toString().replace(",", " or ")}, found ${kindOf(found)}`;
    case "required":
      return `${where}: missing '${(e.params as { missingProperty: string }).missingProperty}'`;
    case "format":
      return `${where}: expected a ${(e.params as { format: string }).format === "date" ? "date as YYYY-MM-DD" : (e.params as { format: string }).format}`;
    case "minLength":
    case "minItems":
      return `${where}: must not be empty`;
    case "uniqueItems":
      return `${where}: names the same item twice`;
    default:
      return `${where}: ${e.message ?? "is invalid"}`;
  }
}

export function validatePolicyData(
  data: unknown,
  doc: Document,
  lc: LineCounter,
  file: string,
  rules: readonly AnyRule[],
): PolicyProblem[] {
  const validate = policyValidator(rules);
  if (validate(data)) return [];
  const ids = rules.map((r) => r.id);
  const seen = new Set<string>();
  const out: PolicyProblem[] = [];
  for (const e of validate.errors ?? []) {
    if (e.keyword === "if" || e.keyword === "anyOf") continue; // the branch's own error says more
    const key = e.keyword === "additionalProperties" ? (e.params as { additionalProperty: string }).additionalProperty : undefined;
    const { line, col } = positionOf(doc, lc, pointerSegments(e.instancePath), key);
    const message = describe(e, data, ids);
    const k = `${line}:${col}:${message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ file, line, col, message });
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}
