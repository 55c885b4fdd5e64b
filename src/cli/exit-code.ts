/** The only place errors become exit codes and one-line messages. */
import { CommanderError } from "commander";
import { describeError, ImgpolicyError } from "../errors.js";

export const EXIT_OK = 0;
export const EXIT_POLICY_FAILED = 1;
export const EXIT_USAGE = 2;

export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  return EXIT_USAGE;
}

/** The line printed for an error: "imgpolicy: <message>", or the chain of causes with --debug. */
export function errorLine(err: unknown, debug: boolean): string {
  if (err instanceof ImgpolicyError) return `imgpolicy: ${describeError(err, debug)}`;
  if (err instanceof Error) {
    return debug ? `imgpolicy: internal error: ${describeError(err, true)}` : `imgpolicy: internal error: ${err.message} (run with --debug for details)`;
  }
  return `imgpolicy: ${String(err)}`;
}
