/**
 * How a converted container-structure-test config joins a resolved policy.
 *
 * Decision: a policy built only from CST configs runs only the converted tests. A team
 * moving over expects the report to hold exactly their tests, not their tests plus every
 * default rule; so every other rule gets an `enabled: false` entry. As soon as any
 * imgpolicy policy takes part (`--policy base --policy cst.yaml`, in either order, or a
 * policy file that `extends` the CST file), nothing is turned off: the CST assertions are
 * added to what that policy runs. docs/cst-migration.md says the same for users.
 */
import type { ResolvedPolicy } from "../policy-types.js";
import type { AnyRule } from "../types.js";
import type { CstPolicy } from "./convert-cst.js";

/** The CST files merged into each policy being loaded. */
const cstSources = new WeakMap<ResolvedPolicy, Set<string>>();

/** Lists concatenate (assertions from several configs add up); anything else is replaced. */
function mergeOptions(prev: Record<string, unknown> | undefined, next: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!prev) return next;
  if (!next) return prev;
  const out = { ...prev };
  for (const [k, v] of Object.entries(next)) out[k] = Array.isArray(v) && Array.isArray(prev[k]) ? [...(prev[k] as unknown[]), ...v] : v;
  return out;
}

/** Adds a converted config's entries to the policy being loaded from `file`. */
export function addCstPolicy(target: ResolvedPolicy, converted: CstPolicy, file: string): void {
  for (const [id, entry] of Object.entries(converted.rules)) {
    const prev = target.rules[id];
    const options = mergeOptions(prev?.options, entry.options);
    target.rules[id] = { ...prev, ...entry, ...(options ? { options } : {}) };
  }
  target.cst = { commandTests: [...(target.cst?.commandTests ?? []), ...converted.cst.commandTests] };
  const files = cstSources.get(target) ?? new Set<string>();
  files.add(file);
  cstSources.set(target, files);
}

/** When every source of the policy is a CST config, turns off every rule the configs did not enable. */
export function restrictToCstRules(policy: ResolvedPolicy, rules: readonly AnyRule[]): void {
  const files = cstSources.get(policy);
  if (!files || !policy.sources.every((s) => files.has(s))) return;
  const from = [...files].join(", ");
  for (const r of rules) {
    if (!policy.rules[r.id]) policy.rules[r.id] = { enabled: false, source: `${from} (a container-structure-test config alone runs only its own tests)` };
  }
}
