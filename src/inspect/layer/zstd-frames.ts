/**
 * The frame and block structure of a zstd stream (RFC 8878), walked without decoding:
 * where each block ends, so the decoder can be fed one block at a time (at most 128 KiB
 * out per block, however well the input compresses), and each frame's window size,
 * checked against a limit before the decoder allocates it.
 */

/** zstd's own default limit for decoders (ZSTD_WINDOWLOG_LIMIT_DEFAULT, 2^27): larger windows need an explicit opt-in there too. */
export const MAX_ZSTD_WINDOW = 1 << 27;
const MAX_BLOCK = 128 * 1024;

export class ZstdFrameError extends Error {}

type State = "magic" | "header" | "block" | "content" | "checksum" | "skip-size" | "skip";

export class ZstdFrames {
  #state: State = "magic";
  /** Bytes gathered for a header that may straddle chunks. */
  readonly #stash = Buffer.alloc(18);
  #have = 0;
  /** Header bytes wanted in the current state (for "header": known once its descriptor byte is in). */
  #want = 4;
  /** Bytes left to pass over in "content", "checksum" and "skip". */
  #left = 0;
  #lastBlock = false;
  #checksum = false;

  constructor(private readonly maxWindow = MAX_ZSTD_WINDOW) {}

  /**
   * Walks `chunk`; returns the offsets in it just past each block that ends there.
   * Throws ZstdFrameError for what no decoder would read (a bad magic number, a
   * reserved block type, a block over 128 KiB) or a window over the limit.
   */
  blockEnds(chunk: Uint8Array): number[] {
    const ends: number[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      const st = this.#state;
      if (st === "content" || st === "checksum" || st === "skip") {
        const n = Math.min(this.#left, chunk.length - pos);
        pos += n;
        this.#left -= n;
        if (this.#left > 0) break;
        if (st === "content") {
          ends.push(pos);
          this.#afterBlock();
        } else this.#startFrame();
        continue;
      }
      const n = Math.min(this.#want - this.#have, chunk.length - pos);
      this.#stash.set(chunk.subarray(pos, pos + n), this.#have);
      this.#have += n;
      pos += n;
      if (this.#have < this.#want) break;
      if (st === "magic") this.#magic();
      else if (st === "header") this.#header();
      else if (st === "block") {
        if (this.#blockHeader()) ends.push(pos);
      } else if (st === "skip-size") {
        this.#left = this.#stash.readUInt32LE(0);
        this.#state = "skip";
        if (this.#left === 0) this.#startFrame();
      }
    }
    return ends;
  }

  /** Whether the stream may end here (between frames). */
  get atFrameBoundary(): boolean {
    return this.#state === "magic" && this.#have === 0;
  }

  #startFrame(): void {
    this.#state = "magic";
    this.#have = 0;
    this.#want = 4;
  }

  #magic(): void {
    const m = this.#stash.readUInt32LE(0);
    this.#have = 0;
    if (m === 0xfd2fb528) {
      this.#state = "header";
      this.#want = 1;
    } else if ((m & 0xfffffff0) === 0x184d2a50) {
      this.#state = "skip-size";
      this.#want = 4;
    } else throw new ZstdFrameError("not a zstd frame (bad magic number)");
  }

  #header(): void {
    const fhd = this.#stash[0]!;
    const single = (fhd >> 5) & 1;
    const dictBytes = [0, 1, 2, 4][fhd & 3]!;
    const fcsBytes = [single, 2, 4, 8][fhd >> 6]!;
    if (fhd & 8) throw new ZstdFrameError("zstd frame header has its reserved bit set");
    const total = 1 + (single ? 0 : 1) + dictBytes + fcsBytes;
    if (this.#want < total) {
      this.#want = total;
      return;
    }
    let window: number;
    if (single) {
      const at = 1 + dictBytes;
      let fcs = 0;
      for (let i = fcsBytes - 1; i >= 0; i--) fcs = fcs * 256 + this.#stash[at + i]!;
      window = fcsBytes === 2 ? fcs + 256 : fcs;
    } else {
      const wd = this.#stash[1]!;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    if (window > this.maxWindow) {
      throw new ZstdFrameError(`a zstd frame needs a ${mib(window)} window, over the ${mib(this.maxWindow)} limit (zstd's own default)`);
    }
    this.#checksum = ((fhd >> 2) & 1) === 1;
    this.#state = "block";
    this.#have = 0;
    this.#want = 3;
  }

  /** Reads a block header; true when the block has no content bytes (an empty raw block). */
  #blockHeader(): boolean {
    const h = this.#stash[0]! | (this.#stash[1]! << 8) | (this.#stash[2]! << 16);
    this.#lastBlock = (h & 1) === 1;
    const type = (h >> 1) & 3;
    const size = h >>> 3;
    if (type === 3) throw new ZstdFrameError("a zstd block of the reserved type");
    if (size > MAX_BLOCK) throw new ZstdFrameError(`a zstd block of ${size} bytes (the limit is 128 KiB)`);
    this.#have = 0;
    this.#left = type === 1 ? 1 : size;
    this.#state = "content";
    if (this.#left > 0) return false;
    this.#afterBlock();
    return true;
  }

  #afterBlock(): void {
    if (!this.#lastBlock) {
      this.#state = "block";
      this.#have = 0;
      this.#want = 3;
    } else if (this.#checksum) {
      this.#state = "checksum";
      this.#left = 4;
    } else this.#startFrame();
  }
}

function mib(n: number): string {
  return `${Math.round(n / 1048576)} MiB`;
}
