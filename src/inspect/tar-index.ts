/**
 * Indexes the entries of a tar file by reading only its headers (seeking past
 * the data), so that an image archive's blobs can be streamed on demand.
 */
import { SourceError } from "../errors.js";
import type { RandomAccessFile } from "./random-access.js";

export interface TarIndexEntry {
  name: string;
  /** Offset of the entry's data in the file. */
  offset: number;
  size: number;
  type: "file" | "dir" | "symlink" | "hardlink" | "other";
  linkname?: string;
}

const BLOCK = 512;

function field(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString("utf8", start, end === -1 || end > start + len ? start + len : end);
}

export function parseOctal(buf: Buffer, start: number, len: number): number {
  if (buf[start]! & 0x80) {
    // base-256 (GNU) encoding for large values
    let v = 0;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + buf[i]!;
    return v;
  }
  const s = field(buf, start, len).trim();
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) return NaN;
  return parseInt(s, 8);
}

export function headerChecksumOk(h: Buffer): boolean {
  const stored = parseOctal(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return stored === sum;
}

/** Parses PAX extended header records ("%d key=value\n"). */
export function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp === -1) break;
    const len = parseInt(data.toString("ascii", pos, sp), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const rec = data.toString("utf8", sp + 1, pos + len - 1);
    const eq = rec.indexOf("=");
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    pos += len;
  }
  return out;
}

function normalizeName(name: string): string {
  let n = name;
  while (n.startsWith("./")) n = n.slice(2);
  if (n.endsWith("/")) n = n.slice(0, -1);
  return n;
}

const typeOf = (flag: string): TarIndexEntry["type"] =>
  flag === "0" || flag === "" || flag === "7" ? "file" : flag === "5" ? "dir" : flag === "2" ? "symlink" : flag === "1" ? "hardlink" : "other";

export async function indexTar(file: RandomAccessFile): Promise<Map<string, TarIndexEntry>> {
  const entries = new Map<string, TarIndexEntry>();
  let pos = 0;
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  let first = true;
  while (pos + BLOCK <= file.size) {
    const h = await file.read(pos, BLOCK);
    if (h.length < BLOCK) break;
    if (h.every((b) => b === 0)) break;
    if (!headerChecksumOk(h)) {
      throw new SourceError(
        first ? `${file.name}: not a tar archive` : `${file.name}: corrupt tar header at offset ${pos}`,
      );
    }
    first = false;
    const flag = String.fromCharCode(h[156]!).replace("\0", "");
    let size = parseOctal(h, 124, 12);
    if (!Number.isFinite(size)) throw new SourceError(`${file.name}: corrupt tar header at offset ${pos}`);
    const dataStart = pos + BLOCK;
    const magic = h.toString("ascii", 257, 262);
    const prefix = magic === "ustar" ? field(h, 345, 155) : "";
    if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
      const data = await file.read(dataStart, size);
      if (flag === "x") pax = parsePax(data);
      else if (flag === "L") longName = data.toString("utf8").replace(/\0+$/, "");
      else if (flag === "K") longLink = data.toString("utf8").replace(/\0+$/, "");
    } else {
      let name = pax.path ?? longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
      if (pax.size !== undefined) size = Number(pax.size);
      name = normalizeName(name);
      const linkname = pax.linkpath ?? longLink ?? field(h, 157, 100);
      if (dataStart + size > file.size) {
        throw new SourceError(`${file.name}: truncated: entry ${name} needs ${size} bytes past the end of the file`);
      }
      entries.set(name, { name, offset: dataStart, size, type: typeOf(flag), ...(linkname ? { linkname } : {}) });
      pax = {};
      longName = longLink = undefined;
    }
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  if (first) throw new SourceError(`${file.name}: not a tar archive (empty or no entries)`);
  return entries;
}
