/**
 * One streaming pass over a layer tar: every header is recorded, file bytes
 * are kept only for the paths the caller asks for, ELF files are parsed as they
 * stream by, and the first MiB of other files is searched for private keys (file-watch.ts). Nothing
 * touches disk. The tar is read by the project's one tar reader (src/tar, which reads
 * as Go's archive/tar does); what need not be seen may be skipped. Entries are taken
 * as the engine's overlay storage applies a layer: names cleaned, `.wh.` markers (AUFS's
 * metadata under /.wh..wh.* is no exception: the engine unpacks it as any other entry).
 */
import type { Readable, Transform } from "node:stream";
import { SourceError } from "../../errors.js";
import type { SparseBytes } from "../elf/sparse-bytes.js";
import { PRIVATE_KEY_SCAN_BYTES } from "../parsers/private-key.js";
import type { SecretContentFinding } from "../parsers/secret-contents.js";
import { decompressor, sniffCompression } from "../layer/decompress.js";
import type { InterestSpec } from "../scan/interest-spec.js";
import { fileCapabilities } from "../parsers/file-capabilities.js";
import { DEFAULT_LIMITS, MAX_NAME_BYTES, maxNameBytes, tooManyEntries, tooManyNameBytes, tooMuchKept, type ScanLimits } from "../limits.js";
import { TarReader, type TarBody, type TarEntry } from "../../tar/reader.js";
import type { FileRecord, FileType } from "./file-record.js";
import { FileWatch } from "./file-watch.js";
import { baseName, normalizeEntryName, parentOf, PathEscapeError } from "./image-path.js";

export interface ScanInterest {
  /** Whether to keep the whole content of the regular file at `path`. */
  wantContent(path: string, size: number): boolean;
  /** Parse ELF files (default true). */
  elf?: boolean;
  /** Bytes of each file that is not ELF searched for a private key (default PRIVATE_KEY_SCAN_BYTES, 1 MiB; 0 = off). */
  privateKeyScanBytes?: number;
  /** What one layer may hold before the scan refuses it (default: limits.ts). */
  limits?: ScanLimits;
  /** Whether the file at `path` is left out of the search for token formats (default: none is). */
  skipTokenSearch?: (path: string) => boolean;
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
  /**
   * What the content pass found: the files of this layer whose content holds a private
   * key (or that say they are PEM and were not searched to their end), by path. A path
   * that a later entry of the layer names again is not listed for that entry.
   */
  privateKeys?: PrivateKeyFinding[];
  /**
   * Known token formats found in the content of this layer's text files (secret-contents.ts),
   * by path, as the private keys are: kind, line, redacted form and sha256, never the value.
   */
  secretTokens?: SecretTokenFinding[];
}

export interface SecretTokenFinding extends SecretContentFinding {
  path: string;
}

export interface PrivateKeyFinding {
  path: string;
  /** What kind of key (parsers/private-key.ts), or UNSCANNED_PEM. */
  kind: string;
}


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
class LayerScan {
  readonly #index: LayerIndex;
  readonly #parser: TarReader;
  readonly #limits: ScanLimits;
  #entries = 0;
  /** Characters of the entries' names and link targets so far. */
  #nameBytes = 0;
  /** Bytes of content kept in this layer, and the record kept at each path (a later one at the same path replaces it). */
  #keptBytes = 0;
  #kept: Map<string, FileRecord> | undefined;
  readonly #parseElf: boolean;
  readonly #keyScan: number;
  #error: SourceError | undefined;
  readonly #tarAt: TarAt | undefined;
  readonly #files: FileWatch;
  /** Private keys found so far in this layer's files, by path. */
  #keys: Map<string, string> | undefined;
  /** Tokens found so far in this layer's files, by path. */
  #tokens: Map<string, SecretContentFinding[]> | undefined;

