/** `imgpolicy policy validate FILE…`: every problem as file:line:col, exit 2 when any. */
import { loadPolicy } from "../../policies/load-policy.js";
import { formatProblem } from "../../policies/policy-types.js";
import type { Io } from "../main.js";

export async function runPolicyValidate(files: string[], io: Io): Promise<number> {
  let bad = 0;
  for (const f of files) {
    const { errors } = await loadPolicy(f);
    if (errors.length === 0) io.stdout(`${f}: ok\n`);
    else {
      bad++;
      for (const e of errors) io.stderr(`${formatProblem(e)}\n`);
    }
  }
  return bad ? 2 : 0;
}
