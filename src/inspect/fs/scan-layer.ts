/**
 * One streaming pass over a layer tar: every header is recorded, file bytes
 * are kept only for the paths the caller asks for, ELF files are parsed as they
 * stream by, and small files are sniffed for private keys (file-watch.ts). Nothing
 * touches disk. The tar is read by scan/tar-parser.ts (node-tar's headers and
 * checks, without a stream per entry); what need not be seen may be skipped.
 */
import type { Readable, Transform } from "node:stream";
import { SourceError } from "../../errors.js";
import type { SparseBytes } from "../elf/sparse-bytes.js";
import { attachKinds, classifyPath } from "../parsers/path-kinds.js";
import { decompressor, sniffCompression } from "../layer/decompress.js";
import type { InterestSpec } from "../scan/interest-spec.js";
import { TarError, TarParser, type TarBody, type TarEntry } from "../scan/tar-parser.js";
import type { FileRecord, FileType } from "./file-record.js";
import { FileWatch } from "./file-watch.js";
import { baseName, normalizeEntryName, parentOf, PathEscapeError } from "./image-path.js";

export interface ScanInterest {
  /** Whether to keep the whole content of the regular file at `path`. */
  wantContent(path: string, size: number): boolean;
  /** Parse ELF files (default true). */
  elf?: boolean;
  /** Sniff files up to this size for private keys (default 64 KiB; 0 = off). */
  privateKeyMaxSize?: number;
  /** Classify each entry's path (parsers/path-kinds.ts), with these directories of the image's PATH. */
  pathDirs?: readonly string[];
  /** Kept files at these paths are CA bundles: the scan reads their certificates' expiries (`certExpiries`). */
  caBundles?: ReadonlySet<string>;
  /**
   * The same interest as plain data, when it has one (see `interestFromSpec`):
   * only then can the scan run in a worker thread, where `wantContent` cannot go.
   */
  spec?: InterestSpec;
}

export interface LayerIndex {
  layer: number;
  /** Entries in tar order, whiteout markers excluded. */
  files: FileRecord[];
  /** Paths deleted by `.wh.NAME` markers. */
  whiteouts: string[];
  /** Directories whose lower contents `.wh..wh..opq` hides. */
  opaque: string[];
  /** Sum of regular file sizes in the layer. */
  fileBytes: number;
}

const TYPES: Partial<Record<string, FileType>> = {
  File: "file",
  OldFile: "file",
  ContiguousFile: "file",
  Directory: "dir",
  SymbolicLink: "symlink",
  Link: "hardlink",
  CharacterDevice: "char",
  BlockDevice: "block",
  FIFO: "fifo",
};

/** A one-line SourceError for the layer, from whatever was thrown. */
function layerError(what: string, err: unknown): SourceError {
  return err instanceof SourceError ? err : new SourceError(`${what}: ${(err as Error).message ?? String(err)}`, { cause: err });
}

/**
 * The scan of one layer tar, fed synchronously: `write` each piece in order, then
 * `end`. Both throw a one-line SourceError naming the layer when the tar is bad.
 * It keeps no reference to a piece after `write` returns (what it keeps, it
 * copies), so the caller may reuse or hand on the buffer.
 */
export class LayerScan {
  readonly #index: LayerIndex;
  readonly #parser: TarParser;
  readonly #parseElf: boolean;
  readonly #keyMax: number;
  #error: SourceError | undefined;
  #sawEntry = false;
  #allZero = true;
  #tarAt: ((offset: number, size: number) => SparseBytes) | undefined;
  readonly #files: FileWatch;

  constructor(
    layer: number,
    private readonly what: string,
    private readonly interest: ScanInterest,
  ) {
    this.#index = { layer, files: [], whiteouts: [], opaque: [], fileBytes: 0 };
    this.#parseElf = interest.elf !== false;
    this.#keyMax = interest.privateKeyMaxSize ?? 64 * 1024;
    this.#files = new FileWatch(this.#parseElf, this.#keyMax, () => this.#tarAt, interest.caBundles);
    this.#parser = new TarParser({ entry: (e) => this.#entry(e) });
  }

  /**
   * The layer tar can also be read at any offset (an uncompressed layer in a local
   * file): an ELF file is then parsed from there, reading only what the parser asks
   * for, instead of being held while it streams by. Set before the first write.
   */
  readTarFrom(open: (offset: number, size: number) => SparseBytes): void {
    this.#tarAt = open;
  }

