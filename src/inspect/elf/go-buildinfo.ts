/**
 * Finds and decodes the build information the Go linker embeds in binaries
 * (the `.go.buildinfo` data that `go version -m` reads).
 *
 * Layout: a 32-byte header — 14 bytes of magic, the pointer size, a flags byte
 * (bit 0: big-endian, bit 1: strings inline) — followed, since Go 1.18, by two
 * varint-length-prefixed strings: the Go version and the module information.
 * Before 1.18 the header instead holds two pointers to Go string headers.
 */
import { PF_W, PF_X, PT_LOAD, type ProgramHeader } from "./elf-headers.js";
import { parseModInfo, stripSentinels, type GoBuildInfo } from "./go-modinfo.js";
import type { SparseBytes } from "./sparse-bytes.js";

export type { GoBuildInfo, GoModule } from "./go-modinfo.js";

/** "\xff Go buildinf:" */
export const GO_BUILDINFO_MAGIC = Uint8Array.from([0xff, ...Array.from(" Go buildinf:", (c) => c.charCodeAt(0))]);
const HEADER_SIZE = 32;
const ALIGN = 16;
const FLAG_BIG_ENDIAN = 0x1;
const FLAG_INLINE = 0x2;
const MAX_STRING = 16 << 20;
const SCAN_BLOCK = 1 << 20;
/** How far from the start of the data `go version -m` looks for the header (debug/buildinfo). */
export const GO_DATA_WINDOW = 64 << 10;

export interface GoBuildInfoHints {
  /** The file range of the `.go.buildinfo` section, when section names are known. */
  section?: { offset: number; size: number };
  /** Where to look for the magic when the section does not start with it (see `goDataWindow`). */
  searchRanges?: ReadonlyArray<readonly [number, number]>;
  /** Maps virtual addresses to file offsets, for the pre-1.18 pointer layout. */
  vaddrToOffset?: (vaddr: number) => number | undefined;
}

const utf8 = new TextDecoder();

/**
 * The file range `go version -m` (debug/buildinfo) searches for the header: the first
 * 64 KiB of the `.go.buildinfo` section when the section names are known, else of the
 * first PT_LOAD segment that is writable and not executable (where the Go linker puts
 * that section), cut at the end of the segment's bytes in the file. Undefined when
 * there is no such place: a Go binary without one is not recognised by Go either.
 */
export function goDataWindow(phdrs: readonly ProgramHeader[], section?: { offset: number; size: number }): [number, number] | undefined {
  const load = (at: number) => phdrs.find((p) => p.type === PT_LOAD && p.offset <= at && at < p.offset + p.filesz);
  let start: number;
  let segEnd: number;
  if (section !== undefined) {
    start = section.offset;
    const seg = load(start);
    segEnd = seg === undefined ? start + section.size : seg.offset + seg.filesz;
  } else {
    const seg = phdrs.find((p) => p.type === PT_LOAD && (p.flags & (PF_W | PF_X)) === PF_W && p.filesz > 0);
    if (seg === undefined) return undefined;
    start = seg.offset;
    segEnd = seg.offset + seg.filesz;
  }
  const end = Math.min(start + GO_DATA_WINDOW, segEnd);
  return end > start ? [start, end] : undefined;
}

/** The build information, or undefined when the file carries none that can be found. */
export function parseGoBuildInfo(src: SparseBytes, hints: GoBuildInfoHints = {}): GoBuildInfo | undefined {
  const at = findGoBuildInfo(src, hints);
  if (at === undefined) return undefined;
  const header = src.read(at, HEADER_SIZE);
  if (header === undefined) return undefined;
  const ptrSize = header[14];
  const flags = header[15];
  if ((flags & FLAG_INLINE) !== 0) return decodeInline(src, at + HEADER_SIZE);
  return decodePointers(src, at + 16, ptrSize, (flags & FLAG_BIG_ENDIAN) === 0, hints.vaddrToOffset);
}

