/**
 * Globs written in a policy (waiver `path` and `image`, the rules' `allow` lists),
 * translated to RE2 syntax and matched through user-regex.ts, so that no glob can make
 * matching slow (picomatch builds backtracking RegExps: `*a*a*a*a*a*a*a*b` against a
 * long path takes minutes there).
 *
 * The accepted syntax, matched against the whole text, dot files included:
 * - `*` any characters but "/" (one or more when it is a whole segment, as in `/usr/bin/*`);
 * - `**` as a whole segment: any number of directories (`/opt/**`, `**\/*.pem`, `/a/**\/b`);
 * - `?` one character but "/"; `[abc]`, `[a-z]`, `[!abc]` (or `[^abc]`) as in a shell;
 * - `{a,b,c}` alternatives, which may hold globs and nest;
 * - `\x` the character x; a leading `!` negates the whole glob.
 * Extglobs (`@(…)`, `!(…)`, `+(…)`, `*(…)`, `?(…)`) are refused, not taken literally.
 */
import { compileUserRegex, MAX_PATTERN_LENGTH, UserPatternError, type UserRegex } from "../text/user-regex.js";
import { escapeText } from "../text/escape.js";

export type GlobMatcher = (text: string) => boolean;

const SPECIAL = /[\\.+*?()|[\]{}^$]/;
const literal = (c: string): string => (SPECIAL.test(c) ? `\\${c}` : c);

const show = (glob: string): string => JSON.stringify(escapeText(glob.length > 80 ? `${glob.slice(0, 80)}…` : glob));

function refuse(glob: string, why: string): never {
  throw new UserPatternError(`glob ${show(glob)} is not accepted: ${why}`);
}

/** The index of the "]" closing a class opened at `open`, or -1. */
function classEnd(s: string, open: number): number {
  let i = open + 1;
  if (s[i] === "!" || s[i] === "^") i++;
  if (s[i] === "]") i++;
  for (; i < s.length; i++) {
    if (s[i] === "\\") i++;
    else if (s[i] === "[" && s[i + 1] === ":") {
      const close = s.indexOf(":]", i + 2);
      if (close > 0) i = close + 1;
    } else if (s[i] === "]") return i;
  }
  return -1;
}

function classSource(body: string): string {
  let out = "";
  let i = 0;
  if (body[0] === "!" || body[0] === "^") {
    out += "^/";
    i = 1;
  }
  for (; i < body.length; i++) {
    const c = body[i]!;
    if (c === "\\" && i + 1 < body.length) out += `\\${body[++i]}`;
    else if (c === "[" && body[i + 1] === ":") {
      const close = body.indexOf(":]", i + 2);
      out += body.slice(i, close + 2);
      i = close + 1;
    } else out += c === "[" || c === "\\" ? `\\${c}` : c;
  }
  return `[${out}]`;
}

/** The "}" closing a brace opened at `open` (nesting counted), with the top-level comma positions. */
function braceParts(s: string, open: number): { end: number; commas: number[] } | undefined {
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") i++;
    else if (c === "[") {
      const e = classEnd(s, i);
      if (e > 0) i = e;
    } else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return { end: i, commas };
    else if (c === "," && depth === 1) commas.push(i);
  }
  return undefined;
}

/** RE2 source for the glob text `s` (the whole glob, or one alternative of a brace). */
function translate(s: string, whole: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const next = s[i + 1];
    if ("@!+*?".includes(c) && next === "(") refuse(whole, `extglobs such as '${c}(…)' are not supported; list the alternatives as {a,b}`);
    if (c === "\\") {
      out += i + 1 < s.length ? literal(s[++i]!) : "\\\\";
    } else if (c === "*") {
      let j = i;
      while (s[j + 1] === "*") j++;
      const starts = i === 0 || s[i - 1] === "/";
      const ends = j + 1 === s.length || s[j + 1] === "/";
      if (j > i && starts && ends) {
        // "**" as a segment: "**/" any directories (none too), "/**" at the end anything below (or nothing)
        if (s[j + 1] === "/") {
          out += "(?:.*/)?";
          j++;
        } else if (i > 0) out = `${out.slice(0, -1)}(?:/.*)?`;
        else out += ".*";
      } else out += starts && ends ? "[^/]+" : "[^/]*";
      i = j;
    } else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const end = classEnd(s, i);
      if (end < 0) out += "\\[";
      else {
        out += classSource(s.slice(i + 1, end));
        i = end;
      }
    } else if (c === "{") {
      const parts = braceParts(s, i);
      if (!parts || parts.commas.length === 0) out += "\\{";
      else {
        const bounds = [i, ...parts.commas, parts.end];
        const alts = bounds.slice(1).map((b, k) => translate(s.slice(bounds[k]! + 1, b), whole));
        out += `(?:${alts.join("|")})`;
        i = parts.end;
      }
    } else out += literal(c);
  }
  return out;
}

/** The RE2 source a glob is matched with (anchored at both ends; "." matches newlines too). */
export function globSource(glob: string): string {
  if (glob.length > MAX_PATTERN_LENGTH) refuse(glob, `it is ${glob.length} characters long; globs are at most ${MAX_PATTERN_LENGTH}`);
  const body = glob.startsWith("!") && glob[1] !== "(" ? glob.slice(1) : glob;
  return `(?s)^(?:${translate(body, glob)})$`;
}

/** A matcher for one glob; throws UserPatternError when the glob is not accepted. */
export function compileGlob(glob: string): GlobMatcher {
  const negated = glob.startsWith("!") && glob[1] !== "(";
  let re: UserRegex;
  try {
    re = compileUserRegex(globSource(glob));
  } catch (err) {
    if (err instanceof UserPatternError && err.message.startsWith("glob ")) throw err;
    refuse(glob, (err as Error).message.replace(/^\/.*?\/ /s, "it "));
  }
  return negated ? (text) => !re.test(text) : (text) => re.test(text);
}

/** A matcher for any of several globs (none: matches nothing). */
export function compileGlobs(globs: readonly string[]): GlobMatcher {
  const each = globs.map(compileGlob);
  return (text) => each.some((m) => m(text));
}

/** Why a glob is not accepted, or undefined when it is (for load-time checks). */
export function userGlobProblem(glob: string): string | undefined {
  try {
    compileGlob(glob);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
