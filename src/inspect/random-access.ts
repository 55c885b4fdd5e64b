/**
 * A file that can be read at any offset and streamed in ranges: the ground the
 * docker-archive and OCI-layout-tar readers stand on. A stream from the engine is
 * spooled into an unlinked temporary file and read the same way.
 */
import { mkdtempSync, read, rmSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { SourceError, causeText } from "../errors.js";
import { FileReadError, openRegularFile } from "../files/regular-file.js";

export interface RandomAccessFile {
  /** For messages: the path or a description of where the bytes came from. */
  readonly name: string;
  readonly size: number;
  /** The open file descriptor, when the bytes are in a file (another thread may read through it while the file is open). */
  readonly fd?: number;
  /** Reads exactly `length` bytes at `position` (fewer only at the end of the file). */
  read(position: number, length: number): Promise<Buffer>;
  /** A stream of the bytes in [start, end). */
  stream(start: number, end: number): Readable;
  close(): Promise<void>;
}

const CHUNK = 1 << 20;

type ReadAt = (buf: Buffer, length: number, position: number) => Promise<number>;

/** Streams [pos, end) of an open file with positioned reads, leaving the file open. */
class RangeStream extends Readable {
  #pos: number;
  constructor(
    private readonly readAt: ReadAt,
    start: number,
    private readonly end: number,
    private readonly name: string,
  ) {
    super({ highWaterMark: CHUNK });
    this.#pos = start;
  }

  override _read(): void {
    const len = Math.min(CHUNK, this.end - this.#pos);
    if (len <= 0) {
      this.push(null);
      return;
    }
    const buf = Buffer.allocUnsafe(len);
    this.readAt(buf, len, this.#pos).then(
      (bytesRead) => {
        if (bytesRead === 0) {
          this.destroy(new SourceError(`${this.name}: unexpected end of file at offset ${this.#pos}`));
          return;
        }
        this.#pos += bytesRead;
        this.push(bytesRead === len ? buf : buf.subarray(0, bytesRead));
      },
      (err: unknown) => this.destroy(new SourceError(`${this.name}: read failed: ${causeText(err)}`, { cause: err })),
    );
  }

}

/** Streams [start, end) of a file open as `fd` (in any thread of the process), leaving it open. */
export function fdRangeStream(fd: number, start: number, end: number, name: string): Readable {
  const readAt: ReadAt = (buf, length, position) =>
    new Promise((resolve, reject) => read(fd, buf, 0, length, position, (err, n) => (err ? reject(err) : resolve(n))));
  return new RangeStream(readAt, start, end, name);
}

class HandleFile implements RandomAccessFile {
  #closed = false;
  constructor(
    readonly name: string,
    readonly size: number,
    private readonly handle: FileHandle,
  ) {}

  get fd(): number | undefined {
    return this.#closed ? undefined : this.handle.fd;
  }

  async read(position: number, length: number): Promise<Buffer> {
    const len = Math.max(0, Math.min(length, this.size - position));
    const buf = Buffer.allocUnsafe(len);
    let off = 0;
    while (off < len) {
      const { bytesRead } = await this.handle.read(buf, off, len - off, position + off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return off === len ? buf : buf.subarray(0, off);
  }

  stream(start: number, end: number): Readable {
    const readAt: ReadAt = async (buf, length, position) => (await this.handle.read(buf, 0, length, position)).bytesRead;
    return new RangeStream(readAt, start, Math.min(end, this.size), this.name);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.handle.close();
  }
}

/** A regular file, for random access (files/regular-file.ts: never a FIFO or a device). */
export async function openFile(path: string): Promise<RandomAccessFile> {
  try {
    const { handle, size } = await openRegularFile(path);
    return new HandleFile(path, size, handle);
  } catch (err) {
    if (err instanceof FileReadError) throw new SourceError(err.reason.endsWith("not a regular file") ? `${path} is ${err.reason}` : `cannot open ${path}: ${err.reason}`, { cause: err });
    throw err;
  }
}

/**
 * Writes a stream to a temporary file and returns it for random access; at most
 * `maxBytes` of it (past that, a SourceError with `tooBig`'s message).
 *
 * The file is removed from its directory (and the directory with it) as soon as it is
 * open, before the first byte is written: it lives on through the open handle only, so
 * however the process ends (an error, SIGINT, SIGTERM, even SIGKILL) the kernel frees it
 * and nothing is left in $TMPDIR. Only the few microseconds of the open itself could
 * leave an empty directory behind.
 */
export async function spoolToTempFile(stream: Readable, name: string, maxBytes = Infinity, tooBig?: () => string): Promise<RandomAccessFile> {
  // the spool learns of the first error as it reads; a stream may report one again after
  // the spool has let go of it (zlib does, for a cut gzip stream), which must not surface
  // as an unhandled 'error' event
  stream.on("error", () => {});
  let handle: FileHandle;
  let dir: string | undefined;
  try {
    dir = mkdtempSync(join(tmpdir(), "imgpolicy-"));
    handle = await open(join(dir, "spool"), "wx+", 0o600);
  } catch (err) {
    stream.destroy();
    throw new SourceError(`${name}: cannot create a temporary file in ${tmpdir()}: ${causeText(err)}`, { cause: err });
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
  try {
    // positioned writes, not handle.createWriteStream(): a write stream that does
    // not close the handle keeps a reference that makes handle.close() wait forever
    let pos = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (pos + chunk.length > maxBytes) {
        stream.destroy();
        throw new SourceError(tooBig?.() ?? `${name}: more than ${maxBytes} bytes to spool`);
      }
      let off = 0;
      while (off < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, off, chunk.length - off, pos);
        off += bytesWritten;
        pos += bytesWritten;
      }
    }
    return new HandleFile(name, pos, handle);
  } catch (err) {
    stream.destroy();
    await handle.close().catch(() => {});
    throw err;
  }
}

/** A RandomAccessFile over bytes already in memory (tests, small inputs). */
export function memoryFile(name: string, bytes: Buffer): RandomAccessFile {
  return {
    name,
    size: bytes.length,
    async read(position, length) {
      return bytes.subarray(position, Math.min(bytes.length, position + length));
    },
    stream(start, end) {
      return Readable.from([bytes.subarray(start, end)]);
    },
    async close() {},
  };
}

