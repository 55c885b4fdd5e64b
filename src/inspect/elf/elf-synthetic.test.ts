import { describe, expect, it } from "vitest";
import { ElfCapture } from "./elf-capture.js";
import { parseElf } from "./elf.js";
import { GO_BUILDINFO_MAGIC } from "./go-buildinfo.js";
import { sparseFromBuffer } from "./sparse-bytes.js";

interface Synth {
  cls: 32 | 64;
  little: boolean;
  machine: number;
  type?: number;
  interp?: string;
  needed?: string[];
  soname?: string;
  flags1?: number;
  symtab?: boolean;
  debug?: boolean;
  goVersion?: string;
  /** Bytes of zeros placed before the section header table, to make a big file. */
  padding?: number;
  /** Bytes of zeros placed before the Go build information. */
  gap?: number;
  /** The Go build information starts a writable, not executable PT_LOAD (where the Go linker puts it). */
  goSegment?: boolean;
  /** No section header table (e_shoff 0): nothing names .go.buildinfo. */
  noSections?: boolean;
}

const BASE = 0x10000;

/** Writes a small but well-formed ELF file: one PT_LOAD over everything, optional dynamic parts. */
function synthElf(o: Synth): Uint8Array {
  const is64 = o.cls === 64;
  const buf = new Uint8Array(8192 + (o.padding ?? 0) + (o.gap ?? 0));
  const dv = new DataView(buf.buffer);
  const u16 = (at: number, v: number) => dv.setUint16(at, v, o.little);
  const u32 = (at: number, v: number) => dv.setUint32(at, v, o.little);
  const word = (at: number, v: number) => (is64 ? dv.setBigUint64(at, BigInt(v), o.little) : dv.setUint32(at, v, o.little));
  const [ehsize, phent, shent, W] = is64 ? [64, 56, 64, 8] : [52, 32, 40, 4];
  const phs: Array<{ type: number; flags: number; off: number; size: number }> = [];
  let cur = ehsize + 4 * phent;
  const put = (bytes: Uint8Array | number[], align = 1) => {
    cur = Math.ceil(cur / align) * align;
    const at = cur;
    buf.set(bytes, at);
    cur += bytes.length;
    return at;
  };
  const cstr = (s: string) => [...Buffer.from(s), 0];

  if (o.interp !== undefined) phs.push({ type: 3, flags: 4, off: put(cstr(o.interp)), size: o.interp.length + 1 });
  if (o.needed !== undefined || o.soname !== undefined || o.flags1 !== undefined) {
    const strs: number[] = [0];
    const ref = (s: string) => {
      const at = strs.length;
      strs.push(...cstr(s));
      return at;
    };
    const entries: Array<[number, number]> = (o.needed ?? []).map((n) => [1, ref(n)]);
    if (o.soname !== undefined) entries.push([14, ref(o.soname)]);
    if (o.flags1 !== undefined) entries.push([0x6ffffffb, o.flags1]);
    const strAt = put(strs);
    entries.push([5, BASE + strAt], [10, strs.length], [0, 0]);
    const dynAt = (cur = Math.ceil(cur / 8) * 8);
    entries.forEach(([t, v], i) => {
      word(dynAt + i * 2 * W, t);
      word(dynAt + i * 2 * W + W, v);
    });
    cur += entries.length * 2 * W;
    phs.push({ type: 2, flags: 6, off: dynAt, size: entries.length * 2 * W });
  }
  let goAt = 0;
  if (o.goVersion !== undefined) {
    const mod = "path\texample.com/x\nbuild\tGOARCH=s390x\n";
    const header = [...GO_BUILDINFO_MAGIC, W, o.little ? 2 : 3, ...new Array(16).fill(0)];
    const strings = [o.goVersion.length, ...Buffer.from(o.goVersion), mod.length, ...Buffer.from(mod)];
    cur += o.gap ?? 0;
    goAt = put([...header, ...strings], 16);
    if (o.goSegment) phs.push({ type: 1, flags: 6, off: goAt, size: header.length + strings.length });
  }
  const names = ["", ".shstrtab", ".symtab", ".debug_info", ".go.buildinfo"];
  const nameAt = names.map((_, i) => names.slice(0, i).reduce((n, s) => n + s.length + 1, 0));
  const shstrAt = put(names.flatMap(cstr));
  cur += o.padding ?? 0;
  const sections: Array<[number, number, number, number]> = [[0, 0, 0, 0], [nameAt[1], 3, shstrAt, names.join("\0").length + 1]];
  if (o.symtab) sections.push([nameAt[2], 2, 0, 0]);
  if (o.debug) sections.push([nameAt[3], 1, 0, 0]);
  if (o.goVersion !== undefined) sections.push([nameAt[4], 1, goAt, 64]);
  const shoff = (cur = Math.ceil(cur / 8) * 8);
  sections.forEach(([name, type, off, size], i) => {
    const b = shoff + i * shent;
    u32(b, name);
    u32(b + 4, type);
    word(b + (is64 ? 24 : 16), off);
    word(b + (is64 ? 32 : 20), size);
  });
  const size = shoff + sections.length * shent;
  phs.unshift({ type: 1, flags: 7, off: 0, size });
  phs.forEach((p, i) => {
    const b = ehsize + i * phent;
    u32(b, p.type);
    if (is64) u32(b + 4, p.flags);
    else u32(b + 24, p.flags);
    word(b + W, p.off);
    word(b + 2 * W, BASE + p.off);
    word(b + 4 * W, p.size);
    word(b + 5 * W, p.size);
  });
  buf.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, o.little ? 1 : 2, 1]);
  u16(16, o.type ?? 2);
  u16(18, o.machine);
  u32(20, 1);
  word(24, BASE + 0x100);
  word(24 + W, ehsize);
  word(24 + 2 * W, o.noSections ? 0 : shoff);
  const at = 24 + 3 * W;
  u16(at + 4, ehsize);
  u16(at + 6, phent);
  u16(at + 8, phs.length);
  u16(at + 10, shent);
  u16(at + 12, o.noSections ? 0 : sections.length);
  u16(at + 14, 1);
  return buf.subarray(0, size);
}

