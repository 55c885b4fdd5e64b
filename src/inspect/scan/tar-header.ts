/**
 * The common tar header decoded as node-tar's Header decodes it, without its string
 * handling per field (tar-parser.ts uses it for every header no pax or GNU long-name
 * record applies to, and node-tar's Header for the rest).
 */
import { name as typeNames } from "tar/types";
import { headerSum, type WordView } from "./header-sum.js";

/** What the parser reads from a header: node-tar's Header, or the same fields decoded by `plainHeader`. */
export interface HeaderFields {
  path?: string | undefined;
  type: string;
  mode?: number | undefined;
  uid?: number | undefined;
  gid?: number | undefined;
  size?: number | undefined;
  linkpath?: string | undefined;
  cksumValid: boolean;
  nullBlock: boolean;
}

/**
 * node-tar's Header.decode for the common header, without its string handling per
 * field: the same values, or undefined to leave the header to node-tar (base-256
 * numbers, signs, bytes that would decode differently). Only for headers no pax
 * or GNU long-name record applies to. `words` (one per parser) makes the checksum cheaper.
 */
export function plainHeader(buf: Buffer, off: number, words?: WordView, into?: HeaderFields): HeaderFields | undefined {
  // numbers that node-tar reads in base 256 (or refuses): its business
  if ((buf[off + 100]! | buf[off + 108]! | buf[off + 116]! | buf[off + 124]! | buf[off + 136]! | buf[off + 148]!) & 0x80) return undefined;
  let path = field(buf, off, 100);
  const mode = octal(buf, off + 100, 8);
  const uid = octal(buf, off + 108, 8);
  const gid = octal(buf, off + 116, 8);
  let size = octal(buf, off + 124, 12);
  const cksum = octal(buf, off + 148, 12);
  if (path === null || mode === null || uid === null || gid === null || size === null || cksum === null) return undefined;
  const flag = buf[off + 156]!;
  const t = flag === 0 ? "" : flag < 0x80 ? String.fromCharCode(flag) : "\ufffd";
  let code = typeNames.has(t as never) ? t || "0" : "Unsupported";
  if (code === "0" && path.endsWith("/")) code = "5";
  if (code === "5") size = 0;
  const linkpath = field(buf, off + 157, 100);
  if (linkpath === null) return undefined;
  const ustar =
    buf[off + 257] === 0x75 &&
    buf[off + 258] === 0x73 &&
    buf[off + 259] === 0x74 &&
    buf[off + 260] === 0x61 &&
    buf[off + 261] === 0x72 &&
    buf[off + 262] === 0 &&
    buf[off + 263] === 0x30 &&
    buf[off + 264] === 0x30;
  if (ustar) {
    if ((buf[off + 329]! | buf[off + 337]!) & 0x80) return undefined;
    if (buf[off + 475] !== 0) {
      const prefix = field(buf, off + 345, 155);
      if (prefix === null) return undefined;
      path = prefix + "/" + path;
    } else {
      if ((buf[off + 476]! | buf[off + 488]!) & 0x80) return undefined;
      const prefix = field(buf, off + 345, 130);
      if (prefix === null) return undefined;
      if (prefix) path = prefix + "/" + path;
    }
  }
  const sum = headerSum(buf, off, words);
  const type = code === "Unsupported" ? code : typeNames.get(code as never)!;
  if (into === undefined) {
    return { path, type, mode, uid, gid, size, linkpath, cksumValid: sum === cksum, nullBlock: cksum === undefined && sum === 8 * 0x20 };
  }
  into.path = path;
  into.type = type;
  into.mode = mode;
  into.uid = uid;
  into.gid = gid;
  into.size = size;
  into.linkpath = linkpath;
  into.cksumValid = sum === cksum;
  into.nullBlock = cksum === undefined && sum === 8 * 0x20;
  return into;
}

/**
 * A string field as node-tar reads it (UTF-8, cut at the first NUL), or null when
 * what follows the NUL would make its cut differ (a line break, non-ASCII bytes).
 */
function field(buf: Buffer, off: number, size: number): string | null {
  const end = off + size;
  let i = off;
  while (i < end && buf[i] !== 0) i++;
  for (let j = i + 1; j < end; j++) {
    const c = buf[j]!;
    if (c === 0x0a || c === 0x0d || c >= 0x80) return null;
  }
  return i === off ? "" : buf.toString("utf8", off, i);
}

/**
 * An octal number field as node-tar reads it (parseInt of the trimmed text cut at
 * its first NUL), undefined when it holds no digits, or null when a sign or a
 * non-ASCII byte comes before the digits.
 */
function octal(buf: Buffer, off: number, size: number): number | undefined | null {
  const end = off + size;
  let i = off;
  while (i < end) {
    const c = buf[i]!;
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) i++;
    else break;
  }
  if (i < end) {
    const c = buf[i]!;
    if (c === 0x2b || c === 0x2d || c >= 0x80) return null;
  }
  let v = 0;
  const start = i;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c < 0x30 || c > 0x37) break;
    v = v * 8 + (c - 0x30);
  }
  return i === start ? undefined : v;
}
