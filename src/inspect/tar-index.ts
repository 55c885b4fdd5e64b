/**
 * Indexes the entries of a tar file by reading only its headers (seeking past
 * the data), so that an image archive's blobs can be streamed on demand. The
 * headers are read by the project's one tar reader (src/tar).
 */
import { SourceError } from "../errors.js";
import { TarFormatError, TarReader, type TarEntry } from "../tar/reader.js";
import type { RandomAccessFile } from "./random-access.js";

export interface TarIndexEntry {
  name: string;
  /** Offset of the entry's data in the file. */
  offset: number;
  size: number;
  type: "file" | "dir" | "symlink" | "hardlink" | "other";
  linkname?: string;
}

const BLOCK = 512;

function normalizeName(name: string): string {
  let n = name;
  while (n.startsWith("./")) n = n.slice(2);
  if (n.endsWith("/")) n = n.slice(0, -1);
  return n;
}

function typeOf(e: TarEntry): TarIndexEntry["type"] {
  if (e.sparse) return "other"; // its stored bytes are not its content
  return e.type === "file" || e.type === "dir" || e.type === "symlink" || e.type === "hardlink" ? e.type : "other";
}

export async function indexTar(file: RandomAccessFile): Promise<Map<string, TarIndexEntry>> {
  const entries = new Map<string, TarIndexEntry>();
  const reader = new TarReader({
    entry(e) {
      const name = normalizeName(e.path);
      const offset = reader.bodyOffset;
      if (e.type === "file" && !e.sparse && offset + e.size > file.size) {
        throw new SourceError(`${file.name}: truncated: entry ${name} needs ${e.size} bytes past the end of the file`);
      }
      entries.set(name, { name, offset, size: e.type === "file" ? e.size : 0, type: typeOf(e), ...(e.linkpath ? { linkname: e.linkpath } : {}) });
      return undefined;
    },
  });
  try {
    let pos = 0;
    while (pos < file.size && !reader.sawEof) {
      const skip = reader.skippable;
      if (skip > 0) {
        const n = Math.min(skip, file.size - pos);
        reader.skip(n);
        pos += n;
        continue;
      }
      const block = await file.read(pos, Math.min(BLOCK, file.size - pos));
      if (block.length === 0) break;
      reader.write(block);
      pos += block.length;
    }
    reader.end();
  } catch (err) {
    if (!(err instanceof TarFormatError)) throw err;
    const message = err.message.startsWith("not a tar archive") ? "not a tar archive" : err.message;
    throw new SourceError(`${file.name}: ${message}`, { cause: err });
  }
  if (entries.size === 0) throw new SourceError(`${file.name}: not a tar archive (empty or no entries)`);
  return entries;
}
