/**
 * The one place a pattern written in a policy becomes something that matches. Policies
 * are hostile input (a `.imgpolicy.yaml` in a checkout is picked up on its own), and a
 * backtracking engine spins for hours on `^([0-9]+\.?)+$` against "1111…1!". So user
 * patterns run on re2js, a pure-JavaScript port of RE2: matching takes time linear in
 * the input, whatever the pattern.
 *
 * The accepted syntax is RE2's (Go's `regexp`, which container-structure-test uses):
 * no backreferences, no lookahead or lookbehind; flags inline, anywhere: `(?i)`, `(?m)`,
 * `(?s)`, `(?U)`. On top of that: a pattern is at most MAX_PATTERN_LENGTH characters,
 * compiles to at most MAX_PROGRAM_SIZE instructions (repeats count: `a{1000}` is 1000),
 * and is matched against at most MAX_MATCH_INPUT characters.
 */
import { createRequire } from "node:module";
import type { RE2JS } from "re2js";
import { PolicyError } from "../errors.js";
import { redactTokens } from "../inspect/parsers/redact-text.js";
import { escapeText } from "./escape.js";

export const MAX_PATTERN_LENGTH = 1000;
export const MAX_PROGRAM_SIZE = 2000;
export const MAX_MATCH_INPUT = 1 << 20;
/** How much of a pattern a message quotes. */
const SHOWN = 80;

/** A pattern that is not accepted (syntax, size), or an input too long to match against. */
export class UserPatternError extends PolicyError {}

/** A compiled user pattern: unanchored search, like RegExp.prototype.test. */
export interface UserRegex {
  readonly source: string;
  test(input: string): boolean;
  /** Where it matches, leftmost first, without overlaps: [start, end) in UTF-16 units; empty matches are left out. */
  matches(input: string): [start: number, end: number][];
}

/**
 * The pattern as messages show it: a token in a known format written literally in it
 * redacted (redact-text.ts: `/(ghp_…/`), escaped, and cut at 80 characters.
 */
export function showPattern(pattern: string): string {
  const shown = redactTokens(pattern);
  const cut = shown.length > SHOWN ? `${shown.slice(0, SHOWN)}…` : shown;
  return `/${escapeText(cut)}/`;
}

/** RE2's reason, without its "error parsing regexp: " prefix (its quote of the pattern has its tokens redacted, and is escaped). */
function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return escapeText(redactTokens(text.replace(/^error parsing regexp: /, ""))).slice(0, 200);
}

/**
 * re2js, loaded on the first pattern compiled: most checks compile none, and loading it
 * (250 KB, Unicode tables built at load) is a tenth of a small image's check.
 */
let engine: typeof RE2JS | undefined;
function re2(): typeof RE2JS {
  return (engine ??= (createRequire(import.meta.url)("re2js") as typeof import("re2js")).RE2JS);
}

function compile(pattern: string): RE2JS {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new UserPatternError(`${showPattern(pattern)} is ${pattern.length} characters long; patterns are at most ${MAX_PATTERN_LENGTH}`);
  }
  let re: RE2JS;
  try {
    re = re2().compile(pattern);
  } catch (err) {
    throw new UserPatternError(`${showPattern(pattern)} is not a regular expression imgpolicy accepts (RE2 syntax: no backreferences or lookarounds): ${reason(err)}`, { cause: err });
  }
  const size = re.programSize();
  if (size > MAX_PROGRAM_SIZE) {
    throw new UserPatternError(`${showPattern(pattern)} is too large once compiled (${size} instructions, at most ${MAX_PROGRAM_SIZE}): use fewer or smaller repeat counts`);
  }
  return re;
}

/** Compiles a pattern from a policy; throws UserPatternError when it is not accepted. */
export function compileUserRegex(pattern: string): UserRegex {
  const re = compile(pattern);
  const bound = (input: string) => {
    if (input.length > MAX_MATCH_INPUT) {
      throw new UserPatternError(`the text to match against ${showPattern(pattern)} is ${input.length} characters long; at most ${MAX_MATCH_INPUT} are matched`);
    }
  };
  return {
    source: pattern,
    test(input: string): boolean {
      bound(input);
      return re.test(input);
    },
    matches(input: string): [number, number][] {
      bound(input);
      const out: [number, number][] = [];
      const m = re.matcher(input);
      while (m.find()) if (m.end() > m.start()) out.push([m.start(), m.end()]);
      return out;
    },
  };
}

/** Why a pattern is not accepted, or undefined when it is (for load-time checks). */
export function userRegexProblem(pattern: string): string | undefined {
  try {
    compile(pattern);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