describe("parseElf on hand-made headers", () => {
  it("reads 32-bit big-endian dynamic executables", () => {
    const needed = ["libc.so.6", "libm.so.6"];
    const bytes = synthElf({ cls: 32, little: false, machine: 8, type: 3, interp: "/lib/ld.so.1", needed, symtab: true });
    const e = parseElf(sparseFromBuffer(bytes));
    expect(e.error).toBeUndefined();
    expect(e).toMatchObject({ class: 32, endian: "big", machineName: "mips", goarch: "mips", type: "DYN", pie: true, linkage: "dynamic" });
    expect(e).toMatchObject({ interpreter: "/lib/ld.so.1", needed: ["libc.so.6", "libm.so.6"], stripped: false, debugInfo: false, complete: true });
  });

  it("reads 64-bit big-endian files with debug info and Go build info", () => {
    const e = parseElf(sparseFromBuffer(synthElf({ cls: 64, little: false, machine: 22, debug: true, goVersion: "go1.21.5" })));
    expect(e).toMatchObject({ class: 64, endian: "big", machineName: "s390x", goarch: "s390x", type: "EXEC", linkage: "static" });
    expect(e).toMatchObject({ stripped: true, debugInfo: true, complete: true });
    expect(e.go).toMatchObject({ goVersion: "go1.21.5", path: "example.com/x", goarch: "s390x" });
  });

  it("tells static PIEs from shared libraries", () => {
    const spie = parseElf(sparseFromBuffer(synthElf({ cls: 64, little: true, machine: 183, type: 3, flags1: 0x08000000 })));
    expect(spie).toMatchObject({ machineName: "aarch64", goarch: "arm64", linkage: "static-pie", pie: true });
    const lib = parseElf(sparseFromBuffer(synthElf({ cls: 64, little: true, machine: 62, type: 3, soname: "libx.so.1", needed: ["libc.so.6"] })));
    expect(lib).toMatchObject({ soname: "libx.so.1", pie: false, linkage: "dynamic", type: "DYN" });
  });

  it("names machines by class and byte order", () => {
    const name = (machine: number, cls: 32 | 64, little: boolean) => parseElf(sparseFromBuffer(synthElf({ cls, little, machine })));
    expect(name(21, 64, true)).toMatchObject({ machineName: "ppc64le", goarch: "ppc64le" });
    expect(name(21, 64, false)).toMatchObject({ machineName: "ppc64", goarch: "ppc64" });
    expect(name(8, 64, true)).toMatchObject({ machineName: "mips64el", goarch: "mips64le" });
    expect(name(243, 64, true)).toMatchObject({ machineName: "riscv64", goarch: "riscv64" });
    expect(name(258, 64, true)).toMatchObject({ machineName: "loongarch64", goarch: "loong64" });
    expect(name(40, 32, true)).toMatchObject({ machineName: "arm", goarch: "arm" });
    expect(name(3, 32, true)).toMatchObject({ machineName: "i386", goarch: "386" });
    expect(name(9999, 64, true).goarch).toBeUndefined();
  });

  it("captures a big 32-bit file whose section headers lie in the tail", () => {
    const bytes = synthElf({ cls: 32, little: false, machine: 20, interp: "/lib/ld.so.1", needed: ["libc.so.6"], symtab: true, padding: 200_000 });
    const c = new ElfCapture(bytes.length, { wholeLimit: 0, headBytes: 4096, tailBytes: 256 });
    for (let at = 0; at < bytes.length; at += 1000) c.push(bytes.subarray(at, at + 1000));
    const e = parseElf(c.finish());
    expect(e).toMatchObject({ machineName: "ppc", complete: true, stripped: false, needed: ["libc.so.6"], interpreter: "/lib/ld.so.1" });
    expect(c.heldBytes).toBeLessThan(8192);
  });

  it("catches ranges just past the head even when a chunk runs over its end", () => {
    const bytes = synthElf({ cls: 32, little: false, machine: 20, symtab: true, padding: 200_000 });
    const shoff = new DataView(bytes.buffer, bytes.byteOffset).getUint32(32, false);
    const c = new ElfCapture(bytes.length, { wholeLimit: 0, headBytes: shoff - 10, tailBytes: 16 });
    for (let at = 0; at < bytes.length; at += 64 * 1024) c.push(bytes.subarray(at, at + 64 * 1024));
    expect(parseElf(c.finish())).toMatchObject({ machineName: "ppc", complete: true, stripped: false, sections: [".shstrtab", ".symtab"] });
  });

  it("finds Go build information where go version -m looks: the section, else the start of the data segment", () => {
    const bySection = parseElf(sparseFromBuffer(synthElf({ cls: 64, little: true, machine: 62, goVersion: "go1.22.1", gap: 100_000 })));
    expect(bySection.go?.goVersion).toBe("go1.22.1");
    const bySegment = parseElf(sparseFromBuffer(synthElf({ cls: 64, little: true, machine: 62, goVersion: "go1.22.1", gap: 100_000, goSegment: true, noSections: true })));
    expect(bySegment).toMatchObject({ go: { goVersion: "go1.22.1" } });
    expect(bySegment.sections).toBeUndefined();
    // nothing names it and no writable segment starts with it: not Go's build information (as for Go)
    const nowhere = parseElf(sparseFromBuffer(synthElf({ cls: 64, little: true, machine: 62, goVersion: "go1.22.1", gap: 100_000, noSections: true })));
    expect(nowhere.go).toBeUndefined();
  });

  it("captures the Go build information the program headers point at, however the stream is cut", () => {
    const bytes = synthElf({ cls: 64, little: true, machine: 62, goVersion: "go1.22.1", gap: 200_000, goSegment: true, noSections: true, padding: 100_000 });
    for (const piece of [1000, 4093, 64 * 1024]) {
      const c = new ElfCapture(bytes.length, { wholeLimit: 0, headBytes: 4096, tailBytes: 256 });
      for (let at = 0; at < bytes.length; at += piece) c.push(bytes.subarray(at, at + piece));
      expect(parseElf(c.finish()).go?.goVersion, `pieces of ${piece}`).toBe("go1.22.1");
      expect(c.heldBytes).toBeLessThan(16 * 1024);
    }
    const bytewise = new ElfCapture(bytes.length, { wholeLimit: 0, headBytes: 4096, tailBytes: 256 });
    for (let at = 0; at < bytes.length; at += at > 200_000 && at < 210_000 ? 1 : 777) bytewise.push(bytes.subarray(at, at > 200_000 && at < 210_000 ? at + 1 : at + 777));
    expect(parseElf(bytewise.finish()).go?.goVersion).toBe("go1.22.1");
  });
});
