/**
 * PAX extended header records ("<len> <key>=<value>\n"), read as Go's archive/tar reads
 * them: a record that does not parse makes the header malformed, and GNU sparse 0.0's
 * repeated offset/numbytes records are gathered into one map.
 */
import { nameText } from "./name-bytes.js";

export type PaxRecords = Map<string, string>;

export class PaxError extends Error {}

/** Keys whose values may not hold a NUL (for every other key, the key itself may not). */
const NO_NUL_VALUES = new Set(["path", "linkpath", "uname", "gname"]);

export function parsePax(data: Buffer): PaxRecords {
  const out: PaxRecords = new Map();
  const sparse: string[] = [];
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp === -1 || sp - pos > 20) throw new PaxError("malformed pax record: no length");
    let len = 0;
    for (let i = data[pos] === 0x2b /* + */ && sp > pos + 1 ? pos + 1 : pos; i < sp; i++) {
      const c = data[i]!;
      if (c < 0x30 || c > 0x39) throw new PaxError("malformed pax record: bad length");
      len = len * 10 + (c - 0x30);
    }
    const end = pos + len;
    if (sp === pos || len < 5 || end > data.length || end <= sp + 1 || data[end - 1] !== 0x0a) {
      throw new PaxError("malformed pax record");
    }
    const eq = data.indexOf(0x3d, sp + 1);
    if (eq === -1 || eq >= end - 1 || eq === sp + 1) throw new PaxError("malformed pax record: no key");
    const key = data.toString("utf8", sp + 1, eq);
    const value = nameText(data, eq + 1, end - 1);
    if ((NO_NUL_VALUES.has(key) ? value : key).includes("\0")) throw new PaxError(`malformed pax record: NUL in '${key}'`);
    if (key === "GNU.sparse.offset" || key === "GNU.sparse.numbytes") {
      const expected = sparse.length % 2 === 0 ? "GNU.sparse.offset" : "GNU.sparse.numbytes";
      if (key !== expected || value.includes(",")) throw new PaxError("malformed GNU sparse map");
      sparse.push(value);
    } else out.set(key, value);
    pos = end;
  }
  if (sparse.length > 0) out.set("GNU.sparse.map", sparse.join(","));
  return out;
}

/** A decimal integer record value (uid, gid, size) as a 64-bit one (approximate past 2^53), or a PaxError. */
export function paxInteger(records: PaxRecords, key: string): number | undefined {
  const v = records.get(key);
  if (v === undefined || v === "") return undefined;
  if (!/^[+-]?[0-9]+$/.test(v)) throw new PaxError(`pax record ${key}=${v.slice(0, 20)} is not a number`);
  const n = Number(v);
  if (!(Math.abs(n) < 2 ** 63)) throw new PaxError(`pax record ${key} is too large`);
  return n;
}

/** Checks the records an entry takes that the reader does not otherwise use: times must be decimal seconds. */
export function checkPaxTimes(records: PaxRecords): void {
  for (const key of ["mtime", "atime", "ctime"]) {
    const v = records.get(key);
    if (v === undefined || v === "") continue;
    const m = /^([+-]?[0-9]+)(\.[0-9]*)?$/.exec(v);
    if (!m || !(Math.abs(Number(m[1])) < 2 ** 63)) throw new PaxError(`pax record ${key}=${v.slice(0, 20)} is not a time`);
  }
}
