/**
 * Buffers of BUFFER_BYTES that ELF captures (elf-capture.ts) hold a file's bytes in
 * while it streams by, used again and again: a buffer allocated per binary would leave
 * the garbage collector tens of megabytes to catch up with (bench, 1 GiB gzip OCI
 * layout: 199 MB peak with one per file). Only the pages written are resident; a few
 * are kept between files, none once scans stop needing them.
 */

/** Bytes of each buffer: what a capture keeps whole, and its head and its tail. */
export const BUFFER_BYTES = 4 << 20;
/** Buffers kept for the next files (a scan holds up to 2 per file it captures at once). */
const KEEP = 4;

const idle: Buffer[] = [];
let dropTimer: NodeJS.Timeout | undefined;

/** A buffer of `size` bytes (at most BUFFER_BYTES), not zeroed: give it back with `giveBuffer` when what it holds is parsed. */
export function takeBuffer(size: number): Buffer {
  if (size > BUFFER_BYTES) throw new RangeError(`capture buffer of ${size} bytes asked for (at most ${BUFFER_BYTES})`);
  return (idle.pop() ?? Buffer.allocUnsafeSlow(BUFFER_BYTES)).subarray(0, size);
}

/** Gives back a buffer from `takeBuffer` (nothing may use it after). */
export function giveBuffer(buf: Uint8Array): void {
  if (buf.buffer.byteLength !== BUFFER_BYTES || idle.length >= KEEP) return;
  idle.push(Buffer.from(buf.buffer as ArrayBuffer, 0, BUFFER_BYTES));
  // let go of them once scans stop needing them (a long-lived process keeps nothing)
  dropTimer?.refresh();
  dropTimer ??= setTimeout(() => {
    idle.length = 0;
    dropTimer = undefined;
  }, 2000).unref();
}
