/**
 * Captures what the ELF parser needs from a file that arrives as a stream,
 * with bounded memory. Small files are kept whole. Of larger ones it keeps the
 * head, the tail, and the ranges the headers point at (once it has read those
 * headers; ranges already streamed past are not recovered), the Go build
 * information among them (elf-wanted.ts). Its buffers come from capture-buffers.ts:
 * `release` gives them back once what `finish` returned is parsed.
 */
import { BUFFER_BYTES, giveBuffer, takeBuffer } from "./capture-buffers.js";
import { wantedRanges } from "./elf-wanted.js";
import { sparseFromBuffer, sparseFromSegments, type Segment, type SparseBytes } from "./sparse-bytes.js";

export interface ElfCaptureOptions {
  /** Files up to this size are kept whole (default 4 MiB). */
  wholeLimit?: number;
  /** Bytes kept from the start (default 4 MiB). */
  headBytes?: number;
  /** Bytes kept from the end (default 4 MiB). */
  tailBytes?: number;
  /** Cap on the bytes held for header-named ranges (default 16 MiB). */
  extraLimit?: number;
}

const MiB = 1 << 20;

/** Whether the first bytes of a file are the ELF magic. */
export function isElfMagic(first: Uint8Array): boolean {
  return first.length >= 4 && first[0] === 0x7f && first[1] === 0x45 && first[2] === 0x4c && first[3] === 0x46;
}

interface Range {
  readonly start: number;
  readonly end: number;
  readonly buf: Uint8Array;
  /** Bytes filled from `start` on. */
  filled: number;
}

export class ElfCapture {
  readonly #size: number;
  readonly #extraLimit: number;
  #pos = 0;
  #whole: Uint8Array | undefined;
  #head: Uint8Array = new Uint8Array(0);
  #tail: Uint8Array = new Uint8Array(0);
  #tailStart = 0;
  #ranges: Range[] = [];
  #extraBytes = 0;
  #planned = false;
  /** Buffers taken from capture-buffers.ts, to give back. */
  #taken: Uint8Array[] = [];

  constructor(fileSize: number, opts: ElfCaptureOptions = {}) {
    this.#size = Math.max(0, Math.floor(fileSize));
    this.#extraLimit = opts.extraLimit ?? 16 * MiB;
    if (this.#size <= (opts.wholeLimit ?? BUFFER_BYTES)) {
      this.#whole = this.#buffer(this.#size);
      return;
    }
    const headBytes = Math.min(this.#size, opts.headBytes ?? 4 * MiB);
    this.#head = this.#buffer(headBytes);
    this.#tailStart = Math.max(headBytes, this.#size - (opts.tailBytes ?? 4 * MiB));
    this.#tail = this.#buffer(this.#size - this.#tailStart);
  }

  /** A buffer of `size` bytes: a reused one when it fits. */
  #buffer(size: number): Uint8Array {
    if (size === 0 || size > BUFFER_BYTES) return new Uint8Array(size);
    const buf = takeBuffer(size);
    this.#taken.push(buf);
    return buf;
  }

