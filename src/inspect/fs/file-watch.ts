/**
 * What the layer scan (scan-layer.ts) does with a regular file's content as it
 * streams by: keep it when asked to, parse it when it is an ELF file (from the
 * layer file itself when the tar can be read at any offset), search the first MiB
 * of any other file for a private key and, when it is text, for known token formats
 * (secret-contents.ts): one read of the bytes feeds both.
 */
import { ElfCapture, isElfMagic } from "../elf/elf-capture.js";
import { parseElf } from "../elf/elf.js";
import { sparseFromBuffer, type SparseBytes } from "../elf/sparse-bytes.js";
import { looksPem, PrivateKeyFinder, UNSCANNED_PEM } from "../parsers/private-key.js";
import { SecretContentFinder, type SecretContentFinding } from "../parsers/secret-contents.js";
import type { TarBody } from "../../tar/reader.js";
import type { FileRecord } from "./file-record.js";

const HEAD = 64;

/**
 * Looks at a regular file's content as it streams by: keeps it when asked to, parses
 * it when it is an ELF file, else searches its first `keyScan` bytes for a private key
 * (holes not counted). Copies what it keeps. One per scan, used again for each file (files come one after another): a
 * layer has tens of thousands of them, and a watcher made per file was garbage per file.
 */
export class FileWatch implements TarBody {
  #rec!: FileRecord;
  #size = 0;
  /** Where the file's bytes start in the tar (for `tarAt`). */
  #at = 0;
  /** A sparse file: what the tar holds at `#at` are its fragments, not its bytes (no `tarAt`). */
  #sparse = false;
  /** The content, when kept: copies of the pieces. */
  #kept: Buffer[] | undefined;
  /** The first bytes decide what the file is; pieces shorter than that are copied until then. */
  #headParts: Buffer[] = [];
  #headLen = 0;
  #decided = false;
  /**
   * An ELF file is parsed at once when one piece carries all of it or the tar can be read
   * at any offset, else captured as it streams by (held whole when small, else its head,
   * tail and what its headers point at).
   */
  #elf: ElfCapture | undefined;
  /** Searches a file that is not ELF for a private key, as it streams by (one for every file: it keeps a few bytes only). */
  readonly #keys = new PrivateKeyFinder();
  /** Searches the same bytes of a text file for known token formats. */
  readonly #tokens = new SecretContentFinder();
  #searching = false;
  /** The file says it is PEM (name or first line): not searched to its end, it is not shown to be free of a key. */
  #pem = false;

  constructor(
    private readonly parseElfFiles: boolean,
    /** Bytes of each file searched for a private key (0: none). */
    private readonly keyScan: number,
    private readonly tarAt: ((offset: number, size: number) => SparseBytes) | undefined,
    /** Told of a file whose content holds a private key (or that says it is PEM and was not searched to its end). */
    private readonly foundKey: (rec: FileRecord, kind: string) => void,
    /** Told of a file whose content holds known token formats (never the values: see secret-contents.ts). */
    private readonly foundTokens: (rec: FileRecord, found: SecretContentFinding[]) => void = () => {},
    /** Whether a file is left out of the token search (its private keys are still searched for). */
    private readonly skipTokens: (path: string) => boolean = () => false,
  ) {}

  /** Starts on the next file. */
  watch(rec: FileRecord, at: number, keep: boolean, sparse = false): this {
    this.#rec = rec;
    this.#size = rec.size;
    this.#at = at;
    this.#sparse = sparse;
    this.#kept = keep ? [] : undefined;
    this.#headParts = [];
    this.#headLen = 0;
    this.#decided = false;
    this.#elf = undefined;
    this.#searching = this.#pem = false;
    return this;
  }

