/**
 * The project's one tar reader: a synchronous, push-fed parser that accepts what Go's
 * archive/tar accepts (the reader the engine, BuildKit, containerd, dockle and trivy
 * read layers with) and rejects only what it rejects: a header whose checksum or
 * numbers do not decode, a malformed pax record, a zero block followed by data, a
 * special header over 1 MiB, input cut inside an entry.
 *
 * - pax records (path, linkpath, size, uid, gid, SCHILY.xattr.*, GNU.sparse.*) apply to
 *   the next entry; global headers are read and checked, then ignored, as the engine does.
 * - GNU long names and links (L, K), old-GNU, ustar, star and V7 headers, base-256 numbers.
 * - A link name on an entry that is not a link is ignored (the engine's overlayfs
 *   whiteouts carry one); header-only types (links, devices, directories, FIFOs) have
 *   no body whatever their size field says; V7's regular-file flag with a trailing "/"
 *   is a directory.
 * - GNU sparse files (old 'S', pax 0.0, 0.1, 1.0) are reported with their logical size,
 *   and their body is their logical content, holes as zeros (sparse-body.ts), as Go reads it.
 *
 * File bodies are passed on as views of the chunks written; nothing keeps a reference to
 * a chunk after `write` returns (a header split over chunks and pax records are copied).
 * Errors are thrown from `write` and `end` as TarFormatError, naming the entry.
 */
import { WordView } from "./checksum.js";
import { TarFormatError, type TarBody, type TarEntry, type TarEntryType, type TarHandler } from "./entry.js";
import { decodeHeader, emptyHeader, HeaderFieldError, isZeroBlock, text, type RawHeader } from "./header.js";
import { checkPaxTimes, paxInteger, parsePax, PaxError, type PaxRecords } from "./pax.js";
import { SparseBody } from "./sparse-body.js";
import { oldGnuEntries, paxSparse, SparseError, SparseMap1x0, storedBytes, validSparseMap, type PaxSparse, type SparseMap } from "./sparse.js";

export { TarFormatError, type TarBody, type TarEntry, type TarEntryType, type TarHandler } from "./entry.js";

/** Go's limit on a pax or GNU long-name body. */
const MAX_SPECIAL = 1024 * 1024;

const TYPES: Record<number, TarEntryType> = {
  0x30: "file", // 0
  0x37: "file", // 7, contiguous
  0x53: "file", // S, GNU sparse
  0x31: "hardlink",
  0x32: "symlink",
  0x33: "char",
  0x34: "block",
  0x35: "dir",
  0x36: "fifo",
};
/** Types that never have a body in the archive, whatever their size field says. */
const HEADER_ONLY = new Set([0x31, 0x32, 0x33, 0x34, 0x35, 0x36]);

type State = "header" | "zero" | "body" | "special" | "sparse-ext" | "sparse-map" | "eof";

export class TarReader {
  #state: State = "header";
  /** pax records and GNU long names waiting for the entry they apply to. */
  #pax: PaxRecords | undefined;
  #longName: string | undefined;
  #longLink: string | undefined;
  /** Body bytes left, padding included; and of them, content bytes. */
  #blockRemain = 0;
  #remain = 0;
  #body: TarBody | undefined;
  #bodyDone = false;
  /** The special header being read (x, g, L, K), its bytes gathered. */
  #special = 0;
  /** A sparse entry whose map is still being read: its map, logical size and stored bytes left. */
  #pending: { map: SparseMap; size: number; stored: number; reader: SparseMap1x0 | undefined } | undefined;
  #specialParts: Buffer[] = [];
  readonly #stash = Buffer.alloc(512);
  #stashLen = 0;
  readonly #words = new WordView();
  readonly #raw: RawHeader = emptyHeader();
  readonly #entry: TarEntry = { path: "", type: "file", typeflag: "0", mode: 0, uid: 0, gid: 0, size: 0, linkpath: "", sparse: false, xattrs: undefined };
  /** The last entry's name, for errors; the number of headers read. */
  #lastName = "";
  #headers = 0;
  #error: TarFormatError | undefined;
  /** Bytes written before the current chunk, and the tar offset where the current entry's body starts. */
  #written = 0;
  #bodyAt = 0;

