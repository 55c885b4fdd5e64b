/**
 * `.dockerignore` matching as the Docker CLI does it (moby's patternmatcher): one pattern
 * a line, `#` comments, paths cleaned and made relative to the context root, Go
 * `filepath.Match` syntax (`*`, `?`, `[a-z]`, `\` escapes) plus `**` for any number of
 * directories, `!` to re-include, the last matching pattern wins, and a pattern that
 * matches a directory also matches everything below it.
 */

export interface IgnorePattern {
  /** The cleaned pattern, without `!`. */
  pattern: string;
  exclusion: boolean;
  regexp: RegExp;
}

export interface IgnoreMatcher {
  readonly patterns: readonly IgnorePattern[];
  /** Whether any pattern re-includes (`!…`): an ignored directory must then still be walked. */
  readonly hasExceptions: boolean;
  /** Whether a path relative to the context root ("a/b/c", "/" separated) is left out. */
  ignores(path: string): boolean;
}

/** path.posix.normalize without the leading "./" and trailing "/", as Go's filepath.Clean. */
function clean(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!path.startsWith("/")) out.push("..");
      continue;
    }
    out.push(part);
  }
  return out.join("/") || ".";
}

const SPECIAL = /[.+^${}()|]/;

/** A Go filepath.Match pattern (with `**`) as an anchored regular expression. */
export function patternRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "*") {
      if (pattern[i + 1] === "*") {
        // "**" (a following "/" is eaten): zero or more directories; at the end, everything
        i++;
        if (pattern[i + 1] === "/") i++;
        re += i + 1 >= pattern.length ? ".*" : "(?:.*/)?";
      } else {
        re += "[^/]*";
      }
    } else if (ch === "?") {
      re += "[^/]";
    } else if (ch === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) {
        re += "\\[";
        continue;
      }
      // a character class, as Go writes it ([a-z], [^0-9]); passed through like moby does
      re += `[${pattern.slice(i + 1, end)}]`;
      i = end;
    } else if (ch === "\\") {
      const next = pattern[i + 1];
      if (next !== undefined) {
        re += next.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
        i++;
      } else {
        re += "\\\\";
      }
    } else if (SPECIAL.test(ch)) {
      re += `\\${ch}`;
    } else {
      re += ch;
    }
  }
  return new RegExp(`^${re}$`);
}

/** The patterns of a `.dockerignore` file's text. */
export function parseDockerignore(text: string): IgnorePattern[] {
  const out: IgnorePattern[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.startsWith("#")) continue;
    let line = raw.trim();
    if (line === "") continue;
    let exclusion = false;
    if (line.startsWith("!")) {
      exclusion = true;
      line = line.slice(1).trim();
      if (line === "") continue;
    }
    // Docker cleans the pattern and drops a leading "/": patterns are relative to the root.
    let pattern = clean(line);
    pattern = pattern.replace(/^\/+/, "");
    if (pattern === "" || pattern === ".") continue;
    out.push({ pattern, exclusion, regexp: patternRegExp(pattern) });
  }
  return out;
}

/** Whether `pattern` matches `path` or one of its parent directories. */
function matches(p: IgnorePattern, path: string): boolean {
  if (p.regexp.test(path)) return true;
  const parts = path.split("/");
  for (let n = parts.length - 1; n >= 1; n--) {
    if (p.regexp.test(parts.slice(0, n).join("/"))) return true;
  }
  return false;
}

export function ignoreMatcher(patterns: readonly IgnorePattern[]): IgnoreMatcher {
  return {
    patterns,
    hasExceptions: patterns.some((p) => p.exclusion),
    ignores(path: string): boolean {
      const target = clean(path);
      let ignored = false;
      for (const p of patterns) {
        if (p.exclusion === !ignored) continue; // cannot change the outcome
        if (matches(p, target)) ignored = !p.exclusion;
      }
      return ignored;
    },
  };
}
