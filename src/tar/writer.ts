/**
 * Tar headers as the project writes them (a `docker save` stream for the engine, a build
 * context): ustar, with a pax header first for what ustar cannot hold (a name or link over
 * its fields, a non-ASCII one, a size of 8 GiB or more). The reader in reader.ts reads them back.
 */
import { unsignedSum } from "./checksum.js";

export interface HeaderSpec {
  name: string;
  type: "file" | "dir" | "symlink";
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  mtime?: Date;
  linkname?: string;
}

const BLOCK = 512;
const FLAGS = { file: "0", dir: "5", symlink: "2" } as const;
const MAX_OCTAL_SIZE = 8 ** 11 - 1;
const DEFAULT_MTIME = new Date(Date.UTC(2024, 0, 1));

/** The header block(s) of one entry: a pax header and its records first when needed, then the ustar header. */
export function encodeHeader(spec: HeaderSpec): Buffer {
  const size = spec.type === "file" ? (spec.size ?? 0) : 0;
  const linkname = spec.linkname ?? "";
  const pax: [string, string][] = [];
  const split = splitName(spec.name);
  if (split === undefined) pax.push(["path", spec.name]);
  if (!fits(linkname, 100)) pax.push(["linkpath", linkname]);
  if (size > MAX_OCTAL_SIZE) pax.push(["size", String(size)]);
  const mtime = Math.floor((spec.mtime ?? DEFAULT_MTIME).getTime() / 1000);
  const main = ustar({
    name: split?.name ?? asciiCut(spec.name, 100),
    prefix: split?.prefix ?? "",
    mode: spec.mode ?? (spec.type === "dir" ? 0o755 : spec.type === "symlink" ? 0o777 : 0o644),
    uid: spec.uid ?? 0,
    gid: spec.gid ?? 0,
    size: size > MAX_OCTAL_SIZE ? 0 : size,
    mtime,
    flag: FLAGS[spec.type],
    linkname: fits(linkname, 100) ? linkname : asciiCut(linkname, 100),
  });
  if (pax.length === 0) return main;
  const body = paxBody(pax);
  const head = ustar({ name: asciiCut(`PaxHeaders/${spec.name}`, 100), prefix: "", mode: 0o644, uid: 0, gid: 0, size: body.length, mtime, flag: "x", linkname: "" });
  return Buffer.concat([head, body, Buffer.alloc(padding(body.length)), main]);
}

/** The zero bytes that pad a body of `size` bytes to a whole block. */
export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** The two zero blocks that end an archive. */
export function endOfArchive(): Buffer {
  return Buffer.alloc(2 * BLOCK);
}

/** One "<len> <key>=<value>\n" record per pair, len counting the whole record in bytes. */
function paxBody(records: [string, string][]): Buffer {
  return Buffer.concat(
    records.map(([key, value]) => {
      const rest = Buffer.byteLength(` ${key}=${value}\n`);
      let len = rest + String(rest).length;
      if (String(len).length + rest !== len) len = String(len).length + rest;
      return Buffer.from(`${len} ${key}=${value}\n`);
    }),
  );
}

function fits(s: string, n: number): boolean {
  return s.length <= n && /^[\x01-\x7f]*$/.test(s);
}

function asciiCut(s: string, n: number): string {
  return s.replace(/[^\x01-\x7f]/g, "_").slice(0, n);
}

/** The name as ustar's prefix and name fields, or undefined when it does not fit them. */
function splitName(name: string): { prefix: string; name: string } | undefined {
  if (!fits(name, 256)) return undefined;
  if (name.length <= 100) return { prefix: "", name };
  for (let i = name.indexOf("/"); i !== -1; i = name.indexOf("/", i + 1)) {
    if (i <= 155 && name.length - i - 1 <= 100 && i > 0 && i < name.length - 1) return { prefix: name.slice(0, i), name: name.slice(i + 1) };
  }
  return undefined;
}

interface Fields {
  name: string;
  prefix: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  flag: string;
  linkname: string;
}

function ustar(f: Fields): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(f.name, 0, 100, "latin1");
  octal(h, 100, 8, f.mode & 0o7777);
  octal(h, 108, 8, f.uid);
  octal(h, 116, 8, f.gid);
  octal(h, 124, 12, f.size);
  octal(h, 136, 12, f.mtime);
  h.write(f.flag, 156, 1, "latin1");
  h.write(f.linkname, 157, 100, "latin1");
  h.write("ustar\0" + "00", 257, 8, "latin1");
  h.write(f.prefix, 345, 155, "latin1");
  const sum = unsignedSum(h, 0, undefined);
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "latin1");
  return h;
}

/** An octal field, NUL-terminated; a value too big for it is written in base 256 (uid, gid past 2097151). */
function octal(h: Buffer, off: number, width: number, value: number): void {
  const digits = value.toString(8);
  if (value >= 0 && digits.length < width) {
    h.write(digits.padStart(width - 1, "0") + "\0", off, width, "latin1");
    return;
  }
  h[off] = 0x80;
  let v = BigInt(Math.max(0, value));
  for (let i = off + width - 1; i > off; i--, v >>= 8n) h[i] = Number(v & 0xffn);
}
