/**
 * `imgpolicy policy validate FILE…`: every problem as file:line:col, exit 2 when any.
 * File names, keys and values are the user's: each line is escaped (escapeText).
 * `extends` outside a policy's directory tree needs --allow-extends-outside.
 */
import { loadPolicy } from "../../policies/load-policy.js";
import { formatProblem } from "../../policies/policy-types.js";
import { escapeText } from "../../text/escape.js";
import type { Io } from "../main.js";

export interface PolicyValidateFlags {
  allowExtendsOutside?: boolean;
}

export async function runPolicyValidate(files: string[], io: Io, flags: PolicyValidateFlags = {}): Promise<number> {
  let bad = 0;
  for (const f of files) {
    const { errors } = await loadPolicy(f, { allowExternalExtends: flags.allowExtendsOutside ?? false });
    if (errors.length === 0) io.stdout(`${escapeText(`${f}: ok`)}\n`);
    else {
      bad++;
      for (const e of errors) io.stderr(`${escapeText(formatProblem(e))}\n`);
    }
  }
  return bad ? 2 : 0;
}
