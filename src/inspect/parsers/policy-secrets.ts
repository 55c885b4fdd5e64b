/**
 * A policy's own secret key names and value patterns (IMG-ENV-001's and IMG-HIST-007's
 * `names` and `patterns`), as the inspector uses them: check() hands over the union of
 * the enabled rules' (Rule.userSecrets), so that the texts the facts keep from the config
 * (history `created_by`) are redacted for them too, not only the built-in ones.
 *
 * Names match a key word by word, case-insensitively (`INTERNAL_CODE` matches
 * `APP_INTERNAL_CODE`, as secret-options.ts matches them). Patterns run on RE2 (user-regex.ts:
 * linear time, whatever the pattern).
 */
import { compileUserRegex, MAX_MATCH_INPUT, showPattern, type UserRegex } from "../../text/user-regex.js";
import { keyNameMatcher, keyWords } from "./secret-env.js";

export interface PolicySecrets {
  names: readonly string[];
  patterns: readonly string[];
}

/** The compiled names and patterns. */
export interface PolicySecretMatcher {
  /** The name (as the policy wrote it) that `key` matches, or undefined. */
  name(key: string): string | undefined;
  /** The pattern (as the policy wrote it) that `value` matches, or undefined. */
  pattern(value: string): string | undefined;
  /**
   * Where the patterns match in `text`, each widened to the whole run of value characters
   * around it (a match inside `LIC-1234-5678` redacts all of it, not `LI…-5678`).
   */
  spans(text: string): [start: number, end: number][];
}

/** What a finding says of why: the same words IMG-HIST-007 uses for what it finds itself. */
export function policySecretReason(hit: { name: string } | { pattern: string }): string {
  return "name" in hit ? `key name matches the policy's name '${hit.name}'` : `value matches the policy's pattern ${showPattern(hit.pattern)}`;
}

/** Characters of a value a pattern's match is widened over: letters, digits, `_-.+/~%`; not `=` or `:` (a key before them stays). */
const isValueChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46 || c === 43 || c === 47 || c === 126 || c === 37;

/**
 * The matches of `re` in `text`; a text over MAX_MATCH_INPUT is matched in pieces cut after
 * whitespace (a match that spans a cut is found only if it holds no whitespace there).
 */
function chunkedMatches(re: UserRegex, text: string): [number, number][] {
  if (text.length <= MAX_MATCH_INPUT) return re.matches(text);
  const out: [number, number][] = [];
  for (let from = 0; from < text.length; ) {
    let to = Math.min(text.length, from + MAX_MATCH_INPUT);
    if (to < text.length) {
      let cut = to;
      while (cut > from && !/\s/.test(text[cut - 1]!)) cut--;
      if (cut > from) to = cut;
    }
    for (const [s, e] of re.matches(text.slice(from, to))) out.push([from + s, from + e]);
    from = to;
  }
  return out;
}

/** Compiles them (patterns the loader accepted; one it would not throws UserPatternError); undefined when there are none. */
export function policySecretMatcher(u: PolicySecrets | undefined): PolicySecretMatcher | undefined {
  if (!u) return undefined;
  const name = keyNameMatcher(u.names);
  const res: { p: string; re: UserRegex }[] = [...new Set(u.patterns)].map((p) => ({ p, re: compileUserRegex(p) }));
  if (!u.names.some((n) => keyWords(n).length > 0) && res.length === 0) return undefined;
  return {
    name,
    pattern(value) {
      if (value === "") return undefined;
      return res.find(({ re }) => re.test(value))?.p;
    },
    spans(text) {
      const out: [number, number][] = [];
      if (text === "") return out;
      for (const { re } of res) {
        for (const [s, e] of chunkedMatches(re, text)) {
          let a = s;
          let b = e;
          while (a > 0 && isValueChar(text.charCodeAt(a - 1))) a--;
          while (b < text.length && isValueChar(text.charCodeAt(b))) b++;
          out.push([a, b]);
        }
      }
      return out;
    },
  };
}
