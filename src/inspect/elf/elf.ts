/**
 * What an ELF binary is, read from its headers without running it: machine,
 * kind, linkage, interpreter and needed libraries, stripping, debug info, build
 * IDs and, for Go binaries, the embedded build information.
 *
 * Works over a sparse view: parts that were not captured make the answer
 * best-effort (`complete: false`) rather than an error. Never throws.
 */
import { readDynamic, DF_1_PIE } from "./elf-dynamic.js";
import {
  PT_INTERP,
  PT_LOAD,
  SHT_SYMTAB,
  nameSections,
  programTableRange,
  readElfHeader,
  readProgramHeaders,
  readSectionHeaders,
  sectionTableRange,
  vaddrToOffset,
  type ElfHeader,
  type ProgramHeader,
} from "./elf-headers.js";
import { machineNames } from "./elf-machine.js";
import { noteAreas, readBuildIds } from "./elf-notes.js";
import { goDataWindow, parseGoBuildInfo, type GoBuildInfo } from "./go-buildinfo.js";
import { readCString, type SparseBytes } from "./sparse-bytes.js";

export type ElfType = "EXEC" | "DYN" | "REL" | "CORE" | "OTHER";
export type ElfLinkage = "static" | "static-pie" | "dynamic";

export interface ElfInfo {
  class: 32 | 64;
  endian: "little" | "big";
  /** The raw e_machine value. */
  machine: number;
  /** x86_64, aarch64, arm, i386, riscv64, ppc64le, s390x, mips64el, loongarch64, ... */
  machineName: string;
  /** The Go/OCI architecture name (amd64, arm64, ...), for comparison with an image's platform. */
  goarch?: string;
  osabi: number;
  type: ElfType;
  entry: number;
  /** A position-independent executable (not a shared library). */
  pie: boolean;
  /** The program interpreter (PT_INTERP), e.g. /lib64/ld-linux-x86-64.so.2. */
  interpreter?: string;
  /** DT_NEEDED libraries, in order. */
  needed: string[];
  soname?: string;
  rpath: string[];
  runpath: string[];
  linkage: ElfLinkage;
  /** No symbol table (SHT_SYMTAB). */
  stripped: boolean;
  /** Has .debug_* or .zdebug_* sections. */
  debugInfo: boolean;
  /** Section names (the empty name of the null section left out), when the name table could be read. */
  sections?: string[];
  /** The GNU build ID, as hex. */
  buildId?: string;
  /** The Go linker's build ID. */
  goBuildId?: string;
  /** False when some ranges were missing, so some fields are best-effort. */
  complete: boolean;
  /** What could not be read, for messages. */
  problems: string[];
  go?: GoBuildInfo;
  /**
   * Set when the file is not a usable ELF (not ELF at all, truncated, corrupt).
   * Fields from the file header are still filled when it was readable; the
   * others then hold neutral values and `complete` is false.
   */
  error?: string;
}

const TYPES: Record<number, ElfType> = { 1: "REL", 2: "EXEC", 3: "DYN", 4: "CORE" };

