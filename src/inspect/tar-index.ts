/**
 * Indexes the entries of a tar file by reading only its headers (seeking past
 * the data), so that an image archive's blobs can be streamed on demand. The
 * headers are read by the project's one tar reader (src/tar); the index is the
 * directory `docker load` would extract them to (archive-tree.ts).
 */
import { SourceError } from "../errors.js";
import { TarFormatError, TarReader } from "../tar/reader.js";
import { ArchiveTree } from "./archive-tree.js";
import type { RandomAccessFile } from "./random-access.js";

const BLOCK = 512;

export async function indexTar(file: RandomAccessFile): Promise<ArchiveTree> {
  const tree = new ArchiveTree(file.name);
  const reader = new TarReader({
    entry(e) {
      const offset = reader.bodyOffset;
      if (e.type === "file" && !e.sparse && offset + e.size > file.size) {
        throw new SourceError(`${file.name}: truncated: entry ${e.path} needs ${e.size} bytes past the end of the file`);
      }
      tree.add({ name: e.path, typeflag: e.typeflag, type: e.type, offset, size: e.type === "file" ? e.size : 0, linkname: e.linkpath, sparse: e.sparse });
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
  if (tree.entryCount === 0) throw new SourceError(`${file.name}: not a tar archive (empty or no entries)`);
  return tree;
}
