/**
 * GNU sparse files, read as Go's archive/tar reads them: the map of data fragments
 * from an old-GNU 'S' header and its extension blocks, from pax records (formats 0.0
 * and 0.1), or from the start of the body (format 1.0); checked as Go checks it. The
 * reader reports a sparse file with its logical size and delivers none of its bytes.
 */
import { HeaderFieldError, numeric } from "./header.js";
import { paxInteger, PaxError, type PaxRecords } from "./pax.js";

/** [offset, length] pairs, in the order written. */
export type SparseMap = [number, number][];

export class SparseError extends Error {}

/** The entries of an old-GNU sparse map: `count` 24-byte entries at `off`, stopping at one whose offset starts with NUL. */
export function oldGnuEntries(buf: Buffer, off: number, count: number, into: SparseMap): void {
  for (let i = 0; i < count; i++) {
    const at = off + i * 24;
    if (buf[at] === 0) return;
    try {
      into.push([numeric(buf, at, 12, "sparse offset"), numeric(buf, at + 12, 12, "sparse length")]);
    } catch (err) {
      if (err instanceof HeaderFieldError) throw new SparseError(err.message);
      throw err;
    }
  }
}

/** Whether the fragments are in order, do not overlap and stay inside the file (BSD tar's and Go's checks). */
export function validSparseMap(map: SparseMap, size: number): boolean {
  if (size < 0) return false;
  let end = 0;
  for (const [offset, length] of map) {
    if (offset < 0 || length < 0 || offset + length > size || end > offset) return false;
    end = offset + length;
  }
  return true;
}

/** The bytes a map's fragments hold: what the archive stores for the file. */
export function storedBytes(map: SparseMap): number {
  return map.reduce((n, [, length]) => n + length, 0);
}

export interface PaxSparse {
  /** "0.x" keeps its map in the records; "1.0" at the start of the body. */
  format: "0.x" | "1.0";
  /** GNU.sparse.name, when there is one. */
  name: string | undefined;
  /** The file's logical size, when the records give it. */
  size: number | undefined;
  /** The map, for 0.x. */
  map: SparseMap | undefined;
}

/** The sparse file the pax records describe, or undefined when they describe none (as Go decides). */
export function paxSparse(pax: PaxRecords): PaxSparse | undefined {
  const major = pax.get("GNU.sparse.major") ?? "";
  const minor = pax.get("GNU.sparse.minor") ?? "";
  let format: PaxSparse["format"];
  if (major === "0" && (minor === "0" || minor === "1")) format = "0.x";
  else if (major === "1" && minor === "0") format = "1.0";
  else if (major !== "" || minor !== "") return undefined; // a version Go does not know: a plain file
  else if ((pax.get("GNU.sparse.map") ?? "") !== "") format = "0.x";
  else return undefined;
  try {
    const size = paxInteger(pax, "GNU.sparse.size") ?? paxInteger(pax, "GNU.sparse.realsize");
    return { format, name: pax.get("GNU.sparse.name") || undefined, size, map: format === "0.x" ? map0x(pax) : undefined };
  } catch (err) {
    if (err instanceof PaxError) throw new SparseError(err.message);
    throw err;
  }
}

function map0x(pax: PaxRecords): SparseMap {
  const blocks = paxInteger(pax, "GNU.sparse.numblocks") ?? 0;
  const text = pax.get("GNU.sparse.map") ?? "";
  const parts = text === "" ? [] : text.split(",");
  if (blocks < 0 || parts.length !== 2 * blocks) throw new SparseError("GNU sparse map does not match its block count");
  const map: SparseMap = [];
  for (let i = 0; i < parts.length; i += 2) map.push([decimal(parts[i]!), decimal(parts[i + 1]!)]);
  return map;
}

function decimal(s: string): number {
  if (!/^[+-]?[0-9]{1,19}$/.test(s)) throw new SparseError(`GNU sparse map value '${s.slice(0, 20)}' is not a number`);
  return Number(s);
}

/**
 * The 1.0 map at the start of a body, read block by block: a count, then that many
 * offset and length pairs, one decimal number a line; what follows the last line in
 * its block is padding.
 */
export class SparseMap1x0 {
  readonly map: SparseMap = [];
  #count: number | undefined;
  #pending: number | undefined;
  #token = "";

  /** Feeds one 512-byte block; true when the map is complete. */
  block(buf: Buffer, off: number): boolean {
    for (let i = off; i < off + 512 && !this.done; i++) {
      const c = buf[i]!;
      if (c !== 0x0a) {
        if (this.#token.length >= 24) throw new SparseError("GNU sparse map (1.0) holds something that is not a number");
        this.#token += String.fromCharCode(c);
        continue;
      }
      const n = decimal(this.#token);
      this.#token = "";
      if (this.#count === undefined) {
        if (n < 0) throw new SparseError("GNU sparse map (1.0) has a negative count");
        this.#count = n;
      } else if (this.#pending === undefined) this.#pending = n;
      else {
        this.map.push([this.#pending, n]);
        this.#pending = undefined;
      }
    }
    return this.done;
  }

  get done(): boolean {
    return this.#count !== undefined && this.map.length === this.#count && this.#pending === undefined;
  }
}
