/**
 * The dynamic section: which shared libraries a binary needs, its soname and
 * search paths, and the DF_1_PIE flag.
 */
import {
  Fields,
  PT_DYNAMIC,
  SHT_DYNAMIC,
  vaddrToOffset,
  type ElfHeader,
  type ProgramHeader,
  type SectionHeader,
} from "./elf-headers.js";
import { readCString, type SparseBytes } from "./sparse-bytes.js";

const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_RUNPATH = 29;
const DT_FLAGS_1 = 0x6ffffffb;
export const DF_1_PIE = 0x08000000;

export interface DynamicInfo {
  needed: string[];
  soname?: string;
  rpath: string[];
  runpath: string[];
  flags1: number;
  /** False when the table or some of its strings were not readable. */
  complete: boolean;
}

/** Where the dynamic table lies in the file: PT_DYNAMIC, else an SHT_DYNAMIC section. */
export function dynamicRange(
  phdrs: readonly ProgramHeader[] | undefined,
  sections: readonly SectionHeader[] | undefined,
): [number, number] | undefined {
  const seg = phdrs?.find((p) => p.type === PT_DYNAMIC);
  if (seg !== undefined) return [seg.offset, seg.offset + seg.filesz];
  const sec = sections?.find((s) => s.type === SHT_DYNAMIC);
  return sec === undefined ? undefined : [sec.offset, sec.offset + sec.size];
}

/** The (tag, value) entries up to DT_NULL; undefined when not captured. */
export function readDynamicEntries(src: SparseBytes, h: ElfHeader, range: [number, number]): Array<[number, number]> | undefined {
  const entSize = h.class === 64 ? 16 : 8;
  const count = Math.floor(Math.max(0, range[1] - range[0]) / entSize);
  const bytes = src.read(range[0], count * entSize);
  if (bytes === undefined) return undefined;
  const f = new Fields(bytes, h.little);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) {
    const tag = f.word(i * entSize, h.class === 64);
    if (tag === DT_NULL) break;
    out.push([tag, f.word(i * entSize + entSize / 2, h.class === 64)]);
  }
  return out;
}

/** The file range of the dynamic string table named by DT_STRTAB/DT_STRSZ. */
export function dynamicStringRange(entries: Array<[number, number]>, phdrs: readonly ProgramHeader[]): [number, number] | undefined {
  const addr = entries.find(([t]) => t === DT_STRTAB)?.[1];
  if (addr === undefined) return undefined;
  const offset = vaddrToOffset(phdrs, addr);
  if (offset === undefined) return undefined;
  const size = entries.find(([t]) => t === DT_STRSZ)?.[1] ?? 0;
  return [offset, offset + size];
}

export function readDynamic(
  src: SparseBytes,
  h: ElfHeader,
  phdrs: readonly ProgramHeader[],
  sections: readonly SectionHeader[] | undefined,
): DynamicInfo | undefined {
  const range = dynamicRange(phdrs, sections);
  if (range === undefined) return undefined;
  const info: DynamicInfo = { needed: [], rpath: [], runpath: [], flags1: 0, complete: true };
  const entries = readDynamicEntries(src, h, range);
  if (entries === undefined) return { ...info, complete: false };
  const strings = dynamicStringRange(entries, phdrs);
  const str = (at: number): string | undefined => {
    if (strings === undefined) return undefined;
    const limit = strings[1] > strings[0] ? strings[1] - strings[0] - at : 4096;
    const s = limit > 0 ? readCString(src, strings[0] + at, Math.min(limit, 4096)) : undefined;
    if (s === undefined) info.complete = false;
    return s;
  };
  for (const [tag, val] of entries) {
    if (tag === DT_FLAGS_1) info.flags1 = val;
    else if (tag === DT_NEEDED) pushDefined(info.needed, str(val));
    else if (tag === DT_SONAME) info.soname = str(val);
    else if (tag === DT_RPATH) info.rpath.push(...splitPath(str(val)));
    else if (tag === DT_RUNPATH) info.runpath.push(...splitPath(str(val)));
  }
  return info;
}

function pushDefined(list: string[], s: string | undefined): void {
  if (s !== undefined) list.push(s);
}

function splitPath(s: string | undefined): string[] {
  return s === undefined || s === "" ? [] : s.split(":");
}
