/**
 * `imgpolicy check --from FILE [--shard K/N]`: the release gate, run by the library's
 * check({ from }) (src/policies/check-list.ts says which policy each image gets) and
 * rendered with its summary table. One exit status: 0 every image passed, 1 a policy
 * failed, 2 an image could not be read or the file or a policy does not validate.
 */
import type { OpenOptions } from "../../inspect/resolve.js";
import type { Io } from "../main.js";
import { runCheck, type CheckFlags } from "./check.js";

/** The flags of check with --from (and --shard). */
export type CheckFromFlags = CheckFlags;

export type { GateImageReport } from "../../policies/report/gate-report.js";

export function runCheckFrom(refs: string[], flags: CheckFromFlags, io: Io, source: OpenOptions = {}): Promise<number> {
  return runCheck(refs, flags, io, source);
}
