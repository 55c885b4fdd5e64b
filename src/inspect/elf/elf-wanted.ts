/**
 * Which byte ranges of an ELF file the parser needs, judged from what has been
 * captured so far. A streaming capture asks again as more arrives: the file
 * header leads to the header tables, those to the interpreter, dynamic table,
 * notes, Go build information and section names, and the dynamic table to its
 * string table.
 */
import { dynamicRange, dynamicStringRange, readDynamicEntries } from "./elf-dynamic.js";
import {
  PT_INTERP,
  SHT_NOBITS,
  nameSections,
  programTableRange,
  readElfHeader,
  readProgramHeaders,
  readSectionHeaders,
  sectionTableRange,
} from "./elf-headers.js";
import { noteAreas } from "./elf-notes.js";
import { goDataWindow } from "./go-buildinfo.js";
import type { SparseBytes } from "./sparse-bytes.js";

/** Ranges above this size are not worth holding: the parser does without them. */
export const MAX_WANTED_RANGE = 4 << 20;

export function wantedRanges(src: SparseBytes): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const add = (r: readonly [number, number] | undefined) => {
    if (r === undefined) return;
    const start = Math.max(0, r[0]);
    const end = Math.min(src.size, r[1]);
    if (end > start && end - start <= MAX_WANTED_RANGE) out.push([start, end]);
  };

  const h = readElfHeader(src);
  if (typeof h === "string") return out;
  add(programTableRange(h));
  add(sectionTableRange(h));

  const phdrs = readProgramHeaders(src, h);
  const sections = readSectionHeaders(src, h);
  for (const p of phdrs ?? []) {
    if (p.type === PT_INTERP) add([p.offset, p.offset + p.filesz]);
  }
  for (const n of noteAreas(phdrs, sections)) add([n.offset, n.offset + n.size]);
  add(dynamicRange(phdrs, sections));
  // where Go's build information is looked for, known from the program headers before it streams by
  if (phdrs !== undefined) add(goDataWindow(phdrs));

  if (sections !== undefined && sections.length > 0) {
    const strtab = sections[h.shstrndx];
    if (h.shstrndx !== 0 && strtab !== undefined && strtab.type !== SHT_NOBITS) {
      add([strtab.offset, strtab.offset + strtab.size]);
    }
    if (nameSections(src, h, sections)) {
      for (const s of sections) {
        if (s.name === ".go.buildinfo" || s.name === ".interp") add([s.offset, s.offset + s.size]);
      }
    }
  }

  const dyn = dynamicRange(phdrs, sections);
  const entries = dyn === undefined ? undefined : readDynamicEntries(src, h, dyn);
  if (entries !== undefined && phdrs !== undefined) add(dynamicStringRange(entries, phdrs));
  return out;
}
