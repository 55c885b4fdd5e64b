/**
 * The options IMG-FS-005 and IMG-FS-008 share (not a rule): a policy's own secret files,
 * as dockle's --sensitive-file and --sensitive-file-extension. `files` are globs over the
 * path or base names (as the rules' `allow` lists, path-glob.ts); `extensions` are compared
 * with the end of the base name, without case. They add to the built-in detection: a file
 * that it already names a secret (a key by its content, a credential file by its path)
 * keeps its kind; any other file they match (a `.pem` with no key in it too) is a secret
 * of kind `user-file` (by `files`) or `user-extension` (by `extensions` alone).
 *
 * The facts list only secrets, so check() hands the enabled rules' lists to the inspector
 * (Rule.userSecretFiles, InspectOptions.userSecretFile), which matches them over every path
 * of the file tree and of the layers. Facts hold the union of the rules' lists; each rule
 * keeps a user kind only where its own lists match the path.
 */
import { allowSchema, baseName, pathMatcher } from "./path-glob.js";

export const USER_FILE = "user-file";
export const USER_EXTENSION = "user-extension";

export interface UserSecretFiles {
  /** Files that are secrets: globs over the path (entries with a "/"), or over the base name. */
  files: string[];
  /** File name extensions that are secrets (".kdbx", ".ovpn"), compared without case. */
  extensions: string[];
}

export const USER_SECRET_FILE_PROPERTIES = {
  files: allowSchema("More files that are secrets (as dockle's --sensitive-file), reported as kind `user-file`"),
  extensions: {
    type: "array",
    items: { type: "string", pattern: "^\\.[^/\\s]+$", maxLength: 64 },
    uniqueItems: true,
    description: 'More file name extensions that are secrets (as dockle\'s --sensitive-file-extension), with their dot: ".kdbx", ".ovpn"; compared without case, reported as kind `user-extension`.',
  },
} as const;

/** The kind a policy's own lists give a path, or undefined. */
export type UserSecretMatcher = (path: string) => string | undefined;

/** Whether a fact's kind came from a policy's own lists. */
export const isUserKind = (kind: string): boolean => kind === USER_FILE || kind === USER_EXTENSION;

const GLOB_SPECIAL = /[*?[\]{}\\]/;

/**
 * What every text a glob matches starts and ends with: its literal head (less a trailing
 * "/": "/srv/**" matches "/srv") and tail; undefined for a negated glob. A necessary
 * condition only: the inspector asks of every path, and most fail it without a regex
 * (~3 µs a path through the regexes, ~0.1 µs through this).
 */
function literalEnds(glob: string): { prefix: string; suffix: string } | undefined {
  if (glob.startsWith("!")) return undefined;
  const first = glob.search(GLOB_SPECIAL);
  let last = glob.length - 1;
  while (last >= 0 && !GLOB_SPECIAL.test(glob[last]!)) last--;
  return { prefix: glob.slice(0, first < 0 ? glob.length : first).replace(/\/+$/, ""), suffix: glob.slice(last + 1) };
}

/** Whether some glob of the list may match `path` (the globs with a "/" over it, the others over its base name). */
function mayMatch(globs: readonly string[]): (path: string) => boolean {
  const ends = globs.map((g) => ({ full: g.includes("/"), ends: literalEnds(g) }));
  if (ends.some((e) => e.ends === undefined)) return () => true;
  return (path) => {
    let base: string | undefined;
    for (const { full, ends: e } of ends) {
      const text = full ? path : (base ??= baseName(path));
      if (text.startsWith(e!.prefix) && text.endsWith(e!.suffix)) return true;
    }
    return false;
  };
}

/** Whether the base name of `path` is longer than `ext` (lower case) and ends with it, in any case. */
function hasExtension(path: string, ext: string): boolean {
  const at = path.length - ext.length;
  if (at < 1 || path.charCodeAt(at - 1) === 0x2f) return false;
  for (let i = 0; i < ext.length; i++) {
    let c = path.charCodeAt(at + i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== ext.charCodeAt(i)) return false;
  }
  return true;
}

/** The matcher for these lists; undefined when both are empty (the facts are then those of no option). */
export function userSecretMatcher(o: Partial<UserSecretFiles>): UserSecretMatcher | undefined {
  const files = o.files ?? [];
  const exts = (o.extensions ?? []).map((e) => e.toLowerCase());
  if (files.length === 0 && exts.length === 0) return undefined;
  const byGlob = pathMatcher(files);
  const may = mayMatch(files);
  return (path) => {
    if (may(path) && byGlob(path)) return USER_FILE;
    return exts.some((e) => hasExtension(path, e)) ? USER_EXTENSION : undefined;
  };
}

/** The union of several rules' lists (the facts are made once for all of them). */
export function unionOf(lists: readonly Partial<UserSecretFiles>[]): UserSecretFiles {
  const files = new Set<string>();
  const extensions = new Set<string>();
  for (const l of lists) {
    for (const f of l.files ?? []) files.add(f);
    for (const e of l.extensions ?? []) extensions.add(e);
  }
  return { files: [...files], extensions: [...extensions] };
}

/**
 * A fact's kind as one rule sees it: a user kind stands where the rule's own lists match
 * the path (their kind), else the path falls back to `builtIn` (what the facts would have
 * said without the other rule's lists: "pem" for a certificate, or nothing).
 */
export function kindFor(kind: string, path: string, own: UserSecretMatcher | undefined, builtIn: (path: string) => string | undefined = () => undefined): string | undefined {
  if (!isUserKind(kind)) return kind;
  return own?.(path) ?? builtIn(path);
}
