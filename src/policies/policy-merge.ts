/** How one validated policy file's own entries join the policy being resolved (after its extends). */
import type { Document, LineCounter } from "yaml";
import type { PolicyFile, ResolvedPolicy, ResolvedRule, RuleEntry } from "./policy-types.js";

function normalizeEntry(e: RuleEntry): Omit<ResolvedRule, "source"> {
  if (e === "off") return { enabled: false };
  if (e === "on") return { enabled: true };
  if (typeof e === "string") return { enabled: true, severity: e };
  const r: Omit<ResolvedRule, "source"> = { enabled: e.enabled ?? true };
  if (e.severity) r.severity = e.severity;
  if (e.options) r.options = e.options;
  return r;
}

/** The line of the node at `path`, for `source: file:line`. */
export function yamlLineOf(doc: Document, lc: LineCounter, path: (string | number)[]): number {
  return lc.linePos((doc.getIn(path, true) as { range?: number[] } | undefined)?.range?.[0] ?? 0).line;
}

/** `lineAt(path)`: the line of the node at `path` in the file (yamlLineOf, or as recorded at build time). */
export function mergePolicyFile(target: ResolvedPolicy, p: PolicyFile, file: string, lineAt: (path: (string | number)[]) => number): void {
  if (p.failOn) target.failOn = p.failOn;
  for (const [id, entry] of Object.entries(p.rules ?? {})) {
    const prev = target.rules[id];
    const next = normalizeEntry(entry);
    const options = next.options ? { options: next.options } : prev?.options ? { options: prev.options } : {};
    target.rules[id] = { ...prev, ...next, ...options, source: `${file}:${lineAt(["rules", id])}` };
  }
  for (const [i, w] of (p.waivers ?? []).entries()) target.waivers.push({ ...w, source: `${file}:${lineAt(["waivers", i])}` });
  if (p.runtime) target.runtime = { ...(target.runtime ?? {}), ...p.runtime };
  target.sources.push(file);
}
