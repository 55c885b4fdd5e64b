/** Paths inside an image: normalised, absolute, never escaping the root. */

export class PathEscapeError extends Error {}

/**
 * Normalises a tar entry name to an absolute image path ("./etc//passwd" → "/etc/passwd"),
 * as the engine cleans it before joining it to the root: in an absolute name `..` stops
 * at the root ("/../etc" is "/etc"); a relative name whose `..` would climb above the
 * root is a PathEscapeError (the engine refuses the layer: "breakout").
 */
export function normalizeEntryName(name: string): string {
  const out: string[] = [];
  const absolute = name.startsWith("/");
  for (const seg of name.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length === 0 && !absolute) throw new PathEscapeError(`entry '${name}' escapes the image root`);
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
