/**
 * One policy file's text, as load-policy.ts takes it when it was not validated at build
 * time (shipped-trust.ts): JSON grammar for a `.json` file, the bounded YAML parse, a
 * container-structure-test config converted, or the schema, the patterns and (for a policy
 * found, not named) the runtime hardening checked. Problems carry file:line:col. Loaded on
 * the first such file: a check with shipped policies only needs no YAML parser or validator.
 */
import type { CstPolicy } from "./cst/convert-cst.js";
import { cstToPolicy, isCstConfig } from "./cst/convert-cst.js";
import { yamlLineOf } from "./policy-merge.js";
import { jsonSyntaxProblem } from "./policy-json.js";
import { patternProblems } from "./policy-patterns.js";
import type { PolicyFile, PolicyProblem } from "./policy-types.js";
import { validatePolicyData } from "./policy-validator.js";
import { parsePolicyYaml } from "./policy-yaml.js";
import { runtimeWeakenings, weakeningMessage } from "./runtime-weakening.js";
import type { Position } from "./shipped-trust.js";
import type { AnyRule } from "./types.js";
import { positionOf } from "./yaml-location.js";

export type CheckedPolicyFile =
  | { kind: "problems"; problems: PolicyProblem[] }
  | { kind: "cst"; policy: CstPolicy }
  | { kind: "policy"; policy: PolicyFile; extendsAt: (i: number) => Position; lineAt: (path: (string | number)[]) => number };

/** `harden`: runtime settings may only harden the sandbox (a found policy, not a shipped one). */
export function checkPolicyText(text: string, file: string, rules: readonly AnyRule[], harden: boolean): CheckedPolicyFile {
  const notJson = /\.json$/i.test(file) ? jsonSyntaxProblem(text) : undefined;
  if (notJson) return { kind: "problems", problems: [{ file, ...notJson }] };
  const parsed = parsePolicyYaml(text);
  if (parsed.problems) return { kind: "problems", problems: parsed.problems.map((p) => ({ file, ...p })) };
  const { doc, lc, data } = parsed;
  if (isCstConfig(data)) {
    const converted = cstToPolicy(data, file, doc);
    if (converted.problems.length) return { kind: "problems", problems: converted.problems.map((p) => ({ file, ...positionOf(doc, lc, p.path, p.key), message: p.message })) };
    return { kind: "cst", policy: converted.policy };
  }
  const problems = validatePolicyData(data, doc, lc, file, rules);
  const p = data as PolicyFile;
  if (!problems.length) problems.push(...patternProblems(p, rules).map((q) => ({ file, ...positionOf(doc, lc, q.path), message: q.message })));
  if (!problems.length && harden) {
    const weak = runtimeWeakenings(p.runtime).map((w) => ({ file, ...positionOf(doc, lc, ["runtime", ...w.path]), message: weakeningMessage(w) }));
    problems.push(...weak.sort((a, b) => a.line - b.line || a.col - b.col));
  }
  if (problems.length) return { kind: "problems", problems };
  return {
    kind: "policy",
    policy: p,
    extendsAt: (i) => positionOf(doc, lc, Array.isArray(p.extends) ? ["extends", String(i)] : ["extends"]),
    lineAt: (path) => yamlLineOf(doc, lc, path),
  };
}
