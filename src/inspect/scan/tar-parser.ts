/**
 * A synchronous tar reader for the layer scan: node-tar's Parser without the
 * streams. Headers are decoded by node-tar's own Header and Pax classes and
 * checked as node-tar's strict Parser checks them, and an entry's fields are
 * derived as its ReadEntry derives them, so a layer reads the same; what is left
 * out is the cost: no ReadEntry (a Minipass stream, with its events) per entry,
 * no queue, no copying of chunks that do not end on a block boundary. File
 * bodies are passed on as views of the chunks written, in as many pieces as
 * they arrive in; nothing else keeps a reference to a chunk after `write`
 * returns (a header split over chunks and pax records are copied).
 *
 * Errors (strict mode: node-tar's warnings are errors) are thrown from `write`
 * and `end` as TarError, with node-tar's code and message.
 */
import { Header, type HeaderData } from "tar/header";
import { Pax } from "tar/pax";
import { WordView } from "./header-sum.js";
import { plainHeader, type HeaderFields } from "./tar-header.js";

export interface TarEntry {
  /** The name as written (pax and GNU long names applied). */
  path: string;
  /** node-tar's type name: File, Directory, SymbolicLink, Link, ... */
  type: string;
  /** The mode field as written (not masked). */
  mode: number | undefined;
  uid: number | undefined;
  gid: number | undefined;
  size: number;
  linkpath: string | undefined;
}

/**
 * Receives the body of an entry: the bytes in order, then the end (not called when
 * the tar is cut short). `data` returning false means it needs no more of them: the
 * rest of the body is then not passed on, and may be skipped (`TarParser.skippable`).
 */
export interface TarBody {
  data(chunk: Buffer): boolean | void;
  end(): void;
}

export interface TarHandler {
  /** A file-system entry (an object used again for the next one: read it, do not keep it); return a TarBody to receive its content. */
  entry(e: TarEntry): TarBody | undefined;
  /** The end-of-archive blocks were read; anything after them is ignored. */
  eof?(): void;
}

export class TarError extends Error {
  constructor(
    readonly tarCode: string,
    message: string,
  ) {
    super(message);
    this.name = "TarError";
  }
}

/** node-tar's limit on pax and GNU long-name bodies; larger ones are skipped. */
const MAX_META = 1024 * 1024;
const BODY_TYPES = new Set([
  "File",
  "OldFile",
  "Link",
  "SymbolicLink",
  "CharacterDevice",
  "BlockDevice",
  "Directory",
  "FIFO",
  "ContiguousFile",
  "GNUDumpDir",
]);
const META_TYPES = new Set([
  "NextFileHasLongLinkpath",
  "NextFileHasLongPath",
  "OldGnuLongPath",
  "GlobalExtendedHeader",
  "ExtendedHeader",
  "OldExtendedHeader",
]);

type State = "begin" | "header" | "body" | "meta" | "ignore";

export class TarParser {
  #state: State = "begin";
  #ex: HeaderData | undefined;
  #gex: HeaderData | undefined;
  #sawNullBlock = false;
  #sawEof = false;
  /** undefined until a header is read; then whether a valid entry was read through. */
  #sawValid: boolean | undefined;
  /** The current entry makes #sawValid true once its body has been read. */
  #validAtEnd = false;
  /** Body bytes left, padding included; and of them, content bytes. */
  #blockRemain = 0;
  #remain = 0;
  #body: TarBody | undefined;
  /** The body needs no more of its bytes. */
  #bodyDone = false;
  #metaType = "";
  #meta: Buffer[] = [];
  /** A header block split over writes. */
  readonly #stash = Buffer.alloc(512);
  readonly #words = new WordView();
  #stashLen = 0;
  #error: TarError | undefined;
  /** The header decoded and the entry handed on, one object each used again for every entry (tens of thousands in a layer). */
  readonly #fields: HeaderFields = { path: "", type: "", mode: 0, uid: 0, gid: 0, size: 0, linkpath: "", cksumValid: false, nullBlock: false };
  readonly #entry: TarEntry = { path: "", type: "", mode: 0, uid: 0, gid: 0, size: 0, linkpath: undefined };
  /** Bytes written before the current chunk, and the tar offset where the current entry's body starts. */
  #written = 0;
  #bodyAt = 0;

  constructor(private readonly handler: TarHandler) {}

  /** Whether the end-of-archive blocks were seen. */
  get sawEof(): boolean {
    return this.#sawEof;
  }