  write(chunk: Buffer): void {
    if (this.#error) throw this.#error;
    // what the tar format alone does not settle: an empty layer (no bytes, or only zero blocks) is a valid one
    if (this.#allZero) this.#allZero = isZero(chunk);
    try {
      this.#parser.write(chunk);
    } catch (err) {
      throw (this.#error ??= layerError(this.what, err));
    }
  }

  /** Bytes the scan does not need to see next (see TarParser.skippable): the caller may `skip` them. */
  get skippable(): number {
    return this.#error ? 0 : this.#parser.skippable;
  }

  skip(n: number): void {
    if (this.#error) throw this.#error;
    try {
      this.#parser.skip(n);
    } catch (err) {
      throw (this.#error ??= layerError(this.what, err));
    }
  }

  /** The end-of-archive blocks were read: what follows does not matter. */
  get finished(): boolean {
    return this.#parser.sawEof;
  }

  end(): LayerIndex {
    if (this.#error) throw this.#error;
    try {
      this.#parser.end();
    } catch (err) {
      const empty = !this.#sawEntry && this.#allZero && err instanceof TarError && err.tarCode === "TAR_BAD_ARCHIVE" && /Unrecognized archive format/.test(err.message);
      if (!empty) throw (this.#error = layerError(this.what, err));
    }
    // ...nor a tar cut inside a header block, which is not
    if (this.#parser.partialHeader > 0) throw (this.#error = new SourceError(`${this.what}: truncated tar: the layer ends inside a header block`));
    return this.#index;
  }

  /** Records an entry; returns what receives its content, for a regular file with some. */
  #entry(entry: TarEntry): TarBody | undefined {
    this.#sawEntry = true;
    const index = this.#index;
    let path: string;
    try {
      path = plainName(entry.path) ?? normalizeEntryName(entry.path);
    } catch (err) {
      if (err instanceof PathEscapeError) throw new SourceError(`${this.what}: ${err.message}`);
      throw err;
    }
    // (a whiteout is rare: the name is cut out only for one)
    if (path.startsWith(".wh.", path.lastIndexOf("/") + 1)) {
      const name = baseName(path);
      if (name === ".wh..wh..opq") index.opaque.push(parentOf(path));
      else index.whiteouts.push(parentOf(path) === "/" ? `/${name.slice(4)}` : `${parentOf(path)}/${name.slice(4)}`);
      return undefined;
    }
    if (path === "/") return undefined; // the root itself
    const type = TYPES[entry.type] ?? "other";
    const rec: FileRecord = {
      path,
      type,
      mode: (entry.mode ?? 0) & 0o7777,
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      size: type === "file" ? entry.size : 0,
      layer: index.layer,
    };
    if (type === "symlink") rec.linkname = entry.linkpath ?? "";
    if (type === "hardlink") {
      try {
        rec.linkname = normalizeEntryName(entry.linkpath ?? "");
      } catch (err) {
        throw new SourceError(`${this.what}: hardlink ${path} ${(err as Error).message}`);
      }
    }
    if (this.interest.pathDirs) attachKinds(rec, classifyPath(path, this.interest.pathDirs));
    index.files.push(rec);
    if (type !== "file" || rec.size === 0) return undefined;
    index.fileBytes += rec.size;
    return this.#files.watch(rec, this.#parser.bodyOffset, this.interest.wantContent(rec.path, rec.size));
  }
}

/**
 * Scans a layer tar from a stream. A layer that is still compressed (gzip or zstd
 * inside) is read as the tar inside it, as node-tar would.
 */
export function scanLayer(stream: Readable, layer: number, what: string, interest: ScanInterest): Promise<LayerIndex> {
  const scan = new LayerScan(layer, what, interest);
  return new Promise<LayerIndex>((resolve, reject) => {
    let failed = false;
    let inflate: Transform | undefined;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      stream.destroy();
      inflate?.destroy();
      reject(layerError(what, err));
    };
    const feed = (chunk: Buffer) => {
      if (failed) return;
      try {
        scan.write(chunk);
      } catch (err) {
        fail(err);
      }
    };
    const finish = () => {
      if (failed) return;
      try {
        resolve(scan.end());
      } catch (err) {
        fail(err);
      }
    };

    // decided on the first bytes: the tar itself, or a compressed one
    let head: Buffer[] | undefined = [];
    let headBytes = 0;
    const start = () => {
      const first = head!.length === 1 ? head![0]! : Buffer.concat(head!);
      head = undefined;
      const compression = sniffCompression(first);
      if (compression !== "none") {
        inflate = decompressor(compression);
        inflate.on("data", feed);
        inflate.on("error", (err: Error) => fail(new SourceError(`${what}: cannot decompress: ${err.message}`, { cause: err })));
        inflate.on("end", finish);
        inflate.on("drain", () => stream.resume());
      }
      push(first);
    };
    const push = (chunk: Buffer) => {
      if (!inflate) return feed(chunk);
      if (!inflate.write(chunk)) stream.pause();
    };
    stream.on("error", fail);
    stream.on("data", (chunk: Buffer) => {
      if (failed) return;
      if (head === undefined) return push(chunk);
      head.push(chunk);
      headBytes += chunk.length;
      if (headBytes >= 4) start();
    });
    stream.on("end", () => {
      if (failed) return;
      if (head !== undefined) start();
      if (inflate) inflate.end();
      else finish();
    });
  });
}

/**
 * The image path of a tar name that is already normal but for the leading "/" (no
 * empty, "." or ".." segment; a trailing "/" at most): the common case, as
 * normalizeEntryName would give it, without splitting. Undefined for any other name.
 */
function plainName(name: string): string | undefined {
  const c = name.charCodeAt(0);
  if (name.length === 0 || c === 0x2f || c === 0x2e || name.includes("//") || name.includes("/.")) return undefined;
  return "/" + (name.charCodeAt(name.length - 1) === 0x2f ? name.slice(0, -1) : name);
}

function isZero(chunk: Buffer): boolean {
  for (let i = 0; i < chunk.length; i++) if (chunk[i] !== 0) return false;
  return true;
}
