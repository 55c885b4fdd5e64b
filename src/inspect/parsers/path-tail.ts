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

/** End (exclusive) of the last non-empty segment ending at or before `end` (0 when none). */
function segmentEnd(path: string, end: number): number {
  let e = end;
  while (e > 0 && path.charCodeAt(e - 1) === 0x2f) e--;
  return e;
}

/** Start of the segment that ends (exclusive) at `e` > 0. */
function segmentStart(path: string, e: number): number {
  return path.lastIndexOf("/", e - 1) + 1;
}

export function pathTail(path: string): PathTail {
  const e = segmentEnd(path, path.length);
  if (e === 0) return { base: "", parent: "" };
  const s = segmentStart(path, e);
  const pe = segmentEnd(path, s);
  return { base: path.slice(s, e), parent: pe === 0 ? "" : path.slice(segmentStart(path, pe), pe) };
}

/** The last non-empty segment ("" when there is none). */
export function lastSegment(path: string): string {
  const e = segmentEnd(path, path.length);
  if (e === 0) return "";
  return path.slice(segmentStart(path, e), e);
}