  /**
   * Bytes from here on that nobody needs to see, so the caller may `skip` them rather
   * than write them: the rest of a body that needs no more (or that nobody receives,
   * or of a type that is ignored), with its padding. 0 when the next bytes are needed.
   */
  get skippable(): number {
    if (this.#sawEof) return 0;
    const st = this.#state;
    if (st === "ignore" || (st === "body" && (this.#bodyDone || this.#body === undefined))) return this.#blockRemain;
    return 0;
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

  write(chunk: Buffer): void {
    if (this.#error) throw this.#error;
    const len = chunk.length;
    let pos = 0;
    while (pos < len && !this.#sawEof) {
      if (this.#state === "body" || this.#state === "meta" || this.#state === "ignore") {
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
          this.#header(this.#stash, 0);
        }
      } else {
        pos += 512;
        this.#bodyAt = this.#written + pos;
        this.#header(chunk, pos - 512);
      }
    }
    this.#written += len;
  }

  /** The input is over: fails when it stopped inside an entry, or when it held no tar at all. */
  end(): void {
    if (this.#error) throw this.#error;
    if (!this.#sawEof && this.#blockRemain > 0) {
      this.#fail("TAR_BAD_ARCHIVE", `Truncated input (needed ${this.#blockRemain} more bytes)`);
    }
    if (this.#state === "begin" || this.#sawValid === false) this.#fail("TAR_BAD_ARCHIVE", "Unrecognized archive format");
  }

  /** Bytes of a header block that the input stopped inside of (0 when it stopped on a block boundary). */
  get partialHeader(): number {
    return this.#sawEof ? 0 : this.#stashLen;
  }

  #fail(code: string, message: string, raw = false): never {
    this.#error = new TarError(code, raw ? message : `${code}: ${message}`);
    throw this.#error;
  }

  #consumeBody(chunk: Buffer, pos: number, n: number): void {
    const r = this.#remain;
    this.#blockRemain -= n;
    if (r > 0 && n > 0) {
      const take = Math.min(r, n);
      this.#remain = r - take;
      const piece = pos === 0 && take === chunk.length ? chunk : chunk.subarray(pos, pos + take);
      if (this.#state === "body") {
        if (!this.#bodyDone && this.#body?.data(piece) === false) this.#bodyDone = true;
      }
      else if (this.#state === "meta") this.#meta.push(Buffer.from(piece));
    }
    if (this.#blockRemain === 0) this.#entryDone();
  }

  #entryDone(): void {
    const state = this.#state;
    const body = this.#body;
    this.#state = "header";
    this.#body = undefined;
    this.#bodyDone = false;
    if (this.#validAtEnd) {
      this.#validAtEnd = false;
      this.#sawValid = true;
    }
    if (state === "meta") this.#applyMeta();
    else if (state === "body") body?.end();
  }

  #applyMeta(): void {
    const text = (this.#meta.length === 1 ? this.#meta[0]! : Buffer.concat(this.#meta)).toString();
    this.#meta = [];
    switch (this.#metaType) {
      case "ExtendedHeader":
      case "OldExtendedHeader":
        this.#ex = Pax.parse(text, this.#ex, false);
        break;
      case "GlobalExtendedHeader":
        this.#gex = Pax.parse(text, this.#gex, true);
        break;
      case "NextFileHasLongPath":
      case "OldGnuLongPath":
        this.#ex ??= Object.create(null) as HeaderData;
        this.#ex.path = text.replace(/\0.*/, "");
        break;
      case "NextFileHasLongLinkpath":
        this.#ex ||= Object.create(null) as HeaderData;
        this.#ex.linkpath = text.replace(/\0.*/, "");
        break;
    }
  }

  #header(buf: Buffer, off: number): void {
    if (this.#sawValid === undefined) this.#sawValid = false;
    let header: HeaderFields | undefined = this.#ex === undefined && this.#gex === undefined ? plainHeader(buf, off, this.#words, this.#fields) : undefined;
    if (header === undefined) {
      try {
        header = new Header(buf, off, this.#ex, this.#gex);
      } catch (err) {
        this.#fail("TAR_ENTRY_INVALID", err instanceof Error ? err.message : String(err), true);
      }
    }
    if (header.nullBlock) {
      if (this.#sawNullBlock) {
        this.#sawEof = true;
        if (this.#state === "begin") this.#state = "header";
        this.handler.eof?.();
      } else this.#sawNullBlock = true;
      return;
    }
    this.#sawNullBlock = false;
    if (!header.cksumValid) this.#fail("TAR_ENTRY_INVALID", "checksum failure");
    if (!header.path) this.#fail("TAR_ENTRY_INVALID", "path is required");
    const type = header.type;
    const isLink = type === "Link" || type === "SymbolicLink";
    if (isLink && !header.linkpath) this.#fail("TAR_ENTRY_INVALID", "linkpath required");
    if (!isLink && type !== "ExtendedHeader" && type !== "GlobalExtendedHeader" && header.linkpath) {
      this.#fail("TAR_ENTRY_INVALID", "linkpath forbidden");
    }

    const ex = this.#ex;
    const gex = this.#gex;
    const remain = header.size ?? 0;
    // what node-tar's ReadEntry reports: the header, then the pax values over it (global last, but not its path)
    const size = gex?.size ?? ex?.size ?? remain;
    this.#remain = remain;
    this.#blockRemain = 512 * Math.ceil(remain / 512);
    if (!this.#sawValid) {
      if (remain) this.#validAtEnd = true;
      else this.#sawValid = true;
    }

    if (META_TYPES.has(type)) {
      if (size > MAX_META) this.#state = "ignore";
      else if (size > 0) {
        this.#metaType = type;
        this.#meta = [];
        this.#state = "meta";
      } else this.#blockRemain = 0;
      if (this.#blockRemain === 0 && this.#state !== "header" && this.#state !== "begin") this.#entryDone();
      return;
    }
    this.#ex = undefined;
    if (!BODY_TYPES.has(type)) {
      // a type node-tar skips (sparse files, volume labels, ...)
      this.#state = remain ? "ignore" : "header";
      return;
    }
    const e = this.#entry;
    e.path = ex?.path ?? header.path!;
    e.type = type;
    e.mode = header.mode;
    e.uid = gex?.uid ?? ex?.uid ?? header.uid;
    e.gid = gex?.gid ?? ex?.gid ?? header.gid;
    e.size = size;
    e.linkpath = gex?.linkpath ?? ex?.linkpath ?? (header.linkpath || undefined);
    const body = this.handler.entry(e);
    if (remain) {
      this.#state = "body";
      this.#body = body;
    } else {
      this.#state = "header";
      body?.end();
    }
  }
}