  constructor(private readonly handler: TarHandler) {}

  /** Whether the end-of-archive blocks were seen. */
  get sawEof(): boolean {
    return this.#state === "eof";
  }

  /**
   * Bytes from here on that nobody needs to see, so the caller may `skip` them rather
   * than write them: the rest of a body that needs no more (or that nobody receives), with its padding.
   */
  get skippable(): number {
    return this.#state === "body" && (this.#bodyDone || this.#body === undefined) ? this.#blockRemain : 0;
  }

  /** Passes over `n` bytes as if written (n ≤ `skippable`), ending the entry when they finish it. */
  skip(n: number): void {
    if (this.#error) throw this.#error;
    if (n <= 0) return;
    if (n > this.skippable) throw new RangeError(`cannot skip ${n} bytes here`);
    this.#blockRemain -= n;
    this.#remain = Math.max(0, this.#remain - n);
    this.#written += n;
    if (this.#blockRemain === 0) this.#entryDone();
  }

  /** The offset in the tar of the body of the entry being read (valid from `entry` until the next header). */
  get bodyOffset(): number {
    return this.#bodyAt;
  }

  /** Bytes of a header block that the input stopped inside of (0 when it stopped on a block boundary). */
  get partialHeader(): number {
    return this.#state === "eof" ? 0 : this.#stashLen;
  }

  write(chunk: Buffer): void {
    if (this.#error) throw this.#error;
    const len = chunk.length;
    let pos = 0;
    while (pos < len && this.#state !== "eof") {
      const st = this.#state;
      if (st === "body" || st === "special") {
        const n = Math.min(this.#blockRemain, len - pos);
        this.#consumeBody(chunk, pos, n);
        pos += n;
      } else if (this.#stashLen > 0 || len - pos < 512) {
        const n = Math.min(512 - this.#stashLen, len - pos);
        chunk.copy(this.#stash, this.#stashLen, pos, pos + n);
        this.#stashLen += n;
        pos += n;
        if (this.#stashLen === 512) {
          this.#stashLen = 0;
          this.#bodyAt = this.#written + pos;
          this.#block(this.#stash, 0);
        }
      } else {
        pos += 512;
        this.#bodyAt = this.#written + pos;
        this.#block(chunk, pos - 512);
      }
    }
    this.#written += len;
  }

  /** The input is over: fails when it stopped inside an entry (or inside a header block). */
  end(): void {
    if (this.#error) throw this.#error;
    if (this.#state === "eof") return;
    const st = this.#state;
    if (st === "sparse-ext" || st === "sparse-map") this.#fail(`truncated: entry '${this.#sparseName()}' ends inside its sparse map`);
    if ((st === "body" || st === "special") && this.#remain > 0) this.#fail(`truncated: entry '${this.#lastName}' needs ${this.#remain} more bytes`);
    if (this.#stashLen > 0) this.#fail(`truncated: the input ends inside a header block${this.#after()}`);
    // input that stops at an entry's end (no end blocks, or in its padding), after one zero block, or
    // after an extended header with no entry yet is a complete archive, as in Go (whose next header read meets EOF)
    if (st === "body" || st === "special") {
      this.#blockRemain = 0;
      this.#entryDone();
    }
    this.#state = "eof";
  }

  #fail(message: string): never {
    this.#error = new TarFormatError(message);
    throw this.#error;
  }

  #after(): string {
    return this.#lastName === "" ? ` (header ${this.#headers + 1})` : ` (after entry '${this.#lastName}')`;
  }

  #consumeBody(chunk: Buffer, pos: number, n: number): void {
    const r = this.#remain;
    this.#blockRemain -= n;
    if (r > 0 && n > 0) {
      const take = Math.min(r, n);
      this.#remain = r - take;
      const piece = pos === 0 && take === chunk.length ? chunk : chunk.subarray(pos, pos + take);
      if (this.#state === "body") {
        if (!this.#bodyDone && this.#body !== undefined && this.#body.data(piece) === false) this.#bodyDone = true;
      } else this.#specialParts.push(Buffer.from(piece));
    }
    if (this.#blockRemain === 0) this.#entryDone();
  }

  #entryDone(): void {
    const state = this.#state;
    const body = this.#body;
    this.#state = "header";
    this.#body = undefined;
    this.#bodyDone = false;
    if (state === "special") this.#applySpecial();
    else if (state === "body") body?.end();
  }

  /** One 512-byte block where a header is expected. */
  #block(buf: Buffer, off: number): void {
    const st = this.#state;
    if (st === "sparse-ext" || st === "sparse-map") return this.#sparseBlock(buf, off);
    if (isZeroBlock(buf, off)) {
      if (st === "zero") {
        this.#state = "eof";
        this.handler.eof?.();
      } else this.#state = "zero";
      return;
    }
    if (st === "zero") this.#fail(`a zero block followed by data${this.#after()}`);
    this.#headers++;
    let h: RawHeader;
    try {
      h = decodeHeader(buf, off, this.#words, this.#raw);
    } catch (err) {
      if (!(err instanceof HeaderFieldError)) throw err;
      if (this.#headers === 1) this.#fail(`not a tar archive: ${err.message} in the first header`);
      this.#fail(`malformed header${this.#after()}: ${err.message}`);
    }
    const flag = h.typeflag;
    if (flag === 0x78 /* x */ || flag === 0x67 /* g */ || flag === 0x4c /* L */ || flag === 0x4b /* K */) {
      if (h.size > MAX_SPECIAL) this.#fail(`a '${String.fromCharCode(flag)}' extended header of ${h.size} bytes${this.#after()} (the limit is 1 MiB)`);
      this.#special = flag;
      this.#specialParts = [];
      this.#remain = h.size;
      this.#blockRemain = 512 * Math.ceil(h.size / 512);
      this.#state = "special";
      if (this.#blockRemain === 0) this.#entryDone();
      return;
    }
    this.#emit(h, buf, off);
  }

  #applySpecial(): void {
    const parts = this.#specialParts;
    const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    this.#specialParts = [];
    const flag = this.#special;
    if (flag === 0x78 || flag === 0x67) {
      let records: PaxRecords;
      try {
        records = parsePax(data);
      } catch (err) {
        if (err instanceof PaxError) this.#fail(`${err.message}${this.#after()}`);
        throw err;
      }
      if (flag === 0x78) this.#pax = records;
      else {
        // a global header is an entry of its own to Go, which the engine ignores: what waited for an entry is dropped with it
        this.#pax = this.#longName = this.#longLink = undefined;
      }
    } else if (flag === 0x4c) this.#longName = text(data, 0, data.length);
    else this.#longLink = text(data, 0, data.length);
  }

  #emit(h: RawHeader, buf: Buffer, off: number): void {
    const pax = this.#pax;
    const e = this.#entry;
    let name = h.name;
    let linkname = h.linkname;
    let uid = h.uid;
    let gid = h.gid;
    let size = h.size;
    let xattrs: Map<string, string> | undefined;
    let sparse: PaxSparse | undefined;
    if (pax !== undefined) {
      try {
        name = pax.get("path") || name;
        linkname = pax.get("linkpath") || linkname;
        uid = paxInteger(pax, "uid") ?? uid;
        gid = paxInteger(pax, "gid") ?? gid;
        size = paxInteger(pax, "size") ?? size;
        checkPaxTimes(pax);
        sparse = paxSparse(pax);
      } catch (err) {
        if (err instanceof PaxError || err instanceof SparseError) this.#fail(`${err.message}${this.#after()}`);
        throw err;
      }
      for (const [k, v] of pax) if (k.startsWith("SCHILY.xattr.")) (xattrs ??= new Map()).set(k.slice(13), v);
    }
    // (an empty long name leaves the header's, as in Go)
    if (this.#longName) name = this.#longName;
    if (this.#longLink) linkname = this.#longLink;
    this.#pax = this.#longName = this.#longLink = undefined;

    let flag = h.typeflag;
    if (flag === 0) flag = name.endsWith("/") ? 0x35 : 0x30;
    const type = TYPES[flag] ?? "other";
    const headerOnly = HEADER_ONLY.has(flag);
    if (!headerOnly && size < 0) this.#fail(`negative size ${size} for entry '${name}'`);
    const stored = headerOnly ? 0 : size;
    e.path = name;
    e.type = type;
    e.typeflag = flag === h.typeflag ? String.fromCharCode(flag) : "\0";
    e.mode = h.mode;
    e.uid = uid;
    e.gid = gid;
    e.size = type === "file" ? size : 0;
    e.linkpath = type === "symlink" || type === "hardlink" ? linkname : "";
    e.sparse = false;
    e.xattrs = xattrs;
    this.#lastName = name;

    if (flag === 0x53 /* S */) {
      if (h.format !== "gnu") this.#fail(`a sparse entry '${name}' in a ${h.format} header`);
      const map: SparseMap = [];
      this.#sparseCall(() => oldGnuEntries(buf, off + 386, 4, map));
      this.#pending = { map, size: h.realSize, stored, reader: undefined };
      if (h.sparseExtended) this.#state = "sparse-ext";
      else this.#sparseDone();
      return;
    }
    if (sparse !== undefined) {
      if (headerOnly) this.#fail(`sparse records on '${name}', which has no content`);
      e.path = sparse.name ?? name;
      this.#lastName = e.path;
      this.#pending = { map: sparse.map ?? [], size: sparse.size ?? size, stored, reader: sparse.format === "1.0" ? new SparseMap1x0() : undefined };
      if (sparse.format === "1.0") this.#state = "sparse-map";
      else this.#sparseDone();
      return;
    }
    const body = this.handler.entry(e);
    if (stored > 0) {
      this.#body = body;
      this.#startBody(stored);
    } else body?.end();
  }

  /** A block of an old-GNU sparse map's extension, or of a 1.0 map at the start of the body. */
  #sparseBlock(buf: Buffer, off: number): void {
    const p = this.#pending!;
    if (this.#state === "sparse-ext") {
      this.#sparseCall(() => oldGnuEntries(buf, off, 21, p.map));
      if (buf[off + 504] === 0) this.#sparseDone();
      return;
    }
    if (p.stored < 512) this.#fail(`truncated: the sparse map of '${this.#sparseName()}' runs past its data`);
    p.stored -= 512;
    if (this.#sparseCall(() => p.reader!.block(buf, off))) {
      p.map = p.reader!.map;
      this.#sparseDone();
    }
  }

  #sparseCall<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof SparseError) this.#fail(`${err.message} (entry '${this.#sparseName()}')`);
      throw err;
    }
  }

  #sparseName(): string {
    return this.#entry.path;
  }

  /** The sparse map is read: checked as Go checks it, the entry reported, its stored bytes passed over. */
  #sparseDone(): void {
    const p = this.#pending!;
    this.#pending = undefined;
    const name = this.#entry.path;
    if (!validSparseMap(p.map, p.size)) this.#fail(`invalid sparse map for '${name}'`);
    if (storedBytes(p.map) !== p.stored) this.#fail(`the sparse file '${name}' stores ${p.stored} bytes where its map says ${storedBytes(p.map)}`);
    const e = this.#entry;
    e.sparse = true;
    e.size = p.size;
    // its stored bytes are fragments of the file: the body gets the file, holes filled in
    const handed = this.handler.entry(e);
    const body = handed && new SparseBody(handed, p.map, p.size);
    if (p.stored > 0) {
      this.#body = body;
      this.#startBody(p.stored);
    } else {
      this.#body = undefined;
      this.#startBody(0);
      body?.end(); // all hole
    }
  }

  #startBody(stored: number): void {
    this.#remain = stored;
    this.#blockRemain = 512 * Math.ceil(stored / 512);
    this.#state = this.#blockRemain > 0 ? "body" : "header";
    this.#bodyDone = false;
  }
}
