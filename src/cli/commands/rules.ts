/** `imgpolicy rules [ID]`: list the rules, or explain one. */
import { UsageError } from "../../errors.js";
import { suggest } from "../../policies/policy-validator.js";
import { RULES, RULES_BY_ID } from "../../policies/rules/index.js";
import type { Io } from "../main.js";

export function runRules(id: string | undefined, io: Io): number {
  if (!id) {
    const w = Math.max(...RULES.map((r) => r.id.length), 4);
    io.stdout(`${"ID".padEnd(w)}  SEVERITY  CATEGORY      TITLE\n`);
    for (const r of RULES) {
      io.stdout(`${r.id.padEnd(w)}  ${r.severity.padEnd(8)}  ${r.category.padEnd(12)}  ${r.title}${r.optIn ? " (opt-in)" : ""}\n`);
    }
    return 0;
  }
  const r = RULES_BY_ID.get(id.toUpperCase());
  if (!r) throw new UsageError(`unknown rule '${id}'${suggest(id, RULES.map((x) => x.id))}; 'imgpolicy rules' lists them`);
  const opts = JSON.stringify(r.defaultOptions, null, 2);
  io.stdout(
    [
      `${r.id}  ${r.title}`,
      `severity: ${r.severity}    category: ${r.category}${r.cis ? `    CIS Docker Benchmark ${r.cis}` : ""}${r.optIn ? "    opt-in (enable it in a policy)" : ""}`,
      "",
      `What it checks: ${r.description}`,
      "",
      `Why: ${r.rationale}`,
      "",
      `How to fix: ${r.remediation}`,
      "",
      `Options (defaults): ${opts === "{}" ? "none" : opts}`,
      "",
    ].join("\n"),
  );
  return 0;
}
