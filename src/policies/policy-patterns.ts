/**
 * The load-time check of every pattern a policy holds: regular expressions and globs in
 * rule options (each rule says where, `Rule.patterns`), waiver globs, and the runtime
 * section's regular expressions. A pattern imgpolicy would refuse to run is a policy
 * error at its file:line:col, before any image is read.
 */
import type { PolicyFile } from "./policy-types.js";
import type { AnyRule, UserPatternRef } from "./types.js";
import { userGlobProblem } from "./user-glob.js";
import { userRegexProblem } from "../text/user-regex.js";

export interface PatternProblem {
  /** Where in the policy document (for yaml-location's positionOf). */
  path: string[];
  message: string;
}

function at(root: unknown, path: readonly (string | number)[]): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== "object" || !Object.hasOwn(v, seg)) return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
}

function check(root: unknown, ref: UserPatternRef, prefix: string[], out: PatternProblem[]): void {
  const value = at(root, ref.path);
  if (typeof value !== "string") return;
  const problem = ref.kind === "glob" ? userGlobProblem(value) : userRegexProblem(value);
  if (!problem) return;
  const path = [...prefix, ...ref.path.map(String)];
  out.push({ path, message: `${path.join(".")}: ${problem}` });
}

const RUNTIME_PATTERNS: UserPatternRef[] = [
  { path: ["health", "http", "body"], kind: "regex" },
  { path: ["health", "log"], kind: "regex" },
];

/** Problems with the patterns of a policy that passed the schema. */
export function patternProblems(p: PolicyFile, rules: readonly AnyRule[]): PatternProblem[] {
  const out: PatternProblem[] = [];
  for (const [id, entry] of Object.entries(p.rules ?? {})) {
    if (typeof entry !== "object" || !entry.options) continue;
    const rule = rules.find((r) => r.id === id);
    for (const ref of rule?.patterns?.(entry.options) ?? []) check(entry.options, ref, ["rules", id, "options"], out);
  }
  for (const [i, w] of (p.waivers ?? []).entries()) {
    for (const field of ["path", "image"] as const) check(w, { path: [field], kind: "glob" }, ["waivers", String(i)], out);
  }
  for (const ref of RUNTIME_PATTERNS) check(p.runtime, ref, ["runtime"], out);
  return out;
}
