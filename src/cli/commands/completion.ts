/**
 * `imgpolicy completion bash|zsh`: prints a completion script for the shell: the commands,
 * their options, the shipped policy names (--policy, policy show), the rule ids (--ignore,
 * rules), formats and severities, read from the program itself (completion/spec.ts).
 */
import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { shippedPolicyNames } from "../../policies/load-policy.js";
import { RULES } from "../../policies/rules/index.js";
import { bashScript } from "../completion/bash.js";
import { completionSpec } from "../completion/spec.js";
import { zshScript } from "../completion/zsh.js";
import type { Io } from "../main.js";

export const SHELLS = ["bash", "zsh"] as const;

export async function runCompletion(shell: string, program: Command, io: Io): Promise<number> {
  if (!(SHELLS as readonly string[]).includes(shell)) throw new UsageError(`completion: unknown shell '${shell}': expected ${SHELLS.join(" or ")}`);
  const spec = completionSpec(program, { program: program.name(), policyNames: await shippedPolicyNames(), ruleIds: RULES.map((r) => r.id) });
  io.stdout(shell === "bash" ? bashScript(program.name(), spec) : zshScript(program.name(), spec));
  return 0;
}