  constructor(
    layer: number,
    private readonly what: string,
    private readonly interest: ScanInterest,
    tarAt?: TarAt,
  ) {
    this.#tarAt = tarAt;
    this.#index = { layer, files: [], whiteouts: [], opaque: [], fileBytes: 0 };
    this.#limits = interest.limits ?? DEFAULT_LIMITS;
    this.#parseElf = interest.elf !== false;
    this.#keyScan = interest.privateKeyScanBytes ?? PRIVATE_KEY_SCAN_BYTES;
    this.#files = new FileWatch(
      this.#parseElf,
      this.#keyScan,
      this.#tarAt,
      (rec, kind) => (this.#keys ??= new Map()).set(rec.path, kind),
      (rec, found) => (this.#tokens ??= new Map()).set(rec.path, found),
      interest.skipTokenSearch,
    );
    this.#parser = new TarReader({ entry: (e) => this.#entry(e) });
  }

  write(chunk: Buffer): void {
    if (this.#error) throw this.#error;
    try {
      this.#parser.write(chunk);
    } catch (err) {
      throw (this.#error ??= layerError(this.what, err));
    }
  }

  /** Bytes from here on that the scan need not see (`TarReader.skippable`): the caller may `skip` them rather than write them. */
  get skippable(): number {
    return this.#error ? 0 : this.#parser.skippable;
  }

  skip(n: number): void {
    this.#parser.skip(n);
  }

  end(): LayerIndex {
    if (this.#error) throw this.#error;
    try {
      this.#parser.end();
    } catch (err) {
      throw (this.#error = layerError(this.what, err));
    }
    if (this.#keys !== undefined) this.#index.privateKeys = [...this.#keys].map(([path, kind]) => ({ path, kind }));
    if (this.#tokens !== undefined && this.#tokens.size > 0) this.#index.secretTokens = [...this.#tokens].flatMap(([path, found]) => found.map((f) => ({ path, ...f })));
    return this.#index;
  }

  /** Records an entry; returns what receives its content, for a regular file with some. */
  #entry(entry: TarEntry): TarBody | undefined {
    const index = this.#index;
    if (++this.#entries > this.#limits.maxEntries) throw new SourceError(`${this.what}: ${tooManyEntries(this.#limits)}`);
    if ((this.#nameBytes += entry.path.length + entry.linkpath.length) > maxNameBytes(this.#limits)) throw new SourceError(`${this.what}: ${tooManyNameBytes(this.#limits)}`);
    if (entry.path.length > MAX_NAME_BYTES / 4 || entry.linkpath.length > MAX_NAME_BYTES / 4) this.#checkNames(entry);
    let path: string;
    try {
      path = plainName(entry.path) ?? normalizeEntryName(entry.path);
    } catch (err) {
      if (err instanceof PathEscapeError) throw new SourceError(`${this.what}: ${err.message}`);
      throw err;
    }
    // (a whiteout is rare: the name is cut out only for one)
    const slash = path.lastIndexOf("/");
    if (path.startsWith(".wh.", slash + 1)) return this.#marker(path);
    if (path === "/") return undefined; // the root itself
    this.#keys?.delete(path); // (what was found is an earlier entry's)
    this.#tokens?.delete(path);
    const type: FileType = entry.type;
    let rec: FileRecord;
    if (type === "hardlink") {
      let target: string;
      try {
        target = normalizeEntryName(entry.linkpath);
      } catch (err) {
        throw new SourceError(`${this.what}: hardlink ${path} ${(err as Error).message}`);
      }
      rec = { path, type, mode: entry.mode & 0o7777, uid: entry.uid, gid: entry.gid, size: 0, layer: index.layer, linkname: target };
    } else {
      rec = { path, type, mode: entry.mode & 0o7777, uid: entry.uid, gid: entry.gid, size: type === "file" ? entry.size : 0, layer: index.layer };
      if (type === "symlink") rec.linkname = entry.linkpath;
    }
    // (a hardlink's header sets them on the file it names: file-tree.ts)
    const caps = type === "file" || type === "hardlink" ? entry.xattrs?.get("security.capability") : undefined;
    if (caps !== undefined) {
      const granted = fileCapabilities(caps);
      if (granted) rec.capabilities = granted;
    }
    index.files.push(rec);
    if (type !== "file" || rec.size === 0) return undefined;
    index.fileBytes += rec.size;
    const keep = this.interest.wantContent(rec.path, rec.size);
    if (keep) this.#reserve(rec);
    // a sparse file's body is its logical content, holes filled in (tar/sparse-body.ts)
    return this.#files.watch(rec, this.#parser.bodyOffset, keep, entry.sparse);
  }

  /** Names over PATH_MAX, which the engine cannot create either. */
  #checkNames(entry: TarEntry): void {
    for (const [what, name] of [["name", entry.path], ["link target", entry.linkpath]] as const) {
      const bytes = Buffer.byteLength(name);
      if (bytes > MAX_NAME_BYTES) {
        throw new SourceError(`${this.what}: an entry's ${what} of ${bytes} bytes (starting '${name.slice(0, 40)}…') is longer than PATH_MAX (${MAX_NAME_BYTES}): the engine could not create it`);
      }
    }
  }

  /** Counts a kept file against the limit; the content of an earlier entry at its path in this layer is let go. */
  #reserve(rec: FileRecord): void {
    const kept = (this.#kept ??= new Map());
    const before = kept.get(rec.path);
    if (before !== undefined) {
      this.#keptBytes -= before.size;
      delete before.content;
    }
    kept.set(rec.path, rec);
    this.#keptBytes += rec.size;
    if (this.#keptBytes > this.#limits.maxKeptBytes) throw new SourceError(`${this.what}: ${tooMuchKept(this.#limits, rec.path)}`);
  }

  /**
   * A name in the `.wh.` namespace, as the engine takes it: `.wh..wh..opq` hides the lower
   * contents of its directory, `.wh.NAME` deletes NAME (AUFS's `.wh..wh.plnk` too: a
   * whiteout of `.wh.plnk`; what lies below it is unpacked as any entry), and a bare
   * `.wh.` its own directory.
   */
  #marker(path: string): undefined {
    const index = this.#index;
    const name = baseName(path);
    const parent = parentOf(path);
    if (name === ".wh..wh..opq") index.opaque.push(parent);
    else if (name === ".wh.." || name === ".wh...") {
      // a whiteout of '.' or '..' would delete a directory above the one it is in, or the root
      throw new SourceError(`${this.what}: whiteout '${path.slice(1)}' names '${name.slice(4)}', which is no entry of its directory`);
    } else if (name === ".wh.") {
      if (parent !== "/") index.whiteouts.push(parent);
    } else index.whiteouts.push(parent === "/" ? `/${name.slice(4)}` : `${parent}/${name.slice(4)}`);
    return undefined;
  }
}

/** The scan of one layer tar fed synchronously (see `LayerScan`): `write` each piece in order, then `end`. */
export function layerScan(layer: number, what: string, interest: ScanInterest, tarAt?: TarAt): Pick<LayerScan, "write" | "skippable" | "skip" | "end"> {
  return new LayerScan(layer, what, interest, tarAt);
}

/** The layer tar read at any offset (an uncompressed layer in a local file): an ELF file is parsed from there, reading only what the parser asks for. */
export type TarAt = (offset: number, size: number) => SparseBytes;

export interface ScanLayerOptions {
  /** The same tar, read at any offset (used only when the tar is not itself compressed). */
  tarAt?: TarAt;
  /** Told of each chunk of the stream that nothing refers to any more (its buffer may be used again). */
}

/**
 * Scans a layer tar from a stream. A layer that is still compressed (gzip or zstd
 * inside) is read as the tar inside it, as node-tar would.
 */
export function scanLayer(stream: Readable, layer: number, what: string, interest: ScanInterest, opts: ScanLayerOptions = {}): Promise<LayerIndex> {
  const { tarAt } = opts;
  let scan = new LayerScan(layer, what, interest);
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
      if (compression === "none" && tarAt) scan = new LayerScan(layer, what, interest, tarAt);
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
