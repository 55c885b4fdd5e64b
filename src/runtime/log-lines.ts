/**
 * A container's log stream cut into lines in bounded memory, however much it prints: the
 * engine's multiplexed frames (an 8-byte header, stream and length, then the bytes; the
 * probe never allocates a TTY, and a stream that does not start with a frame header is
 * taken as plain bytes) are undone as they come, and a line longer than `maxLineBytes`
 * is handed on cut at that length, the rest of it skipped up to its newline. Nothing but
 * the current line (at most `maxLineBytes`) and a frame header is ever held.
 */

export const MAX_LOG_LINE_BYTES = 64 * 1024;

export class LogLines {
  readonly #onLine: (line: string) => void;
  readonly #max: number;
  /** undefined until the first bytes say whether the stream is multiplexed. */
  #framed: boolean | undefined;
  readonly #header = Buffer.alloc(8);
  #headerHave = 0;
  /** Payload bytes left in the current frame. */
  #frameLeft = 0;
  #line: Buffer[] = [];
  #lineBytes = 0;
  /** The current line passed the cap: it was handed on, the rest of it is skipped. */
  #skipping = false;

  constructor(onLine: (line: string) => void, maxLineBytes = MAX_LOG_LINE_BYTES) {
    this.#onLine = onLine;
    this.#max = maxLineBytes;
  }

  push(chunk: Buffer): void {
    if (this.#framed === undefined) this.#framed = chunk[0] === 0 || chunk[0] === 1 || chunk[0] === 2;
    if (!this.#framed) return this.#payload(chunk);
    let off = 0;
    while (off < chunk.length) {
      if (this.#frameLeft === 0) {
        const n = Math.min(8 - this.#headerHave, chunk.length - off);
        chunk.copy(this.#header, this.#headerHave, off, off + n);
        this.#headerHave += n;
        off += n;
        if (this.#headerHave < 8) return;
        this.#headerHave = 0;
        this.#frameLeft = this.#header.readUInt32BE(4);
        continue;
      }
      const n = Math.min(this.#frameLeft, chunk.length - off);
      this.#payload(chunk.subarray(off, off + n));
      this.#frameLeft -= n;
      off += n;
    }
  }

  /** The stream ended: a last line without a newline is handed on. */
  end(): void {
    if (this.#lineBytes > 0 && !this.#skipping) this.#emit();
    this.#line = [];
    this.#lineBytes = 0;
  }

  #payload(bytes: Buffer): void {
    let start = 0;
    for (let nl = bytes.indexOf(10, start); ; nl = bytes.indexOf(10, start)) {
      const end = nl === -1 ? bytes.length : nl;
      this.#take(bytes.subarray(start, end));
      if (nl === -1) return;
      if (!this.#skipping) this.#emit();
      this.#skipping = false;
      this.#line = [];
      this.#lineBytes = 0;
      start = nl + 1;
    }
  }

  /** Adds bytes to the current line, up to the cap; past it the line is handed on once. */
  #take(part: Buffer): void {
    if (this.#skipping || part.length === 0) return;
    const room = this.#max - this.#lineBytes;
    if (part.length <= room) {
      this.#line.push(Buffer.from(part)); // a copy: the chunk is not kept alive by a slice
      this.#lineBytes += part.length;
      return;
    }
    this.#line.push(Buffer.from(part.subarray(0, room)));
    this.#lineBytes += room;
    this.#emit();
    this.#skipping = true;
    this.#line = [];
    this.#lineBytes = 0;
  }

  #emit(): void {
    const text = Buffer.concat(this.#line, this.#lineBytes).toString("utf8");
    this.#onLine(text.endsWith("\r") ? text.slice(0, -1) : text);
  }
}
