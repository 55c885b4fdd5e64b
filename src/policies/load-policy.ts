/**
 * Loads a policy by shipped name or file: YAML or JSON (a `.json` file is held to JSON's
 * grammar, policy-json.ts), validated against the schema (a shipped policy once, at build
 * time: shipped-trust.ts; the parser and validator then load only for other files),
 * `extends` applied depth-first. Returns `{ policy, errors }` (errors carry
 * file:line:col) instead of throwing.
 *
 * Policies are hostile input (a `.imgpolicy.yaml` in a checkout is used unnamed):
 * files are read through policy-reader.ts (regular files, 1 MiB), parsed through
 * policy-yaml.ts (depth, aliases, size bounded), and an `extends` may name a file only
 * inside the directory tree of the policy it was given as (symlinks resolved), unless
 * `allowExternalExtends`; at most MAX_EXTENDS_DEPTH deep and MAX_POLICY_FILES reads in
 * all, cycles refused. With `hardenOnly` (a policy found, not named), its runtime section
 * and those of the files it extends, shipped policies aside, may only harden the sandbox
 * the image runs in (runtime-weakening.ts). Messages
 * name files and positions, never what a file holds beyond a wrong key (escaped, cut).
 */
import { readdir, realpath } from "node:fs/promises";
import { dirname, isAbsolute, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { causeText } from "../errors.js";
import type { PolicyFile, PolicyProblem, ResolvedPolicy } from "./policy-types.js";
import { shownText } from "./policy-types.js";
import { mergePolicyFile } from "./policy-merge.js";
import { PolicyReadError, readPolicyFile } from "./policy-reader.js";
import { suggest } from "./suggest.js";
import { RULES } from "./rules/index.js";
import type { AnyRule, Severity } from "./types.js";
import { SEVERITIES } from "./types.js";
import { addCstPolicy, restrictToCstRules } from "./cst/merge-cst.js";
import { builtManifest, lineKey, trustedPolicy, type Position, type TrustManifest } from "./shipped-trust.js";

export const DEFAULT_FAIL_ON: Severity = "high";
export const SHIPPED_DIR = fileURLToPath(new URL("../../policies/", import.meta.url));
/** How many files deep `extends` may go. */
export const MAX_EXTENDS_DEPTH = 16;
/** How many policy files one load may read in all (`extends: [a, a, a…]` at every level fans out). */
export const MAX_POLICY_FILES = 100;

export interface LoadOptions {
  rules?: readonly AnyRule[];
  /** Where shipped policies live (default: the package's policies/). */
  shippedDir?: string;
  /** Relative file names resolve against this directory (default: cwd). */
  cwd?: string;
  /**
   * Let `extends` name files outside the directory tree of the policy given (CLI:
   * --allow-extends-outside). Off by default: a policy found in a checkout must not
   * be able to read other files. Shipped policy names are always allowed.
   */
  allowExternalExtends?: boolean;
  /**
   * The policies were found, not named (a checkout's .imgpolicy.yaml): as untrusted as
   * the checkout. Their runtime sections, and those of every file they extend but the
   * shipped policies, may not weaken the sandbox the image runs in (a writable root,
   * capabilities, root, no-new-privileges off): each such setting is a problem at its
   * file:line:col. CLI: on when a policy is discovered and the image is to be run,
   * unless --trust-policy. Off by default: a policy the caller names is the caller's.
   */
  hardenOnly?: boolean;
  /**
   * The shipped policies validated at build time (shipped-trust.ts): a shipped file whose
   * text is in it loads without parsing or validating. Default: the manifest `npm run build`
   * wrote; null: parse and validate every file.
   */
  trust?: TrustManifest | null;
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

interface Ctx {
  rules: readonly AnyRule[];
  shippedDir: string;
  allowExternal: boolean;
  hardenOnly: boolean;
  trust: TrustManifest | null;
  errors: PolicyProblem[];
  /** Real paths of the files being loaded, outermost first (cycle detection). */
  stack: string[];
  /** Files read so far; past MAX_POLICY_FILES the load stops, with one error. */
  reads: number;
}

/** Where an `extends` entry is: the position its problems are reported at. */
interface From {
  file: string;
  line: number;
  col: number;
  /** The real directory whose tree the extending policy may read. */
  root: string;
}

const inside = (path: string, root: string) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/** The file a reference names, with the tree it may extend from; undefined after reporting a problem. */
async function locate(ref: string, baseDir: string, ctx: Ctx, from?: From): Promise<{ file: string; real: string; root: string; shipped?: boolean } | undefined> {
  const problem = (message: string) => {
    ctx.errors.push(from ? { file: from.file, line: from.line, col: from.col, message } : { file: ref, line: 0, col: 0, message });
    return undefined;
  };
  if (!looksLikeFile(ref)) {
    const names = await shippedPolicyNames(ctx.shippedDir);
    if (!names.includes(ref)) return problem(`unknown policy ${shownText(ref)}${ref.length <= 64 ? suggest(ref, names) : ""}: shipped policies are ${names.join(", ")}; a file name needs a path or a .yaml/.json ending`);
    const file = resolve(ctx.shippedDir, `${ref}.yaml`);
    const real = await realpath(file).catch(() => file);
    return { file, real, root: await realpath(ctx.shippedDir).catch(() => ctx.shippedDir), shipped: true };
  }
  const file = isAbsolute(ref) ? ref : resolve(baseDir, ref);
  let real: string;
  try {
    real = await realpath(file);
  } catch (err) {
    return problem(`cannot read ${shownText(file, 200, false)}: ${causeText(err)}`);
  }
  // the tree is where the policy was given (or found), its own symlink resolved or not
  if (!from) return { file, real, root: await realpath(dirname(file)) };
  if (!ctx.allowExternal && !inside(real, from.root)) {
    return problem(
      `extends ${shownText(ref)}, which is outside ${shownText(from.root, 200, false)}, the directory of the policy given: a policy may extend files in its own tree only, unless allowed with --allow-extends-outside`,
    );
  }
  return { file, real, root: from.root };
}

async function loadInto(target: ResolvedPolicy, ref: string, baseDir: string, ctx: Ctx, from?: From): Promise<void> {
  const at = (message: string): PolicyProblem => (from ? { file: from.file, line: from.line, col: from.col, message } : { file: ref, line: 0, col: 0, message });
  if (ctx.reads > MAX_POLICY_FILES) return;
  if (ctx.stack.length > MAX_EXTENDS_DEPTH) {
    ctx.errors.push(at(`extends goes deeper than ${MAX_EXTENDS_DEPTH} files`));
    return;
  }
  const found = await locate(ref, baseDir, ctx, from);
  if (!found) return;
  const { file, real, root, shipped } = found;
  if (ctx.stack.includes(real)) {
    ctx.errors.push(at(`policy extends itself: ${[...ctx.stack, real].map((f) => shownText(f, 200, false)).join(" → ")}`));
    return;
  }
  if (++ctx.reads > MAX_POLICY_FILES) {
    ctx.errors.push(at(`extends reads more than ${MAX_POLICY_FILES} policy files in all`));
    return;
  }
  let text: string;
  try {
    text = await readPolicyFile(real, shownText(file, 200, false));
  } catch (err) {
    ctx.errors.push(at(err instanceof PolicyReadError ? err.message : `cannot read ${shownText(file, 200, false)}: ${causeText(err)}`));
    return;
  }
  const trusted = shipped ? trustedPolicy(ctx.trust, text, ctx.rules) : undefined;
  if (trusted) {
    ctx.stack.push(real);
    await applyPolicy(target, trusted.data, file, root, ctx, (i) => trusted.extends[i] ?? { line: 0, col: 0 }, (path) => trusted.lines[lineKey(path)] ?? 0);
    ctx.stack.pop();
    return;
  }
  const { checkPolicyText } = await import("./policy-file-check.js");
  const checked = checkPolicyText(text, file, ctx.rules, ctx.hardenOnly && !shipped);
  if (checked.kind === "problems") {
    ctx.errors.push(...checked.problems);
    return;
  }
  if (checked.kind === "cst") {
    addCstPolicy(target, checked.policy, file);
    target.sources.push(file);
    return;
  }
  ctx.stack.push(real);
  await applyPolicy(target, checked.policy, file, root, ctx, checked.extendsAt, checked.lineAt);
  ctx.stack.pop();
}

/** A valid policy file's `extends`, loaded depth-first, then its own entries merged (the caller pushed it on ctx.stack). */
async function applyPolicy(
  target: ResolvedPolicy,
  p: PolicyFile,
  file: string,
  root: string,
  ctx: Ctx,
  extendsAt: (i: number) => Position,
  lineAt: (path: (string | number)[]) => number,
): Promise<void> {
  const parents = p.extends === undefined ? [] : Array.isArray(p.extends) ? p.extends : [p.extends];
  for (const [i, parent] of parents.entries()) {
    if (ctx.reads > MAX_POLICY_FILES) break;
    await loadInto(target, parent, dirname(file), ctx, { file, ...extendsAt(i), root });
  }
  mergePolicyFile(target, p, file, lineAt);
}

/** Loads and merges policies in order (later ones override earlier ones). */
export async function loadPolicies(refs: readonly string[], opts: LoadOptions = {}): Promise<LoadResult> {
  const ctx: Ctx = { rules: opts.rules ?? RULES, shippedDir: opts.shippedDir ?? SHIPPED_DIR, allowExternal: opts.allowExternalExtends ?? false, hardenOnly: opts.hardenOnly ?? false, trust: opts.trust === undefined ? builtManifest() : opts.trust, errors: [], stack: [], reads: 0 };
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
