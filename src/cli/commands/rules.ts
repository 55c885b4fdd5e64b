/** `imgpolicy rules [ID] [--format text|json]`: list the rules, or explain one; as text or as JSON (rule-catalog.ts). */
import { UsageError } from "../../errors.js";
import { suggest } from "../../policies/policy-validator.js";
import { ruleCatalog, ruleInfo, ruleNeeds, takesOptions } from "../../policies/rule-catalog.js";
import { RULES, RULES_BY_ID } from "../../policies/rules/index.js";
import type { AnyRule } from "../../policies/types.js";
import { escapeJson, escapeLines, escapeText } from "../../text/escape.js";
import type { Io } from "../main.js";

export interface RulesFlags {
  /** text (default) or json. */
  format?: string;
}

const json = (v: unknown) => `${escapeJson(JSON.stringify(v, null, 2))}\n`;

function listText(io: Io): void {
  const w = Math.max(...RULES.map((r) => r.id.length), 4);
  io.stdout(`${"ID".padEnd(w)}  SEVERITY  CATEGORY      TITLE\n`);
  for (const r of RULES) {
    io.stdout(`${escapeText(`${r.id.padEnd(w)}  ${r.severity.padEnd(8)}  ${r.category.padEnd(12)}  ${r.title}${r.optIn ? " (opt-in)" : ""}`)}\n`);
  }
}

/** "none", the defaults as JSON, or the option names when none has a default. */
function optionsText(r: AnyRule): string {
  if (!takesOptions(r.optionsSchema)) return "none";
  const defaults = JSON.stringify(r.defaultOptions, null, 2);
  if (defaults !== "{}") return `(defaults) ${defaults}`;
  return `${Object.keys(r.optionsSchema.properties as object).join(", ")} (none set by default)`;
}

function explainText(r: AnyRule, io: Io): void {
  io.stdout(
    escapeLines([
      `${r.id}  ${r.title}`,
      `severity: ${r.severity}    category: ${r.category}${r.cis ? `    CIS Docker Benchmark ${r.cis}` : ""}${r.optIn ? "    opt-in (enable it in a policy)" : ""}`,
      "",
      `What it checks: ${r.description}`,
      "",
      `Needs: ${ruleNeeds(r).how}`,
      "",
      `Why: ${r.rationale}`,
      "",
      `How to fix: ${r.remediation}`,
      "",
      `Options: ${optionsText(r)}`,
      "",
    ].join("\n")),
  );
}

export function runRules(id: string | undefined, io: Io, flags: RulesFlags = {}): number {
  const format = flags.format ?? "text";
  if (format !== "text" && format !== "json") throw new UsageError(`--format: expected text or json, found '${format}'`);
  if (!id) {
    if (format === "json") io.stdout(json(ruleCatalog(RULES)));
    else listText(io);
    return 0;
  }
  const r = RULES_BY_ID.get(id.toUpperCase());
  if (!r) throw new UsageError(`unknown rule '${id}'${suggest(id, RULES.map((x) => x.id))}; 'imgpolicy rules' lists them`);
  if (format === "json") io.stdout(json(ruleInfo(r)));
  else explainText(r, io);
  return 0;
}
