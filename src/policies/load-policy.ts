/**
 * Loads a policy by shipped name or file: YAML or JSON, validated against the schema,
 * `extends` applied depth-first. Returns `{ policy, errors }` (errors carry
 * file:line:col) instead of throwing.
 */
import { readFile, readdir } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LineCounter, parseDocument } from "yaml";
import { causeText } from "../errors.js";
import type { PolicyFile, PolicyProblem, ResolvedPolicy, ResolvedRule, RuleEntry } from "./policy-types.js";
import { validatePolicyData } from "./policy-validator.js";
import { RULES } from "./rules/index.js";
import type { AnyRule, Severity } from "./types.js";
import { SEVERITIES } from "./types.js";
import { isCstConfig, cstToPolicy } from "./cst/convert-cst.js";
import { addCstPolicy, restrictToCstRules } from "./cst/merge-cst.js";
import { positionOf } from "./yaml-location.js";

export const DEFAULT_FAIL_ON: Severity = "high";
export const SHIPPED_DIR = fileURLToPath(new URL("../../policies/", import.meta.url));

export interface LoadOptions {
  rules?: readonly AnyRule[];
  /** Where shipped policies live (default: the package's policies/). */
  shippedDir?: string;
  /** Relative file names resolve against this directory (default: cwd). */
  cwd?: string;
}

export interface LoadResult {
  policy?: ResolvedPolicy;
  errors: PolicyProblem[];
}

export async function shippedPolicyNames(dir = SHIPPED_DIR): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith(".yaml")).map((f) => f.slice(0, -5)).sort();
  } catch {
    return [];
  }
}

const looksLikeFile = (s: string) => s.includes("/") || /\.(ya?ml|json)$/i.test(s);

function normalizeEntry(e: RuleEntry): Omit<ResolvedRule, "source"> {
  if (e === "off") return { enabled: false };
  if (e === "on") return { enabled: true };
  if (typeof e === "string") return { enabled: true, severity: e };
  const r: Omit<ResolvedRule, "source"> = { enabled: e.enabled ?? true };
  if (e.severity) r.severity = e.severity;
  if (e.options) r.options = e.options;
  return r;
}

interface Ctx {
  rules: readonly AnyRule[];
  shippedDir: string;
  errors: PolicyProblem[];
  stack: string[];
}

async function loadInto(target: ResolvedPolicy, ref: string, baseDir: string, ctx: Ctx, from?: PolicyProblem): Promise<void> {
  let file: string;
  if (looksLikeFile(ref)) file = isAbsolute(ref) ? ref : resolve(baseDir, ref);
  else {
    const names = await shippedPolicyNames(ctx.shippedDir);
    if (!names.includes(ref)) {
      const where = from ?? { file: ref, line: 0, col: 0 };
      ctx.errors.push({ ...where, message: `unknown policy '${ref}': shipped policies are ${names.join(", ")}; a file name needs a path or a .yaml/.json ending` });
      return;
    }
    file = resolve(ctx.shippedDir, `${ref}.yaml`);
  }
  if (ctx.stack.includes(file)) {
    ctx.errors.push({ ...(from ?? { file, line: 0, col: 0 }), message: `policy extends itself: ${[...ctx.stack, file].join(" → ")}` });
    return;
  }
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    ctx.errors.push({ ...(from ?? { file, line: 0, col: 0 }), message: `cannot read policy ${file}: ${causeText(err)}` });
    return;
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    for (const e of doc.errors) {
      const { line, col } = lc.linePos(e.pos[0]);
      ctx.errors.push({ file, line, col, message: `invalid YAML: ${e.message.split("\n")[0]}` });
    }
    return;
  }
  let data = doc.toJS() as unknown;
  if (data === null || data === undefined) data = {};
  if (isCstConfig(data)) {
    const converted = cstToPolicy(data, file, doc);
    if (converted.problems.length) {
      ctx.errors.push(...converted.problems.map((p) => ({ file, ...positionOf(doc, lc, p.path, p.key), message: p.message })));
      return;
    }
    addCstPolicy(target, converted.policy, file);
    target.sources.push(file);
    return;
  }
  const problems = validatePolicyData(data, doc, lc, file, ctx.rules);
  if (problems.length) {
    ctx.errors.push(...problems);
    return;
  }
  const p = data as PolicyFile;
  ctx.stack.push(file);
  const parents = p.extends === undefined ? [] : Array.isArray(p.extends) ? p.extends : [p.extends];
  for (const [i, parent] of parents.entries()) {
    const pos = lc.linePos(
      ((doc.getIn(Array.isArray(p.extends) ? ["extends", i] : ["extends"], true) as { range?: number[] } | undefined)?.range?.[0]) ?? 0,
    );
    await loadInto(target, parent, dirname(file), ctx, { file, ...pos, message: "" });
  }
  ctx.stack.pop();
  if (p.failOn) target.failOn = p.failOn;
  for (const [id, entry] of Object.entries(p.rules ?? {})) {
    const pos = lc.linePos((doc.getIn(["rules", id], true) as { range?: number[] } | undefined)?.range?.[0] ?? 0);
    const prev = target.rules[id];
    const next = normalizeEntry(entry);
    target.rules[id] = { ...prev, ...next, ...(next.options ? { options: next.options } : prev?.options ? { options: prev.options } : {}), source: `${file}:${pos.line}` };
  }
  for (const [i, w] of (p.waivers ?? []).entries()) {
    const pos = lc.linePos((doc.getIn(["waivers", i], true) as { range?: number[] } | undefined)?.range?.[0] ?? 0);
    target.waivers.push({ ...w, source: `${file}:${pos.line}` });
  }
  if (p.runtime) target.runtime = { ...(target.runtime ?? {}), ...p.runtime };
  target.sources.push(file);
}

/** Loads and merges policies in order (later ones override earlier ones). */
export async function loadPolicies(refs: readonly string[], opts: LoadOptions = {}): Promise<LoadResult> {
  const ctx: Ctx = { rules: opts.rules ?? RULES, shippedDir: opts.shippedDir ?? SHIPPED_DIR, errors: [], stack: [] };
  const policy: ResolvedPolicy = { sources: [], failOn: DEFAULT_FAIL_ON, rules: {}, waivers: [] };
  for (const ref of refs) await loadInto(policy, ref, opts.cwd ?? process.cwd(), ctx);
  // Container-structure-test configs on their own run only their tests (cst/merge-cst.ts, docs/cst-migration.md).
  restrictToCstRules(policy, ctx.rules);
  return ctx.errors.length ? { errors: ctx.errors } : { policy, errors: [] };
}

export function loadPolicy(ref: string, opts: LoadOptions = {}): Promise<LoadResult> {
  return loadPolicies([ref], opts);
}

export function isSeverity(s: string): s is Severity {
  return (SEVERITIES as readonly string[]).includes(s);
}
