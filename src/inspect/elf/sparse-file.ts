/**
 * A file's bytes read on demand from a range of an open file descriptor: an ELF
 * file inside an uncompressed layer on disk is parsed by reading what the parser
 * asks for (the headers, their tables, a few strings), not by holding the whole
 * file while it streams by. Small reads come from a few cached blocks, since the
 * parser reads the same headers several times.
 */
import { readSync } from "node:fs";
import type { SparseBytes } from "./sparse-bytes.js";

const BLOCK = 16 << 10;
const BLOCKS = 4;

interface Block {
  at: number;
  bytes: Uint8Array;
}

/**
 * The `size` bytes at `start` of the file open as `fd`, all present. A read that fails
 * or comes up short (the file is shorter than the range) gives undefined, as a part
 * not captured does: the parser then answers best-effort.
 */
export function sparseFromFile(fd: number, start: number, size: number): SparseBytes {
  const blocks: Block[] = [];
  const readAt = (offset: number, length: number): Uint8Array | undefined => {
    const buf = Buffer.allocUnsafe(length);
    try {
      let got = 0;
      while (got < length) {
        const n = readSync(fd, buf, got, length - got, start + offset + got);
        if (n === 0) return undefined;
        got += n;
      }
    } catch {
      return undefined;
    }
    return buf;
  };
  const block = (at: number): Block | undefined => {
    const i = blocks.findIndex((b) => b.at === at);
    if (i >= 0) {
      const b = blocks[i]!;
      if (i > 0) blocks.unshift(...blocks.splice(i, 1));
      return b;
    }
    const bytes = readAt(at, Math.min(BLOCK, size - at));
    if (bytes === undefined) return undefined;
    const b = { at, bytes };
    blocks.unshift(b);
    if (blocks.length > BLOCKS) blocks.pop();
    return b;
  };
  return {
    size,
    read(offset, length) {
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) return undefined;
      if (length === 0) return new Uint8Array(0);
      const at = offset - (offset % BLOCK);
      if (offset + length > at + BLOCK) return readAt(offset, length);
      const b = block(at);
      return b?.bytes.subarray(offset - at, offset - at + length);
    },
    captured: () => (size > 0 ? [[0, size] as const] : []),
  };
}
