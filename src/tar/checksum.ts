/** The checksum of a tar header block, a word at a time where it can. */

/** A 32-bit view of the last buffer whose headers were summed: buffers come back again and again. */
export class WordView {
  #buffer: ArrayBufferLike | undefined;
  #words: Int32Array<ArrayBufferLike> = new Int32Array(0);

  of(buffer: ArrayBufferLike): Int32Array<ArrayBufferLike> {
    if (buffer !== this.#buffer) {
      this.#buffer = buffer;
      this.#words = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
    }
    return this.#words;
  }
}

/**
 * The sum of the block's bytes, unsigned, with the checksum field counted as spaces.
 * A 4-byte aligned block is summed a word at a time, two bytes to a 16-bit lane
 * (126 words of at most 2 × 255 a lane stay under 2^16).
 */
export function unsignedSum(buf: Buffer, off: number, words: WordView | undefined): number {
  const at = buf.byteOffset + off;
  if (words === undefined || (at & 3) !== 0) {
    let sum = 8 * 0x20;
    for (let i = off; i < off + 148; i++) sum += buf[i]!;
    for (let i = off + 156; i < off + 512; i++) sum += buf[i]!;
    return sum;
  }
  const w = words.of(buf.buffer);
  const w0 = at >>> 2;
  let even = 0;
  let odd = 0;
  for (let i = w0; i < w0 + 37; i++) {
    const x = w[i]!;
    even += x & 0xff00ff;
    odd += (x >>> 8) & 0xff00ff;
  }
  for (let i = w0 + 39; i < w0 + 128; i++) {
    const x = w[i]!;
    even += x & 0xff00ff;
    odd += (x >>> 8) & 0xff00ff;
  }
  return 8 * 0x20 + (even & 0xffff) + (even >>> 16) + (odd & 0xffff) + (odd >>> 16);
}

/** The same sum with each byte read as signed, which some old writers (Sun tar) stored. */
export function signedSum(buf: Buffer, off: number): number {
  let sum = 8 * 0x20;
  for (let i = off; i < off + 512; i++) {
    if (i >= off + 148 && i < off + 156) continue;
    const b = buf[i]!;
    sum += b < 0x80 ? b : b - 0x100;
  }
  return sum;
}
