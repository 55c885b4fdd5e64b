/**
 * The fixed-layout structures of an ELF file: the file header, the program
 * header table and the section header table, for both classes and byte orders.
 */
import { readCString, sparseFromBuffer, type SparseBytes } from "./sparse-bytes.js";

export interface ElfHeader {
  readonly class: 32 | 64;
  readonly little: boolean;
  readonly osabi: number;
  readonly type: number;
  readonly machine: number;
  readonly entry: number;
  readonly phoff: number;
  readonly shoff: number;
  readonly flags: number;
  readonly phentsize: number;
  readonly phnum: number;
  readonly shentsize: number;
  readonly shnum: number;
  readonly shstrndx: number;
}

export interface ProgramHeader {
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
  readonly memsz: number;
  readonly align: number;
}

export interface SectionHeader {
  readonly nameOffset: number;
  readonly type: number;
  readonly flags: number;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  name?: string;
}

export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PF_X = 1;
export const PF_W = 2;
export const SHT_SYMTAB = 2;
export const SHT_DYNAMIC = 6;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;

/** Reads unsigned integers of one byte order out of a byte array. */
export class Fields {
  readonly #view: DataView;
  constructor(bytes: Uint8Array, readonly little: boolean) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(at: number): number {
    return this.#view.getUint8(at);
  }
  u16(at: number): number {
    return this.#view.getUint16(at, this.little);
  }
  u32(at: number): number {
    return this.#view.getUint32(at, this.little);
  }
  /** Exact below 2^53; larger values lose precision, which only makes them fail range checks. */
  u64(at: number): number {
    return Number(this.#view.getBigUint64(at, this.little));
  }
  word(at: number, is64: boolean): number {
    return is64 ? this.u64(at) : this.u32(at);
  }
}

/** A parsed file header, or a message saying why there is none. */
export function readElfHeader(src: SparseBytes): ElfHeader | string {
  const ident = src.read(0, 16);
  if (ident === undefined) return src.size < 16 ? "file too short for an ELF header" : "ELF header not captured";
  if (ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) return "not an ELF file";
  const cls = ident[4] === 1 ? 32 : ident[4] === 2 ? 64 : undefined;
  if (cls === undefined) return `unknown ELF class ${ident[4]}`;
  if (ident[5] !== 1 && ident[5] !== 2) return `unknown ELF byte order ${ident[5]}`;
  const is64 = cls === 64;
  const raw = src.read(0, is64 ? 64 : 52);
  if (raw === undefined) return "file too short for an ELF header";
  const f = new Fields(raw, ident[5] === 1);
  const w = is64 ? 8 : 4;
  const at = 24 + 3 * w; // e_flags follows e_entry, e_phoff and e_shoff
  const header = {
    class: cls,
    little: f.little,
    osabi: ident[7],
    type: f.u16(16),
    machine: f.u16(18),
    entry: f.word(24, is64),
    phoff: f.word(24 + w, is64),
    shoff: f.word(24 + 2 * w, is64),
    flags: f.u32(at),
    phentsize: f.u16(at + 6),
    phnum: f.u16(at + 8),
    shentsize: f.u16(at + 10),
    shnum: f.u16(at + 12),
    shstrndx: f.u16(at + 14),
  } satisfies ElfHeader;
  return extendedNumbering(src, header);
}

/** Counts that overflow 16 bits are kept in the first section header (ELF "extended numbering"). */
function extendedNumbering(src: SparseBytes, h: ElfHeader): ElfHeader {
  if (h.shoff === 0 || (h.shnum !== 0 && h.shstrndx !== 0xffff && h.phnum !== 0xffff)) return h;
  const first = readSectionHeader(src, h, 0);
  if (first === undefined) return h;
  return {
    ...h,
    shnum: h.shnum === 0 ? first.size : h.shnum,
    shstrndx: h.shstrndx === 0xffff ? first.link : h.shstrndx,
    phnum: h.phnum === 0xffff ? first.info : h.phnum,
  };
}

export function programTableRange(h: ElfHeader): [number, number] | undefined {
  if (h.phnum === 0 || h.phoff === 0 || h.phentsize < (h.class === 64 ? 56 : 32)) return undefined;
  return [h.phoff, h.phoff + h.phnum * h.phentsize];
}

export function sectionTableRange(h: ElfHeader): [number, number] | undefined {
  if (h.shnum === 0 || h.shoff === 0 || h.shentsize < (h.class === 64 ? 64 : 40)) return undefined;
  return [h.shoff, h.shoff + h.shnum * h.shentsize];
}

/** The program headers, `[]` when there are none, undefined when they were not captured or are malformed. */
export function readProgramHeaders(src: SparseBytes, h: ElfHeader): ProgramHeader[] | undefined {
  if (h.phnum === 0) return [];
  const range = programTableRange(h);
  if (range === undefined) return undefined;
  const table = src.read(range[0], range[1] - range[0]);
  if (table === undefined) return undefined;
  const f = new Fields(table, h.little);
  const out: ProgramHeader[] = [];
  for (let i = 0; i < h.phnum; i++) {
    const b = i * h.phentsize;
    out.push(h.class === 64 ? program64(f, b) : program32(f, b));
  }
  return out;
}

function readSectionHeader(src: SparseBytes, h: ElfHeader, index: number): SectionHeader | undefined {
  const size = h.class === 64 ? 64 : 40;
  if (h.shentsize < size) return undefined;
  const bytes = src.read(h.shoff + index * h.shentsize, size);
  return bytes === undefined ? undefined : decodeSection(new Fields(bytes, h.little), 0, h.class === 64);
}

function program64(f: Fields, b: number): ProgramHeader {
  return {
    type: f.u32(b),
    flags: f.u32(b + 4),
    offset: f.u64(b + 8),
    vaddr: f.u64(b + 16),
    filesz: f.u64(b + 32),
    memsz: f.u64(b + 40),
    align: f.u64(b + 48),
  };
}

function program32(f: Fields, b: number): ProgramHeader {
  return {
    type: f.u32(b),
    offset: f.u32(b + 4),
    vaddr: f.u32(b + 8),
    filesz: f.u32(b + 16),
    memsz: f.u32(b + 20),
    flags: f.u32(b + 24),
    align: f.u32(b + 28),
  };
}

/** Section header fields; the 32-bit layout has 4-byte words where the 64-bit one has 8. */
function decodeSection(f: Fields, b: number, is64: boolean): SectionHeader {
  const w = is64 ? 8 : 4;
  const word = (at: number) => f.word(at, is64);
  return {
    nameOffset: f.u32(b),
    type: f.u32(b + 4),
    flags: word(b + 8),
    addr: word(b + 8 + w),
    offset: word(b + 8 + 2 * w),
    size: word(b + 8 + 3 * w),
    link: f.u32(b + 8 + 4 * w),
    info: f.u32(b + 12 + 4 * w),
    addralign: word(b + 16 + 4 * w),
  };
}

/** The section headers, `[]` when there are none, undefined when they were not captured or are malformed. */
export function readSectionHeaders(src: SparseBytes, h: ElfHeader): SectionHeader[] | undefined {
  if (h.shnum === 0 || h.shoff === 0) return [];
  const range = sectionTableRange(h);
  if (range === undefined) return undefined;
  const table = src.read(range[0], range[1] - range[0]);
  if (table === undefined) return undefined;
  const f = new Fields(table, h.little);
  const out: SectionHeader[] = [];
  for (let i = 0; i < h.shnum; i++) out.push(decodeSection(f, i * h.shentsize, h.class === 64));
  return out;
}

/** Fills in section names from the section name string table; false when it was not readable. */
export function nameSections(src: SparseBytes, h: ElfHeader, sections: SectionHeader[]): boolean {
  const strtab = sections[h.shstrndx];
  if (strtab === undefined || h.shstrndx === 0 || strtab.type === SHT_NOBITS) return false;
  const table = src.read(strtab.offset, strtab.size);
  if (table === undefined) return false;
  const names = sparseNames(table);
  for (const s of sections) s.name = s.nameOffset < table.length ? names(s.nameOffset) : undefined;
  return sections.every((s) => s.name !== undefined);
}

function sparseNames(table: Uint8Array): (at: number) => string | undefined {
  const view = sparseFromBuffer(table);
  return (at) => readCString(view, at, table.length - at);
}

/** Maps a virtual address to a file offset through the PT_LOAD segments. */
export function vaddrToOffset(phdrs: readonly ProgramHeader[], vaddr: number): number | undefined {
  for (const p of phdrs) {
    if (p.type === PT_LOAD && vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz) return p.offset + (vaddr - p.vaddr);
  }
  return undefined;
}
