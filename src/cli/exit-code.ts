/** The only place errors become exit codes and one-line messages. */
import { CommanderError } from "commander";
import { errorChain, ImgpolicyError } from "../errors.js";
import { escapeLines, escapeText } from "../text/escape.js";

export const EXIT_OK = 0;
export const EXIT_POLICY_FAILED = 1;
export const EXIT_USAGE = 2;

export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  return EXIT_USAGE;
}

/**
 * "imgpolicy: <message>" for stderr, the message escaped (escapeText): messages quote
 * tags, references, registry answers and file contents, which can hold any character.
 * This is the final print, so a message that holds text a reporter escaped is unchanged.
 */
export function messageLine(message: string): string {
  return `imgpolicy: ${escapeText(message)}`;
}

/**
 * Commander's own error output, for `configureOutput({ outputError })`: "error: unknown
 * option '--x'\n(Did you mean --y?)\n" as "imgpolicy: unknown option '--x'" escaped, then
 * the suggestion line (names of our own options and commands) as commander wrote it.
 */
export function commanderErrorText(s: string): string {
  const m = /^(?:error: )?([\s\S]*?)(\n\(Did you mean [^\n]*\?\))?\n?$/.exec(s)!;
  return `${messageLine(m[1]!)}${m[2] ?? ""}\n`;
}

/** Each error of the chain: its "Name: message" on one line, then its stack frames. */
function debugChain(err: Error): string {
  return errorChain(err)
    .map((l, n) => `${n === 0 ? "" : "caused by: "}${escapeText(l.head)}${escapeLines(l.frames)}`)
    .join("\n");
}

/** The line printed for an error: "imgpolicy: <message>", or the chain of causes with --debug. */
export function errorLine(err: unknown, debug: boolean): string {
  if (debug && err instanceof Error) return `imgpolicy: ${err instanceof ImgpolicyError ? "" : "internal error: "}${debugChain(err)}`;
  if (err instanceof ImgpolicyError) return messageLine(err.message);
  if (err instanceof Error) return messageLine(`internal error: ${err.message} (run with --debug for details)`);
  return messageLine(String(err));
}
