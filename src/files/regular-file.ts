/**
 * The one way imgpolicy opens a file a user or an input names (an archive, a layout's
 * blob, a policy, an image list, a Dockerfile): only a regular file, checked before
 * opening and again on the open descriptor (the path may change in between), opened
 * without blocking (a FIFO would wait for a writer for ever) and, for a file read
 * whole, at most `maxBytes` of it (/dev/zero never ends). Errors say what the file
 * is, never what it holds.
 */
import { constants, type Stats } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { causeText } from "../errors.js";

/** Why a file could not be read: `reason` completes "cannot read FILE: …". */
export class FileReadError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot read ${path}: ${reason}`, options);
    this.name = "FileReadError";
  }
}

function kindOf(s: Stats): string {
  if (s.isDirectory()) return "a directory";
  if (s.isFIFO()) return "a FIFO";
  if (s.isSocket()) return "a socket";
  if (s.isCharacterDevice()) return "a character device";
  if (s.isBlockDevice()) return "a block device";
  return "not a regular file";
}

/** Why a file with these stats is not read: not a regular file, or over `maxBytes` (both readers use it). */
export function refusal(s: Stats, maxBytes: number, what: string): string | undefined {
  if (!s.isFile()) return `${kindOf(s)}, not a regular file`;
  if (s.size > maxBytes) return `${s.size} bytes, over the ${limitText(maxBytes)} limit for ${what}`;
  return undefined;
}

function limitText(n: number): string {
  return n >= 1 << 20 && n % (1 << 20) === 0 ? `${n >> 20} MiB` : `${n}-byte`;
}

/** Opens a regular file for reading (see above); the caller closes the handle. */
export async function openRegularFile(path: string, maxBytes = Infinity, what = "this file"): Promise<{ handle: FileHandle; size: number }> {
  const fail = (why: string, cause?: unknown): never => {
    throw new FileReadError(path, why, cause === undefined ? undefined : { cause });
  };
  const before = await stat(path).catch((err: unknown) => fail(causeText(err), err));
  const why = refusal(before, maxBytes, what);
  if (why) fail(why);
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY).catch((err: unknown) => fail(causeText(err), err));
  const now = await handle.stat();
  const changed = refusal(now, maxBytes, what);
  if (changed) {
    await handle.close();
    fail(changed);
  }
  return { handle, size: now.size };
}

/** A whole regular file of at most `maxBytes` (a file that grew past it after the check is caught too). */
export async function readRegularFile(path: string, maxBytes: number, what: string): Promise<Buffer> {
  const { handle } = await openRegularFile(path, maxBytes, what);
  try {
    const buf = Buffer.alloc(Math.min(maxBytes + 1, (await handle.stat()).size + 1));
    let length = 0;
    while (length < buf.length) {
      const { bytesRead } = await handle.read(buf, length, buf.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw new FileReadError(path, `over the ${limitText(maxBytes)} limit for ${what}`);
    return buf.subarray(0, length);
  } finally {
    await handle.close();
  }
}
