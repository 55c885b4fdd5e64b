/**
 * The synchronous twin of readRegularFile(), for the few small files read while an
 * object is constructed (the engine's TLS certificates, docker contexts, config.json):
 * a regular file only, opened without blocking (a FIFO would wait for a writer for
 * ever), at most `maxBytes` of it. Errors say what the file is, never what it holds.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { causeText } from "../errors.js";
import { FileReadError, refusal } from "./regular-file.js";

/** Whether a FileReadError says the file is not there (so a caller may treat it as absent). */
export function isMissing(err: unknown): boolean {
  const code = ((err as { cause?: unknown } | undefined)?.cause as NodeJS.ErrnoException | undefined)?.code;
  return err instanceof FileReadError && (code === "ENOENT" || code === "ENOTDIR");
}

/** A whole regular file of at most `maxBytes`, read synchronously. */
export function readSmallFileSync(path: string, maxBytes: number, what: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw new FileReadError(path, causeText(err), { cause: err });
  }
  try {
    const st = fstatSync(fd);
    const why = refusal(st, maxBytes, what);
    if (why) throw new FileReadError(path, why);
    const buf = Buffer.alloc(Math.min(maxBytes, st.size) + 1);
    let length = 0;
    while (length < buf.length) {
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > maxBytes) throw new FileReadError(path, `over the ${maxBytes}-byte limit for ${what}`);
    return buf.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}