export function parseElf(src: SparseBytes): ElfInfo {
  let h: ElfHeader | string = "ELF header not read";
  try {
    h = readElfHeader(src);
    if (typeof h === "string") return failed(undefined, h);
    const bad = outOfBounds(h, src.size);
    return bad === undefined ? parse(src, h) : failed(h, bad);
  } catch (err) {
    return failed(typeof h === "string" ? undefined : h, `malformed ELF: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The answer for an unusable file: what the header told, neutral values for the rest. */
function failed(h: ElfHeader | undefined, error: string): ElfInfo {
  const machine = h === undefined ? undefined : machineNames(h.machine, h.class, h.little);
  return {
    class: h?.class ?? 64,
    endian: h === undefined || h.little ? "little" : "big",
    machine: h?.machine ?? 0,
    machineName: machine?.name ?? "unknown",
    ...(machine?.goarch === undefined ? {} : { goarch: machine.goarch }),
    osabi: h?.osabi ?? 0,
    type: h === undefined ? "OTHER" : (TYPES[h.type] ?? "OTHER"),
    entry: h?.entry ?? 0,
    pie: false,
    needed: [],
    rpath: [],
    runpath: [],
    linkage: "static",
    stripped: false,
    debugInfo: false,
    complete: false,
    problems: [error],
    error,
  };
}

function parse(src: SparseBytes, h: ElfHeader): ElfInfo {
  const problems: string[] = [];

  const phdrs = readProgramHeaders(src, h);
  if (phdrs === undefined) problems.push("program headers not captured");
  const loadEnd = (phdrs ?? []).reduce((end, p) => (p.type === PT_LOAD ? Math.max(end, p.offset + p.filesz) : end), 0);
  if (loadEnd > src.size) return failed(h, `truncated ELF: segments reach ${loadEnd} but the file has ${src.size} bytes`);

  const sections = readSectionHeaders(src, h);
  if (sections === undefined) problems.push("section headers not captured");
  const named = sections !== undefined && sections.length > 0 && nameSections(src, h, sections);
  if (sections !== undefined && sections.length > 0 && !named) problems.push("section names not captured");
  const names = named ? sections.map((s) => s.name ?? "").filter((n) => n !== "") : undefined;

  const interpreter = readInterpreter(src, phdrs ?? [], problems);
  const dyn = readDynamic(src, h, phdrs ?? [], sections);
  if (dyn !== undefined && !dyn.complete) problems.push("dynamic section not fully captured");
  const ids = readBuildIds(src, h, noteAreas(phdrs, sections));
  if (!ids.complete) problems.push("notes not captured");

  const type = TYPES[h.type] ?? "OTHER";
  const needed = dyn?.needed ?? [];
  const hasInterp = phdrs?.some((p) => p.type === PT_INTERP) ?? false;
  const linkage: ElfLinkage =
    hasInterp || needed.length > 0 ? "dynamic" : type === "DYN" && dyn !== undefined ? "static-pie" : "static";
  const pie =
    type === "DYN" &&
    (hasInterp || ((dyn?.flags1 ?? 0) & DF_1_PIE) !== 0 || (linkage === "static-pie" && dyn?.soname === undefined));

  const buildInfoSection = named ? sections.find((s) => s.name === ".go.buildinfo") : undefined;
  const section = buildInfoSection && { offset: buildInfoSection.offset, size: buildInfoSection.size };
  // where `go version -m` looks: the section, else the start of the data segment (headers not read: anywhere captured)
  const window = phdrs === undefined ? undefined : goDataWindow(phdrs, section);
  const go = parseGoBuildInfo(src, {
    ...(section === undefined ? {} : { section }),
    ...(phdrs === undefined ? {} : { searchRanges: window === undefined ? [] : [window] }),
    vaddrToOffset: (v) => vaddrToOffset(phdrs ?? [], v),
  });
  if (go !== undefined && !go.complete) problems.push("Go build information not fully captured");

  const machine = machineNames(h.machine, h.class, h.little);
  const info: ElfInfo = {
    class: h.class,
    endian: h.little ? "little" : "big",
    machine: h.machine,
    machineName: machine.name,
    osabi: h.osabi,
    type,
    entry: h.entry,
    pie,
    needed,
    rpath: dyn?.rpath ?? [],
    runpath: dyn?.runpath ?? [],
    linkage,
    stripped: sections === undefined ? false : !sections.some((s) => s.type === SHT_SYMTAB),
    debugInfo: names?.some((n) => n.startsWith(".debug_") || n.startsWith(".zdebug_")) ?? false,
    complete: problems.length === 0,
    problems,
  };
  if (machine.goarch !== undefined) info.goarch = machine.goarch;
  if (interpreter !== undefined) info.interpreter = interpreter;
  if (dyn?.soname !== undefined) info.soname = dyn.soname;
  if (names !== undefined) info.sections = names;
  if (ids.gnu !== undefined) info.buildId = ids.gnu;
  if (ids.go !== undefined) info.goBuildId = ids.go;
  if (go !== undefined) info.go = go;
  return info;
}

/** A header whose tables lie outside the file means a truncated or corrupt file. */
function outOfBounds(h: ElfHeader, size: number): string | undefined {
  const ph = programTableRange(h);
  if (h.phnum > 0 && ph === undefined) return "malformed ELF: bad program header entry size";
  if (ph !== undefined && ph[1] > size) return "truncated ELF: program header table lies past the end of the file";
  const sh = sectionTableRange(h);
  if (h.shnum > 0 && h.shoff !== 0 && sh === undefined) return "malformed ELF: bad section header entry size";
  if (sh !== undefined && sh[1] > size) return "truncated ELF: section header table lies past the end of the file";
  return undefined;
}

function readInterpreter(src: SparseBytes, phdrs: readonly ProgramHeader[], problems: string[]): string | undefined {
  const seg = phdrs.find((p) => p.type === PT_INTERP);
  if (seg === undefined) return undefined;
  const s = readCString(src, seg.offset, Math.min(seg.filesz, 4096));
  if (s === undefined) problems.push("interpreter not captured");
  return s;
}
