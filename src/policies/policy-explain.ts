/**
 * The effective policy with where each setting came from (`imgpolicy policy show`): the
 * values are the resolved policy's (what check() runs); the origins come from reading
 * its source files again, in the order they were merged, and noting which file set what
 * last, at which line. A setting no file set is "default" (the rule's own severity and
 * options, on unless opt-in, failOn high, the hardened runtime profile).
 *
 * Files are read as the loader reads them (policy-reader.ts, policy-yaml.ts: bounded).
 */
import { realpath } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { isCstConfig } from "./cst/convert-cst.js";
import { DEFAULT_FAIL_ON, SHIPPED_DIR } from "./load-policy.js";
import type { PolicyFile, ResolvedPolicy, RuleEntry } from "./policy-types.js";
import { readPolicyFile } from "./policy-reader.js";
import { parsePolicyYaml } from "./policy-yaml.js";
import type { Waiver } from "./report-types.js";
import { RULES } from "./rules/index.js";
import { resolveRuntimeSpec } from "./runtime-spec.js";
import type { AnyRule, RuleCategory, Severity } from "./types.js";
import { shownRuntimeSetting, redactSecrets } from "./policy-redact.js";
import { positionOf } from "./yaml-location.js";

/** Where a setting came from: a line of a policy file (a shipped one named), or the default. */
export type Origin = { kind: "default"; note?: string } | { kind: "file"; file: string; line: number; shipped?: string; cst?: boolean };

export interface Setting<T = unknown> {
  value: T;
  from: Origin;
}

export interface ExplainedRule {
  id: string;
  title: string;
  category: RuleCategory;
  enabled: Setting<boolean>;
  severity: Setting<Severity>;
  /** Every option the rule gets (the defaults with the policy's over them), by name; credential-shaped strings hidden. */
  options: (Setting & { name: string })[];
}

export interface ExplainedPolicy {
  /** The files merged, in order (later ones win). */
  files: { file: string; shipped?: string; cst?: boolean }[];
  failOn: Setting<Severity>;
  rules: ExplainedRule[];
  waivers: (Waiver & { from?: Origin })[];
  /**
   * The runtime profile with its defaults (`check --runtime`), by name; `stop` by its parts.
   * For display: `env` values are hidden, as is any credential-shaped string (policy-redact.ts).
   */
  runtime: (Setting & { name: string })[];
}

export interface ExplainOptions {
  rules?: readonly AnyRule[];
  shippedDir?: string;
}

const DEFAULT: Origin = { kind: "default" };

/** What the files said, setting by setting: the last file to set each wins, as in the merge. */
interface Seen {
  failOn?: Origin;
  enabled: Map<string, Origin>;
  severity: Map<string, Origin>;
  options: Map<string, Origin>;
  runtime: Map<string, Origin>;
}

function entrySets(e: RuleEntry): { severity: boolean; options: boolean } {
  if (typeof e === "string") return { severity: e !== "off" && e !== "on", options: false };
  return { severity: e.severity !== undefined, options: e.options !== undefined };
}

async function shippedName(file: string, shippedReal: string): Promise<string | undefined> {
  const dir = await realpath(dirname(file)).catch(() => dirname(file));
  return dir === shippedReal && file.endsWith(".yaml") ? basename(file, ".yaml") : undefined;
}

/** Reads one merged file again and notes what it set. */
async function replay(file: string, origin: (line: number) => Origin, seen: Seen): Promise<boolean> {
  const parsed = parsePolicyYaml(await readPolicyFile(file));
  if (parsed.problems) return false;
  const { doc, lc, data } = parsed;
  if (isCstConfig(data)) return true;
  const at = (segments: string[], key: string) => origin(positionOf(doc, lc, segments, key).line);
  const p = data as PolicyFile;
  if (p.failOn) seen.failOn = at([], "failOn");
  for (const [id, entry] of Object.entries(p.rules ?? {})) {
    const o = at(["rules"], id);
    const sets = entrySets(entry);
    seen.enabled.set(id, o);
    if (sets.severity) seen.severity.set(id, o);
    if (sets.options) seen.options.set(id, at(["rules", id], "options"));
  }
  for (const [key, value] of Object.entries(p.runtime ?? {})) {
    if (key === "stop" && value && typeof value === "object") {
      // a later `stop` replaces an earlier one whole (the merge is by top-level key)
      for (const k of [...seen.runtime.keys()]) if (k.startsWith("stop.")) seen.runtime.delete(k);
      for (const sub of Object.keys(value)) seen.runtime.set(`stop.${sub}`, at(["runtime", "stop"], sub));
    } else seen.runtime.set(key, at(["runtime"], key));
  }
  return false;
}

