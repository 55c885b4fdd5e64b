/**
 * Allow lists of the filesystem rules (not a rule, not registered). Globs are matched
 * through user-glob.ts (linear time, checked when the policy loads), dot files
 * included, as waiver paths are:
 * - an entry holding a "/" is matched against the whole path: "/usr/bin/passwd",
 *   "/opt/app/**", "/usr/local/bin/*";
 * - an entry without a "/" is matched against the base name: "busybox", "*.pem".
 */
import type { UserPatternRef } from "../types.js";
import { compileGlobs } from "../user-glob.js";

export type PathMatcher = (path: string) => boolean;

export function baseName(path: string): string {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

export function dirName(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/**
 * A matcher for an allow list; an empty list matches nothing. The globs compile on the
 * first path asked about: a rule with nothing to match (no VOLUME, no setuid file) does not
 * pay for compiling its defaults (sensitive-volumes' 21 globs: ~60 ms of a small check).
 * The globs were checked when the policy loaded, so compiling late throws no new error.
 */
export function pathMatcher(patterns: readonly string[]): PathMatcher {
  if (patterns.length === 0) return () => false;
  let match: PathMatcher | undefined;
  return (path) => {
    if (!match) {
      const matchFull = compileGlobs(patterns.filter((p) => p.includes("/")));
      const matchBase = compileGlobs(patterns.filter((p) => !p.includes("/")));
      match = (q) => matchFull(q) || matchBase(baseName(q));
    }
    return match(path);
  };
}

/** "/app/.git (layer 2)" */
export function where(w: { path: string; layer?: number }): string {
  return w.layer === undefined ? w.path : `${w.path} (layer ${w.layer + 1})`;
}

/** "0755", "4755": permission bits as `ls -l`'s numeric form. */
export function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}

/** The JSON Schema of an `allow` option. */
export function allowSchema(what: string): Record<string, unknown> {
  return {
    type: "array",
    items: { type: "string", minLength: 1 },
    uniqueItems: true,
    description: `${what}: globs over the path (entries with a "/") or over the base name (entries without one).`,
  };
}

/** A rule's `patterns` for its glob list options (`allow`, …): each entry, checked when the policy loads. */
export function globLists<O extends object>(...fields: (keyof O & string)[]): (options: O) => UserPatternRef[] {
  return (options) =>
    fields.flatMap((f) => {
      const list = options[f];
      return Array.isArray(list) ? list.map((_, i) => ({ path: [f, i], kind: "glob" as const })) : [];
    });
}
