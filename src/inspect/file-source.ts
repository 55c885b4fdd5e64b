/**
 * A read-only, path-keyed view of where an image's files live: a directory
 * (OCI layout on disk) or a tar archive (docker save, OCI layout tar).
 * The docker-archive and OCI-layout readers share it as their blob store.
 */
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { SourceError, causeText } from "../errors.js";
import { openFile, type RandomAccessFile } from "./random-access.js";
import type { ArchiveTree, FileNode } from "./archive-tree.js";
import { indexTar } from "./tar-index.js";

/** Where a file's bytes lie in a local file, [start, end): read through its open descriptor, or by its path. Plain data: it crosses threads. */
export interface FilePlace {
  fd?: number;
  path?: string;
  start: number;
  end: number;
}

export interface FileSource {
  /** For messages. */
  readonly name: string;
  exists(path: string): Promise<boolean>;
  size(path: string): Promise<number>;
  /** Reads a small file whole; refuses files larger than `limit`. */
  readAll(path: string, limit?: number): Promise<Buffer>;
  /** Streams a file (a fresh stream each call). */
  open(path: string): Promise<Readable>;
  /** Where a file's bytes lie in a local file, when they do (a layer scan in a worker thread reads them itself; a plain layer's ELF files are read at random). */
  locate?(path: string): Promise<FilePlace | undefined>;
  close(): Promise<void>;
  /**
   * True when `open()` of a `blobs/<alg>/<hex>` path already fails on bytes that do not
   * hash to that digest (the registry source checks while downloading), so readers
   * need not hash the stored bytes again.
   */
  readonly verifiesDigests?: boolean;
}

const DEFAULT_LIMIT = 64 << 20;

function missing(source: string, path: string): SourceError {
  return new SourceError(`${source}: ${path} is missing`);
}

/**
 * A tar archive read as the directory `docker load` extracts it to: names cleaned,
 * the last entry for a path wins, hardlinks bound at the time they are written,
 * symlinks followed within the archive (archive-tree.ts).
 */
export class TarFileSource implements FileSource {
  private constructor(
    private readonly file: RandomAccessFile,
    private readonly tree: ArchiveTree,
  ) {}

  static async open(file: RandomAccessFile): Promise<TarFileSource> {
    try {
      return new TarFileSource(file, await indexTar(file));
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  get name(): string {
    return this.file.name;
  }

  #entry(path: string): FileNode {
    const n = this.tree.lookup(path);
    if (!n) throw missing(this.name, path);
    if (n.kind === "file") return n;
    const what = n.kind === "other" ? n.what : n.kind === "dir" ? "a directory" : "a symlink";
    throw new SourceError(`${this.name}: ${path} is ${what}, not a regular file`);
  }

  async exists(path: string): Promise<boolean> {
    return this.tree.lookup(path) !== undefined;
  }

  async size(path: string): Promise<number> {
    return this.#entry(path).size;
  }

  async readAll(path: string, limit = DEFAULT_LIMIT): Promise<Buffer> {
    const e = this.#entry(path);
    if (e.size > limit) throw new SourceError(`${this.name}: ${path} is ${e.size} bytes, more than the ${limit} expected`);
    return this.file.read(e.offset, e.size);
  }

  async open(path: string): Promise<Readable> {
    const e = this.#entry(path);
    return this.file.stream(e.offset, e.offset + e.size);
  }

  async locate(path: string): Promise<FilePlace | undefined> {
    const e = this.#entry(path);
    const fd = this.file.fd;
    return fd === undefined ? undefined : { fd, start: e.offset, end: Math.min(e.offset + e.size, this.file.size) };
  }

  close(): Promise<void> {
    return this.file.close();
  }

  /** Paths of the regular files, for format detection. */
  names(): string[] {
    return this.tree.files();
  }
}

export class DirFileSource implements FileSource {
  private readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }

  get name(): string {
    return this.root;
  }

  #path(path: string): string {
    const full = resolve(join(this.root, path));
    if (full !== this.root && !full.startsWith(this.root + sep)) {
      throw new SourceError(`${this.root}: path ${path} escapes the layout directory`);
    }
    return full;
  }

  async exists(path: string): Promise<boolean> {
    try {
      await stat(this.#path(path));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The size of a file of the layout, which must be a regular file inside it (a
   * symlink may lead elsewhere in the layout, not out of it; a FIFO or a device is refused).
   */
  async size(path: string): Promise<number> {
    const full = this.#path(path);
    let real: string;
    try {
      real = await realpath(full);
    } catch {
      throw missing(this.name, path);
    }
    const root = await realpath(this.root);
    if (real !== root && !real.startsWith(root + sep)) throw new SourceError(`${this.root}: ${path} leads out of the layout directory`);
    const st = await stat(real);
    if (!st.isFile()) throw new SourceError(`${this.root}: ${path} is not a regular file`);
    return st.size;
  }

  async readAll(path: string, limit = DEFAULT_LIMIT): Promise<Buffer> {
    const size = await this.size(path);
    if (size > limit) throw new SourceError(`${this.name}: ${path} is ${size} bytes, more than the ${limit} expected`);
    const file = await openFile(this.#path(path));
    try {
      return await file.read(0, size);
    } finally {
      await file.close();
    }
  }

  async open(path: string): Promise<Readable> {
    await this.size(path);
    return createReadStream(this.#path(path), { highWaterMark: 1 << 20 });
  }

  async locate(path: string): Promise<FilePlace | undefined> {
    return { path: this.#path(path), start: 0, end: await this.size(path) };
  }

  async close(): Promise<void> {}
}

/** Opens a path as a directory source or, for a file, as a tar source. */
export async function openFileSource(path: string): Promise<FileSource> {
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    throw new SourceError(`cannot open ${path}: ${causeText(err)}`, { cause: err });
  }
  if (st.isDirectory()) return new DirFileSource(path);
  return TarFileSource.open(await openFile(path));
}
