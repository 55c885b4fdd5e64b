/**
 * A read-only view of a file of which only some byte ranges may be present.
 * Parsers read through it and treat `undefined` as "not captured": they then
 * degrade to best-effort answers instead of failing.
 */

export interface SparseBytes {
  /** The size of the whole file, captured or not. */
  readonly size: number;
  /**
   * The bytes in [offset, offset + length), or `undefined` when any of them
   * lies outside the file or was not captured. The result may share memory
   * with the view: callers must not modify it.
   */
  read(offset: number, length: number): Uint8Array | undefined;
  /** The captured ranges as sorted, disjoint [start, end) pairs. */
  captured?(): ReadonlyArray<readonly [number, number]>;
}

/** A run of bytes placed at a file offset. */
export interface Segment {
  readonly offset: number;
  readonly bytes: Uint8Array;
}

/** Every byte of `buf` is present. */
export function sparseFromBuffer(buf: Uint8Array): SparseBytes {
  return {
    size: buf.length,
    read(offset, length) {
      if (!validRange(offset, length, buf.length)) return undefined;
      return buf.subarray(offset, offset + length);
    },
    captured: () => (buf.length > 0 ? [[0, buf.length] as const] : []),
  };
}

/**
 * A view over segments that may overlap or leave gaps. A read that lies in one
 * segment shares its memory; one that spans several touching segments is copied.
 */
export function sparseFromSegments(size: number, segments: readonly Segment[]): SparseBytes {
  const segs = segments
    .filter((s) => s.bytes.length > 0 && s.offset >= 0 && s.offset < size)
    .map((s) => ({ start: s.offset, end: Math.min(size, s.offset + s.bytes.length), bytes: s.bytes }))
    .sort((a, b) => a.start - b.start || b.end - a.end);

  const covering = (pos: number) => {
    let best: (typeof segs)[number] | undefined;
    for (const s of segs) {
      if (s.start > pos) break;
      if (s.end > pos && (best === undefined || s.end > best.end)) best = s;
    }
    return best;
  };

  return {
    size,
    read(offset, length) {
      if (!validRange(offset, length, size)) return undefined;
      const end = offset + length;
      const first = covering(offset);
      if (first === undefined) return length === 0 ? new Uint8Array(0) : undefined;
      if (first.end >= end) return first.bytes.subarray(offset - first.start, end - first.start);
      const out = new Uint8Array(length);
      let pos = offset;
      let seg: (typeof segs)[number] | undefined = first;
      while (pos < end) {
        if (seg === undefined) return undefined;
        const stop = Math.min(end, seg.end);
        out.set(seg.bytes.subarray(pos - seg.start, stop - seg.start), pos - offset);
        pos = stop;
        if (pos < end) seg = covering(pos);
      }
      return out;
    },
    captured() {
      const out: Array<[number, number]> = [];
      for (const s of segs) {
        const last = out[out.length - 1];
        if (last !== undefined && s.start <= last[1]) last[1] = Math.max(last[1], s.end);
        else out.push([s.start, s.end]);
      }
      return out;
    },
  };
}

function validRange(offset: number, length: number, size: number): boolean {
  return (
    Number.isSafeInteger(offset) &&
    Number.isSafeInteger(length) &&
    offset >= 0 &&
    length >= 0 &&
    offset + length <= size
  );
}

const utf8 = new TextDecoder();

/** A NUL-terminated string at `offset`, read in growing steps; undefined when cut off. */
export function readCString(src: SparseBytes, offset: number, max = 4096): string | undefined {
  const limit = Math.min(max, src.size - offset);
  for (let step = 64; ; step *= 4) {
    const len = Math.min(step, limit);
    if (len <= 0) return undefined;
    const bytes = src.read(offset, len) ?? readAvailable(src, offset, len);
    if (bytes === undefined) return undefined;
    const nul = bytes.indexOf(0);
    if (nul >= 0) return utf8.decode(bytes.subarray(0, nul));
    if (bytes.length < len || len >= limit) return undefined;
  }
}

/** The captured prefix of [offset, offset+len), if any. */
function readAvailable(src: SparseBytes, offset: number, len: number): Uint8Array | undefined {
  if (src.captured !== undefined) {
    const hit = src.captured().find(([s, e]) => s <= offset && offset < e);
    return hit === undefined ? undefined : src.read(offset, Math.min(len, hit[1] - offset));
  }
  for (let n = len >> 1; n > 0; n >>= 1) {
    const got = src.read(offset, n);
    if (got !== undefined) return got;
  }
  return undefined;
}
