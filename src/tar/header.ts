/**
 * One tar header block decoded as Go's archive/tar decodes it (the reader the engine,
 * BuildKit, containerd and the scanners use): V7, ustar, pax, GNU and star headers,
 * octal and base-256 numbers, unsigned and signed checksums. Decoding is by hand, field
 * by field, without a string per field: the layer scan decodes tens of thousands of them.
 */
import { signedSum, unsignedSum, type WordView } from "./checksum.js";
import { nameText } from "./name-bytes.js";

export type TarFormat = "v7" | "ustar" | "gnu" | "star";

/** The fields of one header block as written (pax records and long names not yet applied). */
export interface RawHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  /** The size field: the bytes of body that follow (for a GNU sparse file, the bytes stored). */
  size: number;
  /** The typeflag byte (0 for the V7 regular file). */
  typeflag: number;
  linkname: string;
  format: TarFormat;
  /** GNU sparse ('S') headers: the file's logical size, and whether extension blocks follow. */
  realSize: number;
  sparseExtended: boolean;
}

/** A header field that does not decode: the block is malformed. */
export class HeaderFieldError extends Error {}

/** A fresh header object, for `decodeHeader` to fill again and again. */
export function emptyHeader(): RawHeader {
  return { name: "", mode: 0, uid: 0, gid: 0, size: 0, typeflag: 0, linkname: "", format: "v7", realSize: 0, sparseExtended: false };
}

/** Whether the 512 bytes at `off` are all zero (an end-of-archive block). */
export function isZeroBlock(buf: Buffer, off: number): boolean {
  for (let i = off; i < off + 512; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * Decodes the header block at `off` into `into`. Throws HeaderFieldError for a checksum
 * that matches neither sum, or a numeric field that is not a number: what Go rejects.
 */
export function decodeHeader(buf: Buffer, off: number, words: WordView | undefined, into: RawHeader): RawHeader {
  const stored = octal(buf, off + 148, 8, "checksum");
  if (stored !== unsignedSum(buf, off, words) && stored !== signedSum(buf, off)) throw new HeaderFieldError("header checksum does not match");
  const format = formatOf(buf, off);
  let name = text(buf, off, 100);
  into.mode = numeric(buf, off + 100, 8, "mode");
  into.uid = numeric(buf, off + 108, 8, "uid");
  into.gid = numeric(buf, off + 116, 8, "gid");
  into.size = numeric(buf, off + 124, 12, "size");
  numeric(buf, off + 136, 12, "mtime");
  into.typeflag = buf[off + 156]!;
  into.linkname = text(buf, off + 157, 100);
  into.realSize = 0;
  into.sparseExtended = false;
  if (format !== "v7") {
    numeric(buf, off + 329, 8, "devmajor");
    numeric(buf, off + 337, 8, "devminor");
    let prefix = "";
    if (format === "ustar") prefix = text(buf, off + 345, 155);
    else if (format === "star") {
      prefix = text(buf, off + 345, 131);
      numeric(buf, off + 476, 12, "atime");
      numeric(buf, off + 488, 12, "ctime");
    } else if (!gnuTimesRead(buf, off)) {
      // GNU times that do not decode: an archive from Go before 1.8, which wrote a ustar prefix there
      const p = text(buf, off + 345, 155);
      if (/^[\x00-\x7f]*$/.test(p)) prefix = p;
    }
    if (prefix !== "") name = prefix + "/" + name;
    if (format === "gnu" && into.typeflag === 0x53 /* S */) {
      into.realSize = numeric(buf, off + 483, 12, "sparse real size");
      into.sparseExtended = buf[off + 482]! !== 0;
    }
  }
  into.name = name;
  into.format = format;
  return into;
}

/** Whether a GNU header's access and change times (where set) decode. */
function gnuTimesRead(buf: Buffer, off: number): boolean {
  try {
    if (buf[off + 345] !== 0) numeric(buf, off + 345, 12, "atime");
    if (buf[off + 357] !== 0) numeric(buf, off + 357, 12, "ctime");
    return true;
  } catch (err) {
    if (err instanceof HeaderFieldError) return false;
    throw err;
  }
}

function formatOf(buf: Buffer, off: number): TarFormat {
  const m = off + 257;
  if (buf[m] === 0x75 && buf[m + 1] === 0x73 && buf[m + 2] === 0x74 && buf[m + 3] === 0x61 && buf[m + 4] === 0x72) {
    // "ustar\0" (POSIX; "tar\0" at the end for star), or "ustar  \0" (GNU)
    if (buf[m + 5] === 0) return buf[off + 508] === 0x74 && buf[off + 509] === 0x61 && buf[off + 510] === 0x72 && buf[off + 511] === 0 ? "star" : "ustar";
    if (buf[m + 5] === 0x20 && buf[m + 6] === 0x20 && buf[m + 7] === 0) return "gnu";
  }
  return "v7";
}

/** A string field: its bytes up to the first NUL, as UTF-8 (invalid bytes kept distinct: name-bytes.ts). Plain ASCII needs no decoder. */
export function text(buf: Buffer, off: number, size: number): string {
  const end = off + size;
  let i = off;
  let ascii = true;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === 0) break;
    if (c >= 0x80) ascii = false;
  }
  if (i === off) return "";
  return ascii ? buf.toString("latin1", off, i) : nameText(buf, off, i);
}

/**
 * A numeric field as Go reads it: base-256 when the first byte has its top bit set,
 * else octal with leading and trailing spaces and NULs trimmed (empty is 0), cut at
 * the first NUL inside. Anything else, or a value past 2^63, is a HeaderFieldError.
 * Values past 2^53 are approximate (no size that large can be read through anyway).
 */
export function numeric(buf: Buffer, off: number, size: number, what: string): number {
  return buf[off]! & 0x80 ? base256(buf, off, size, what) : octal(buf, off, size, what);
}

/** An octal field only (Go reads the checksum so, never in base 256). */
function octal(buf: Buffer, off: number, size: number, what: string): number {
  let start = off;
  let end = off + size;
  while (start < end && (buf[start] === 0x20 || buf[start] === 0)) start++;
  while (end > start && (buf[end - 1] === 0x20 || buf[end - 1] === 0)) end--;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c === 0) break;
    if (c < 0x30 || c > 0x37) throw new HeaderFieldError(`${what} field is not an octal number`);
    v = v * 8 + (c - 0x30);
  }
  return v;
}

function base256(buf: Buffer, off: number, size: number, what: string): number {
  const negative = (buf[off]! & 0x40) !== 0;
  const inv = negative ? 0xff : 0;
  let v = 0;
  for (let i = 0; i < size; i++) {
    let c = buf[off + i]! ^ inv;
    if (i === 0) c &= 0x7f;
    v = v * 256 + c;
    if (v >= 2 ** 63) throw new HeaderFieldError(`${what} field is too large`);
  }
  return negative ? -v - 1 : v;
}
