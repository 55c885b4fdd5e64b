/** Paths inside an image: normalised, absolute, never escaping the root. */

export class PathEscapeError extends Error {}

/**
 * Normalises a tar entry name to an absolute image path ("./etc//passwd" → "/etc/passwd").
 * Throws PathEscapeError when `..` would climb above the root.
 */
export function normalizeEntryName(name: string): string {
  const out: string[] = [];
  for (const seg of name.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length === 0) throw new PathEscapeError(`entry '${name}' escapes the image root`);
      out.pop();
    } else out.push(seg);
  }
  return "/" + out.join("/");
}

/** Lexical join that clamps `..` at the root, as path resolution inside a chroot does. */
export function joinInRoot(base: string, rel: string): string {
  const out = rel.startsWith("/") ? [] : base.split("/").filter(Boolean);
  for (const seg of rel.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return "/" + out.join("/");
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