/** "file:line" (a waiver's or rule's `source`) as an origin. */
function parseSource(source: string | undefined, shipped: Map<string, string | undefined>): Origin | undefined {
  const m = source === undefined ? null : /^(.*):(\d+)$/.exec(source);
  if (!m) return undefined;
  const name = shipped.get(m[1]!);
  return { kind: "file", file: m[1]!, line: Number(m[2]), ...(name ? { shipped: name } : {}) };
}

export async function explainPolicy(policy: ResolvedPolicy, opts: ExplainOptions = {}): Promise<ExplainedPolicy> {
  const shippedReal = await realpath(opts.shippedDir ?? SHIPPED_DIR).catch(() => opts.shippedDir ?? SHIPPED_DIR);
  const seen: Seen = { enabled: new Map(), severity: new Map(), options: new Map(), runtime: new Map() };
  const files: ExplainedPolicy["files"] = [];
  const shipped = new Map<string, string | undefined>();
  for (const file of policy.sources) {
    const name = await shippedName(file, shippedReal);
    shipped.set(file, name);
    const origin = (line: number): Origin => ({ kind: "file", file, line, ...(name ? { shipped: name } : {}) });
    const cst = await replay(file, origin, seen);
    files.push({ file, ...(name ? { shipped: name } : {}), ...(cst ? { cst: true } : {}) });
  }
  // a container-structure-test config sets rules without lines of its own: its rules' `source`
  const fromRule = (id: string): Origin => {
    const src = policy.rules[id]?.source;
    const cstFile = files.find((f) => f.cst && src?.startsWith(f.file));
    return cstFile ? { kind: "file", file: cstFile.file, line: 1, cst: true } : (parseSource(src, shipped) ?? { kind: "default", note: src ?? "set by the policy" });
  };

  const rules = (opts.rules ?? RULES).map((r): ExplainedRule => {
    const set = policy.rules[r.id];
    const enabled = set?.enabled ?? !r.optIn;
    const own = set?.options ?? {};
    const options = Object.entries({ ...(r.defaultOptions as Record<string, unknown>), ...own }).map(([name, value]) => ({
      name,
      value: redactSecrets(value),
      from: name in own ? (seen.options.get(r.id) ?? fromRule(r.id)) : DEFAULT,
    }));
    return {
      id: r.id,
      title: r.title,
      category: r.category,
      enabled: { value: enabled, from: set ? (seen.enabled.get(r.id) ?? fromRule(r.id)) : r.optIn ? { kind: "default", note: "opt-in: off unless a policy turns it on" } : DEFAULT },
      severity: { value: set?.severity ?? r.severity, from: set?.severity ? (seen.severity.get(r.id) ?? fromRule(r.id)) : DEFAULT },
      options,
    };
  });

  const spec = resolveRuntimeSpec(policy.runtime) as unknown as Record<string, unknown>;
  const runtime: ExplainedPolicy["runtime"] = [];
  for (const [name, value] of Object.entries(spec)) {
    if (name === "stop" && value && typeof value === "object") {
      for (const [sub, v] of Object.entries(value)) runtime.push({ name: `stop.${sub}`, value: shownRuntimeSetting(`stop.${sub}`, v), from: seen.runtime.get(`stop.${sub}`) ?? DEFAULT });
    } else runtime.push({ name, value: shownRuntimeSetting(name, value), from: seen.runtime.get(name) ?? DEFAULT });
  }

  return {
    files,
    failOn: { value: policy.failOn, from: seen.failOn ?? (policy.failOn === DEFAULT_FAIL_ON ? DEFAULT : { kind: "default", note: "set by the caller" }) },
    rules,
    waivers: policy.waivers.map((w) => {
      const from = parseSource(w.source, shipped);
      return from ? { ...w, from } : { ...w };
    }),
    runtime,
  };
}