  /** Whether more of the file is needed: to keep it, to capture an ELF file streaming by, to search for a key. */
  #wantsMore(): boolean {
    return this.#kept !== undefined || this.#elf !== undefined || (this.#searching && (this.#keys.wanted || this.#tokens.wanted));
  }

  #push(c: Buffer): void {
    this.#elf?.push(c);
    if (this.#searching) {
      this.#keys.push(c);
      this.#tokens.push(c);
    }
  }

  #decide(h: Buffer): void {
    this.#decided = true;
    const size = this.#size;
    const elf = isElfMagic(h);
    if (elf && this.parseElfFiles) {
      const tarAt = this.#sparse ? undefined : this.tarAt;
      if (h.length >= size) this.#rec.elf = parseElf(sparseFromBuffer(h.length === size ? h : h.subarray(0, size)));
      else if (tarAt) this.#rec.elf = parseElf(tarAt(this.#at, size));
      else {
        this.#elf = new ElfCapture(size);
        this.#elf.push(h);
      }
    } else if (!elf && this.keyScan > 0) {
      // every file but an ELF one (the big binaries): keys hide behind certificates, text, zeros
      this.#keys.reset(this.keyScan);
      this.#tokens.reset(this.#rec.path, size, this.skipTokens(this.#rec.path) ? 0 : this.keyScan);
      this.#searching = true;
      // (what is searched of a file no larger than that is all of it: it cannot be a PEM file left unsearched)
      this.#pem = size > this.keyScan && looksPem(this.#rec.path, h);
      if (h.length >= size) {
        this.#keys.pushWhole(h);
        this.#tokens.push(h);
      } else this.#push(h);
    }
  }

  data(chunk: Buffer): boolean {
    this.#kept?.push(Buffer.from(chunk));
    if (this.#decided) {
      this.#push(chunk);
      return this.#wantsMore();
    }
    const size = this.#size;
    this.#headLen += chunk.length;
    const enough = this.#headLen >= HEAD || this.#headLen >= size;
    if (this.#headParts.length === 0 && enough) {
      this.#decide(chunk);
      return this.#wantsMore();
    }
    this.#headParts.push(enough ? chunk : Buffer.from(chunk));
    if (!enough) return true;
    const h = Buffer.concat(this.#headParts);
    this.#headParts = [];
    this.#decide(h);
    return this.#wantsMore();
  }

  /**
   * A hole of a sparse file: that many zeros (the tar reader gives the file's logical
   * content). The first bytes are looked at as any file's; past them, what is held is
   * zero-filled (all of it bounded by the file's size, as kept content is) and an ELF
   * capture only moves on, however large the hole.
   */
  hole(length: number): boolean {
    let n = length;
    while (!this.#decided && n > 0) {
      const k = Math.min(n, HEAD);
      n -= k;
      if (!this.data(ZEROS.subarray(0, k))) return false;
    }
    if (n <= 0) return this.#wantsMore();
    this.#kept?.push(Buffer.alloc(n));
    this.#elf?.zeros(n);
    if (this.#searching) {
      this.#keys.zeros(n);
      this.#tokens.zeros(n);
    }
    return this.#wantsMore();
  }

  end(): void {
    const rec = this.#rec;
    if (!this.#decided && this.#headLen > 0) this.#decide(Buffer.concat(this.#headParts));
    const kept = this.#kept;
    if (kept) rec.content = kept.length === 1 ? kept[0]! : Buffer.concat(kept);
    if (this.#elf) {
      try {
        rec.elf = parseElf(this.#elf.finish());
      } finally {
        this.#elf.release();
      }
    }
    if (this.#searching) {
      const kind = this.#keys.finish();
      if (kind) this.foundKey(rec, kind);
      else if (this.#pem && this.#keys.searched < this.#size) this.foundKey(rec, UNSCANNED_PEM);
      const tokens = this.#tokens.finish();
      if (tokens.length > 0) this.foundTokens(rec, tokens);
      this.#searching = false;
    }
    this.#elf = undefined;
    this.#kept = undefined;
  }
}

const ZEROS = Buffer.alloc(HEAD);
