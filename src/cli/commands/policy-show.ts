/**
 * `imgpolicy policy show [NAME|FILE…] [--policy P]… [--json]`: the effective policy (after
 * extends and defaults) with where each setting came from. Without a name, the policy
 * `check` would use: .imgpolicy.yaml here or above (to the repository root), else base.
 */
import { PolicyError } from "../../errors.js";
import { loadPolicies } from "../../policies/load-policy.js";
import { explainPolicy, type ExplainedPolicy, type Origin } from "../../policies/policy-explain.js";
import { formatProblem } from "../../policies/policy-types.js";
import { escapeJson } from "../../text/escape.js";
import { messageLine } from "../exit-code.js";
import type { Io } from "../main.js";
import { discoverPolicy } from "../../policies/policy-discovery.js";
import { displayPath, renderPolicy } from "../render-policy.js";

export interface PolicyShowFlags {
  policy?: string[];
  json?: boolean;
  allowExtendsOutside?: boolean;
}

/** File paths as the text shows them (relative to the working directory when below it). */
function forJson(p: ExplainedPolicy, cwd: string): unknown {
  const origin = (o: Origin): Origin => (o.kind === "file" ? { ...o, file: displayPath(o.file, cwd) } : o);
  return {
    files: p.files.map((f) => ({ ...f, file: displayPath(f.file, cwd) })),
    failOn: { ...p.failOn, from: origin(p.failOn.from) },
    rules: p.rules.map((r) => ({
      ...r,
      enabled: { ...r.enabled, from: origin(r.enabled.from) },
      severity: { ...r.severity, from: origin(r.severity.from) },
      options: r.options.map((o) => ({ ...o, from: origin(o.from) })),
    })),
    waivers: p.waivers.map((w) => (w.from ? { ...w, from: origin(w.from) } : w)),
    runtime: p.runtime.map((r) => ({ ...r, from: origin(r.from) })),
  };
}

export async function runPolicyShow(names: string[], flags: PolicyShowFlags, io: Io): Promise<number> {
  const cwd = process.cwd();
  let refs = [...(flags.policy ?? []), ...names];
  let heading = `policy: ${refs.join(" + ")}`;
  if (refs.length === 0) {
    const found = await discoverPolicy(cwd);
    refs = [found ?? "base"];
    heading = found ? `policy: ${found} (found as check would find it)` : "policy: base (no .imgpolicy.yaml here or above: check would use base)";
  }
  const { policy, errors } = await loadPolicies(refs, { allowExternalExtends: flags.allowExtendsOutside ?? false });
  if (!policy) {
    for (const e of errors.slice(0, -1)) io.stderr(`${messageLine(formatProblem(e))}\n`);
    throw new PolicyError(formatProblem(errors[errors.length - 1]!));
  }
  const explained = await explainPolicy(policy);
  io.stdout(flags.json ? `${escapeJson(JSON.stringify({ policies: refs, ...(forJson(explained, cwd) as object) }, null, 2))}\n` : renderPolicy(explained, heading, cwd));
  return 0;
}
