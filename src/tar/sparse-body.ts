/**
 * A sparse file's logical content from its stored fragments, as Go's archive/tar reads
 * it (and the engine writes it to disk): each fragment at its offset, zeros in every hole
 * before, between and after them, up to the logical size. A body that can take a hole
 * without its bytes (`TarBody.hole`) gets its length; any other gets zeros, from one
 * shared block, until it wants no more.
 */
import type { TarBody } from "./entry.js";
import type { SparseMap } from "./sparse.js";

const ZEROS = Buffer.alloc(64 << 10);

export class SparseBody implements TarBody {
  /** The fragment being delivered, and its bytes still to come. */
  #i = -1;
  #left = 0;
  /** Logical bytes delivered so far. */
  #pos = 0;
  /** The body wants no more. */
  #stopped = false;

  /** `map` is checked (in order, inside `size`) and its lengths add up to the stored bytes. */
  constructor(
    private readonly inner: TarBody,
    private readonly map: SparseMap,
    private readonly size: number,
  ) {}

  data(chunk: Buffer): boolean {
    let off = 0;
    while (off < chunk.length && !this.#stopped) {
      if (this.#left === 0) {
        do this.#i++;
        while (this.#i < this.map.length && this.map[this.#i]![1] === 0);
        // (no fragment left: more stored bytes than the map holds, which the reader refused before)
        if (this.#i >= this.map.length) return false;
        this.#left = this.map[this.#i]![1];
        this.#zeros(this.map[this.#i]![0] - this.#pos);
        if (this.#stopped) break;
      }
      const n = Math.min(this.#left, chunk.length - off);
      this.#emit(off === 0 && n === chunk.length ? chunk : chunk.subarray(off, off + n));
      this.#left -= n;
      off += n;
    }
    return !this.#stopped;
  }

  end(): void {
    if (!this.#stopped) this.#zeros(this.size - this.#pos);
    this.inner.end();
  }

  #emit(bytes: Buffer): void {
    this.#pos += bytes.length;
    if (this.inner.data(bytes) === false) this.#stopped = true;
  }

  #zeros(n: number): void {
    if (n <= 0) return;
    if (this.inner.hole) {
      this.#pos += n;
      if (this.inner.hole(n) === false) this.#stopped = true;
      return;
    }
    while (n > 0 && !this.#stopped) {
      const k = Math.min(n, ZEROS.length);
      this.#emit(ZEROS.subarray(0, k));
      n -= k;
    }
  }
}
