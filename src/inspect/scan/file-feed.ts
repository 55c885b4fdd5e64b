/**
 * Feeds a scan from a range of a local file, read on the scan's own thread (a
 * layer-scan worker): the main thread then moves no bytes.
 *
 * The reads are small and synchronous, into a few buffers used again and again: a
 * 128 KiB buffer stays in the CPU's cache between the kernel's copy into it, the
 * hash and the tar parser, where a 1 MiB one is evicted on the way and every pass
 * reads memory again (reading a layer and hashing it takes a third less time). A
 * compressed layer is read in bigger pieces (see COMPRESSED_CHUNK).
 * A read of that size takes microseconds, so the thread turns its event loop only
 * every few megabytes (to hear of an abort), or when a decompressor holds too
 * many chunks.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { SourceError, causeText } from "../../errors.js";
import type { Consumed } from "./scan-stored.js";
import type { FileRange } from "./stored-layer.js";

/** Bytes read at a time. */
const CHUNK = 128 << 10;
/**
 * Bytes read at a time into a decompressor: each write to zlib is a trip to libuv's
 * threads, and its output, not its input, is what gets hashed and parsed.
 */
const COMPRESSED_CHUNK = 1 << 20;
/** Bytes given to the target and not yet consumed (a decompressor holds some a while). */
const WINDOW = 4 << 20;
/** Bytes read between turns of the event loop. */
const TURN = 4 << 20;

/** What a file feed writes into: the scan (scan-stored.ts). */
export interface FeedTarget {
  readonly failed: boolean;
  /** The bytes go through a decompressor. */
  readonly compressed?: boolean;
  /** Told, before the first write, of the open file the bytes come from and where they start in it. */
  reading?(fd: number, start: number): void;
  write(chunk: Buffer, consumed: Consumed): void;
}

/** The descriptor to read `range` through: its own, or the file opened (the caller closes it when `range.fd` is unset). */
export function openRange(range: FileRange): number {
  if (range.fd !== undefined) return range.fd;
  const path = range.path ?? range.name;
  try {
    return openSync(path, "r");
  } catch (err) {
    throw new SourceError(`cannot open ${path}: ${causeText(err)}`, { cause: err });
  }
}

/**
 * Reads up to `length` bytes of `range`'s file at `pos` into `buf`: how many came, never
 * none (a file that ends before its range is a one-line SourceError, as a failed read is).
 */
export function readRange(range: FileRange, fd: number, buf: Buffer, length: number, pos: number): number {
  let n: number;
  try {
    n = readSync(fd, buf, 0, length, pos);
  } catch (err) {
    throw new SourceError(`${range.name}: read failed: ${causeText(err)}`, { cause: err });
  }
  if (n === 0) throw new SourceError(`${range.name}: unexpected end of file at offset ${pos}`);
  return n;
}

/** A turn of the event loop (to hear of an abort, to let other work in). */
export const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Writes the bytes of `range` into `target`, in order, until they are all written,
 * the target fails, or `stopped()` says to stop. Rejects with a one-line SourceError
 * when the file cannot be read or ends early.
 */
export async function feedFromFile(range: FileRange, target: FeedTarget, stopped: () => boolean): Promise<void> {
  const fd = openRange(range);
  const free: Buffer[] = [];
  let inFlight = 0;
  let sinceTurn = 0;
  let wake: (() => void) | undefined;
  const halt = () => stopped() || target.failed;
  target.reading?.(fd, range.start);
  try {
    for (let pos = range.start; pos < range.end && !halt(); ) {
      const size = target.compressed ? COMPRESSED_CHUNK : CHUNK;
      let buf = free.pop();
      if (buf?.length !== size) buf = Buffer.allocUnsafeSlow(size);
      const n = readRange(range, fd, buf, Math.min(size, range.end - pos), pos);
      pos += n;
      inFlight += n;
      // a plain tar is consumed before write returns, and its buffer is read into again at once
      const chunk = buf;
      target.write(n === buf.length ? buf : buf.subarray(0, n), (reusable) => {
        inFlight -= n;
        if (reusable) free.push(chunk);
        wake?.();
      });
      if (inFlight >= WINDOW) {
        while (inFlight >= WINDOW && !halt()) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        sinceTurn = 0;
      } else if ((sinceTurn += n) >= TURN) {
        sinceTurn = 0;
        await turn();
      }
    }
  } finally {
    if (range.fd === undefined) closeSync(fd);
  }
}
