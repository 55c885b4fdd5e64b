/**
 * The last two segments of a path, as `path.split("/").filter((p) => p !== "")`
 * would give them, without building the array: the path classifiers run once for
 * every entry of an image, so they read only what they need.
 */
export interface PathTail {
  /** The last non-empty segment ("" when there is none). */
  base: string;
  /** The one before it ("" when there is none). */
  parent: string;
}

/** End (exclusive) of the last non-empty segment ending at or before `end`, and its start; [-1, -1] when none. */
function segmentBefore(path: string, end: number): [number, number] {
  let e = end;
  while (e > 0 && path.charCodeAt(e - 1) === 0x2f) e--;
  if (e === 0) return [-1, -1];
  const s = path.lastIndexOf("/", e - 1) + 1;
  return [s, e];
}

export function pathTail(path: string): PathTail {
  const [s, e] = segmentBefore(path, path.length);
  if (s < 0) return { base: "", parent: "" };
  const [ps, pe] = segmentBefore(path, s);
  return { base: path.slice(s, e), parent: ps < 0 ? "" : path.slice(ps, pe) };
}

/** The last non-empty segment ("" when there is none). */
export function lastSegment(path: string): string {
  const [s, e] = segmentBefore(path, path.length);
  return s < 0 ? "" : path.slice(s, e);
}