/** The file offset of a valid build-info header, or undefined. */
export function findGoBuildInfo(src: SparseBytes, hints: GoBuildInfoHints = {}): number | undefined {
  if (hints.section !== undefined && validHeader(src, hints.section.offset)) return hints.section.offset;
  const captured = src.captured?.() ?? [[0, src.size] as const];
  const ranges = hints.searchRanges === undefined ? captured : intersect(captured, hints.searchRanges);
  for (const [start, end] of ranges) {
    const found = scan(src, start, end);
    if (found !== undefined) return found;
  }
  return undefined;
}

function validHeader(src: SparseBytes, at: number): boolean {
  const h = src.read(at, HEADER_SIZE);
  if (h === undefined) return false;
  for (let i = 0; i < GO_BUILDINFO_MAGIC.length; i++) if (h[i] !== GO_BUILDINFO_MAGIC[i]) return false;
  return (h[14] === 4 || h[14] === 8) && (h[15] & ~(FLAG_BIG_ENDIAN | FLAG_INLINE)) === 0;
}

/** Searches [start, end) block by block for a 16-byte aligned, valid header. */
function scan(src: SparseBytes, start: number, end: number): number | undefined {
  const magic = Buffer.from(GO_BUILDINFO_MAGIC);
  for (let block = start; block < end; block += SCAN_BLOCK) {
    const len = Math.min(SCAN_BLOCK + magic.length - 1, end - block);
    const bytes = src.read(block, len);
    if (bytes === undefined) continue;
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = buf.indexOf(magic); i >= 0; i = buf.indexOf(magic, i + 1)) {
      if ((block + i) % ALIGN === 0 && validHeader(src, block + i)) return block + i;
    }
  }
  return undefined;
}

function intersect(
  a: ReadonlyArray<readonly [number, number]>,
  b: ReadonlyArray<readonly [number, number]>,
): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [s1, e1] of a) {
    for (const [s2, e2] of b) {
      const s = Math.max(s1, s2);
      const e = Math.min(e1, e2);
      if (s < e) out.push([s, e]);
    }
  }
  return out.sort((x, y) => x[0] - y[0]);
}

function decodeInline(src: SparseBytes, at: number): GoBuildInfo {
  const version = readVarString(src, at);
  const empty: GoBuildInfo = { deps: [], settings: {}, format: "inline", complete: false };
  if (version === undefined) return empty;
  const goVersion = utf8.decode(version.bytes);
  const mod = readVarString(src, version.next);
  if (mod === undefined) return { ...empty, goVersion };
  return { ...parseModInfo(utf8.decode(stripSentinels(mod.bytes)), goVersion), format: "inline" };
}

function readVarString(src: SparseBytes, at: number): { bytes: Uint8Array; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    const b = src.read(at + i, 1)?.[0];
    if (b === undefined) return undefined;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) {
      if (value > MAX_STRING) return undefined;
      const bytes = src.read(at + i + 1, value);
      return bytes === undefined ? undefined : { bytes, next: at + i + 1 + value };
    }
  }
  return undefined;
}

function decodePointers(
  src: SparseBytes,
  at: number,
  ptrSize: number,
  little: boolean,
  toOffset: ((vaddr: number) => number | undefined) | undefined,
): GoBuildInfo {
  const empty: GoBuildInfo = { deps: [], settings: {}, format: "pointer", complete: false };
  const readPtr = (offset: number): number | undefined => {
    const b = src.read(offset, ptrSize);
    if (b === undefined) return undefined;
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return ptrSize === 8 ? Number(view.getBigUint64(0, little)) : view.getUint32(0, little);
  };
  const readString = (headerAddr: number | undefined): Uint8Array | undefined => {
    const headerAt = headerAddr === undefined ? undefined : toOffset?.(headerAddr);
    if (headerAt === undefined) return undefined;
    const data = readPtr(headerAt);
    const len = readPtr(headerAt + ptrSize);
    if (data === undefined || len === undefined || len > MAX_STRING) return undefined;
    const dataAt = toOffset?.(data);
    const bytes = dataAt === undefined ? undefined : src.read(dataAt, len);
    return bytes;
  };
  const version = readString(readPtr(at));
  if (version === undefined) return empty;
  const goVersion = utf8.decode(version);
  const mod = readString(readPtr(at + ptrSize));
  if (mod === undefined) return { ...empty, goVersion };
  return { ...parseModInfo(utf8.decode(stripSentinels(mod)), goVersion), format: "pointer" };
}
