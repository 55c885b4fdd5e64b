/**
 * The one reader of policy files. Policies are hostile input (a `.imgpolicy.yaml` in a
 * checkout is used without being named), so a read goes through files/regular-file.ts:
 * a regular file only, opened without blocking, at most MAX_POLICY_BYTES. Errors say
 * what the file is, never what it holds.
 */
import { FileReadError, readRegularFile } from "../files/regular-file.js";
import { PolicyError } from "../errors.js";

export const MAX_POLICY_BYTES = 1024 * 1024;

/** A policy file that could not be read; the message starts "cannot read FILE: ". */
export class PolicyReadError extends PolicyError {}

/** The file's text (UTF-8). Throws PolicyReadError: "cannot read FILE: why". */
export async function readPolicyFile(file: string, display = file): Promise<string> {
  try {
    return (await readRegularFile(file, MAX_POLICY_BYTES, "policy files")).toString("utf8");
  } catch (err) {
    if (err instanceof FileReadError) throw new PolicyReadError(`cannot read ${display}: ${err.reason}`, { cause: err });
    throw err;
  }
}
