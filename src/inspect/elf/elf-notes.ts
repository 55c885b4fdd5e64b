/**
 * ELF notes: the GNU build ID (NT_GNU_BUILD_ID) and the Go toolchain's build ID.
 */
import { Fields, PT_NOTE, SHT_NOTE, type ElfHeader, type ProgramHeader, type SectionHeader } from "./elf-headers.js";
import type { SparseBytes } from "./sparse-bytes.js";

const NT_GNU_BUILD_ID = 3;
const NT_GO_BUILD_ID = 4;

export interface BuildIds {
  /** Hex digits of the GNU build ID. */
  gnu?: string;
  /** The Go linker's build ID string. */
  go?: string;
  /** False when some note area was not captured. */
  complete: boolean;
}

export interface NoteArea {
  readonly offset: number;
  readonly size: number;
  readonly align: number;
}

/** Note areas from the program headers, or from the section headers when no segment holds notes. */
export function noteAreas(phdrs: readonly ProgramHeader[] | undefined, sections: readonly SectionHeader[] | undefined): NoteArea[] {
  const fromSegments = (phdrs ?? [])
    .filter((p) => p.type === PT_NOTE && p.filesz > 0)
    .map((p) => ({ offset: p.offset, size: p.filesz, align: p.align }));
  if (fromSegments.length > 0) return fromSegments;
  return (sections ?? [])
    .filter((s) => s.type === SHT_NOTE && s.size > 0)
    .map((s) => ({ offset: s.offset, size: s.size, align: s.addralign }));
}

export function readBuildIds(src: SparseBytes, h: ElfHeader, areas: readonly NoteArea[]): BuildIds {
  const ids: BuildIds = { complete: true };
  for (const area of areas) {
    const bytes = area.size <= 1 << 20 ? src.read(area.offset, area.size) : undefined;
    if (bytes === undefined) {
      ids.complete = false;
      continue;
    }
    for (const note of notesIn(bytes, h.little, area.align === 8 ? 8 : 4)) {
      if (note.name === "GNU" && note.type === NT_GNU_BUILD_ID) ids.gnu ??= hex(note.desc);
      else if (note.name === "Go" && note.type === NT_GO_BUILD_ID) ids.go ??= latin1(note.desc);
    }
  }
  return ids;
}

interface Note {
  name: string;
  type: number;
  desc: Uint8Array;
}

function notesIn(bytes: Uint8Array, little: boolean, align: number): Note[] {
  const f = new Fields(bytes, little);
  const out: Note[] = [];
  const pad = (n: number) => Math.ceil(n / align) * align;
  let at = 0;
  while (at + 12 <= bytes.length) {
    const namesz = f.u32(at);
    const descsz = f.u32(at + 4);
    const type = f.u32(at + 8);
    const nameAt = at + 12;
    const descAt = nameAt + pad(namesz);
    if (descAt + descsz > bytes.length) break;
    const rawName = bytes.subarray(nameAt, nameAt + namesz);
    const nul = rawName.indexOf(0);
    out.push({ name: latin1(nul >= 0 ? rawName.subarray(0, nul) : rawName), type, desc: bytes.subarray(descAt, descAt + descsz) });
    at = descAt + pad(descsz);
  }
  return out;
}

function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}
