/** What the tar reader (reader.ts) hands on: entries, bodies, and its one error. */

export type TarEntryType = "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo" | "other";

export interface TarEntry {
  /** The name as written (pax and GNU long names applied), not normalised. */
  path: string;
  type: TarEntryType;
  /** The typeflag as written ("0", "5", "S", "\0", ...). */
  typeflag: string;
  /** The mode field as written (not masked). */
  mode: number;
  uid: number;
  gid: number;
  /** The file's size (the logical size for a sparse file); 0 for header-only types. */
  size: number;
  /** Target of a symlink or hardlink ("" for other types, whatever the header holds). */
  linkpath: string;
  /** A GNU sparse file: its body is its logical content (holes as zeros, sparse-body.ts), not the fragments stored. */
  sparse: boolean;
  /** SCHILY.xattr.* pax records, when there are any. */
  xattrs: ReadonlyMap<string, string> | undefined;
}

/**
 * Receives the body of an entry: the bytes in order, then the end (not called when
 * the tar is cut short). `data` returning false means it needs no more of them: the
 * rest of the body is then not passed on, and may be skipped (`TarReader.skippable`).
 */
export interface TarBody {
  data(chunk: Buffer): boolean | void;
  end(): void;
  /**
   * Optional: `length` bytes of zeros (a hole of a sparse file), given by their length
   * instead of as `data`; false, as from `data`, when no more is needed.
   */
  hole?(length: number): boolean | void;
}

export interface TarHandler {
  /** A file-system entry (an object used again for the next one: read it, do not keep it); return a TarBody to receive its content. */
  entry(e: TarEntry): TarBody | undefined;
  /** The end-of-archive blocks were read; anything after them is ignored. */
  eof?(): void;
}

export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TarFormatError";
  }
}
