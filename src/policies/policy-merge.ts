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
function lineOf(doc: Document, lc: LineCounter, path: (string | number)[]): number {
  return lc.linePos((doc.getIn(path, true) as { range?: number[] } | undefined)?.range?.[0] ?? 0).line;
}

export function mergePolicyFile(target: ResolvedPolicy, p: PolicyFile, file: string, doc: Document, lc: LineCounter): void {
  if (p.failOn) target.failOn = p.failOn;
  for (const [id, entry] of Object.entries(p.rules ?? {})) {
    const prev = target.rules[id];
    const next = normalizeEntry(entry);
    const options = next.options ? { options: next.options } : prev?.options ? { options: prev.options } : {};
    target.rules[id] = { ...prev, ...next, ...options, source: `${file}:${lineOf(doc, lc, ["rules", id])}` };
  }
  for (const [i, w] of (p.waivers ?? []).entries()) target.waivers.push({ ...w, source: `${file}:${lineOf(doc, lc, ["waivers", i])}` });
  if (p.runtime) target.runtime = { ...(target.runtime ?? {}), ...p.runtime };
  target.sources.push(file);
}