  /** Gives back the buffers it holds: what `finish` returned must not be used after (the parse keeps nothing of it). */
  release(): void {
    for (const buf of this.#taken.splice(0)) giveBuffer(buf);
    this.#whole = undefined;
    this.#head = this.#tail = new Uint8Array(0);
    this.#ranges = [];
  }

  push(chunk: Uint8Array): void {
    let data = chunk.subarray(0, Math.max(0, Math.min(chunk.length, this.#size - this.#pos)));
    if (this.#whole !== undefined) {
      this.#whole.set(data, this.#pos);
      this.#pos += data.length;
      return;
    }
    // Consumed piece by piece, so that ranges the headers point at right after
    // the head (or after a range just completed) are seen before they stream past.
    while (data.length > 0) {
      const n = this.#nextBoundary(data.length);
      this.#consume(data.subarray(0, n));
      data = data.subarray(n);
    }
  }

  /**
   * `n` bytes of zeros (a hole of a sparse file), taken without n bytes to hold them:
   * past what is held, only the position moves, however large the hole.
   */
  zeros(n: number): void {
    let left = Math.max(0, Math.min(n, this.#size - this.#pos));
    if (this.#whole !== undefined) {
      this.#whole.fill(0, this.#pos, this.#pos + left);
      this.#pos += left;
      return;
    }
    while (left > 0) {
      const k = this.#nextBoundary(left);
      this.#consume(k);
      left -= k;
    }
  }

  /** How many of the next `len` bytes to take before something may need planning. */
  #nextBoundary(len: number): number {
    const start = this.#pos;
    let cut = len;
    if (!this.#planned && this.#head.length > start) cut = Math.min(cut, this.#head.length - start);
    for (const r of this.#ranges) {
      if (r.filled < r.buf.length && r.end > start) cut = Math.min(cut, r.end - start);
    }
    return cut;
  }

  /** The next bytes: `data`, or that many zeros. */
  #consume(data: Uint8Array | number): void {
    const start = this.#pos;
    const len = typeof data === "number" ? data : data.length;
    copyInto(this.#head, 0, data, start);
    copyInto(this.#tail, this.#tailStart, data, start);
    let completed = false;
    for (const r of this.#ranges) {
      if (r.filled === r.buf.length) continue;
      const next = r.start + r.filled;
      if (next < start || next >= start + len) continue;
      const n = Math.min(r.buf.length - r.filled, start + len - next);
      if (typeof data === "number") r.buf.fill(0, r.filled, r.filled + n);
      else r.buf.set(data.subarray(next - start, next - start + n), r.filled);
      r.filled += n;
      completed ||= r.filled === r.buf.length;
    }
    this.#pos += len;
    if (!this.#planned && this.#pos >= this.#head.length) {
      this.#planned = true;
      completed = true;
    }
    if (completed) this.#plan();
  }

  /** Bytes of file content held (buffers allocated for it). */
  get heldBytes(): number {
    return (this.#whole?.length ?? 0) + this.#head.length + this.#tail.length + this.#extraBytes;
  }

  finish(): SparseBytes {
    if (this.#whole !== undefined) {
      if (this.#pos === this.#size) return sparseFromBuffer(this.#whole);
      return sparseFromSegments(this.#size, [{ offset: 0, bytes: this.#whole.subarray(0, this.#pos) }]);
    }
    return this.#view();
  }

  /** What has been captured so far. */
  #view(): SparseBytes {
    const segs: Segment[] = [
      { offset: 0, bytes: this.#head.subarray(0, Math.min(this.#pos, this.#head.length)) },
      { offset: this.#tailStart, bytes: this.#tail.subarray(0, Math.max(0, this.#pos - this.#tailStart)) },
      ...this.#ranges.map((r) => ({ offset: r.start, bytes: r.buf.subarray(0, r.filled) })),
    ];
    return sparseFromSegments(this.#size, segs);
  }

  /** Asks the headers captured so far which ranges they point at. */
  #plan(): void {
    for (const [s, e] of wantedRanges(this.#view())) this.#want(s, e);
  }

  /** Starts holding [start, end), filled from what is held for the part already streamed past. */
  #want(start: number, end: number): void {
    end = Math.min(end, this.#size);
    if (end <= this.#head.length || start >= this.#tailStart) return;
    const view = this.#view();
    if (start < this.#pos && view.read(start, Math.min(end, this.#pos) - start) === undefined) start = this.#pos;
    if (end <= start || this.#extraBytes + (end - start) > this.#extraLimit) return;
    if (this.#ranges.some((r) => r.start <= start && r.end >= end)) return;
    const r: Range = { start, end, buf: new Uint8Array(end - start), filled: 0 };
    if (start < this.#pos) {
      const have = view.read(start, Math.min(end, this.#pos) - start);
      if (have === undefined) return;
      r.buf.set(have);
      r.filled = have.length;
    }
    this.#ranges.push(r);
    this.#extraBytes += end - start;
  }
}

/** Copies the part of `data` (at file offset `at`; a number: that many zeros) that falls in `target` (at file offset `targetStart`). */
function copyInto(target: Uint8Array, targetStart: number, data: Uint8Array | number, at: number): void {
  const len = typeof data === "number" ? data : data.length;
  const from = Math.max(at, targetStart);
  const to = Math.min(at + len, targetStart + target.length);
  if (to <= from) return;
  if (typeof data === "number") target.fill(0, from - targetStart, to - targetStart);
  else target.set(data.subarray(from - at, to - at), from - targetStart);
}
