import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildC, hasGcc } from "../../../fixtures/binaries.js";
import { parseElf, type ElfInfo } from "./elf.js";
import { sparseFromBuffer, sparseFromSegments } from "./sparse-bytes.js";

const onHost = process.arch === "x64" && process.platform === "linux";

describe.skipIf(!hasGcc() || !onHost)("parseElf on C binaries built with gcc", () => {
  let dir: string;
  const bin: Record<string, Buffer> = {};
  const info = (name: string): ElfInfo => parseElf(sparseFromBuffer(bin[name]));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "imgpolicy-elf-c-"));
    const builds = {
      dynamic: buildC(dir, { name: "dynamic" }),
      stripped: buildC(dir, { name: "stripped", strip: true }),
      debug: buildC(dir, { name: "debug", debug: true }),
      static: buildC(dir, { name: "static", static: true }),
      staticStripped: buildC(dir, { name: "static-stripped", static: true, strip: true }),
      staticPie: buildC(dir, { name: "static-pie", staticPie: true }),
    };
    for (const [name, path] of Object.entries(builds)) bin[name] = await readFile(await path);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("reads a dynamic PIE: interpreter, needed libraries, machine", () => {
    const e = info("dynamic");
    expect(e.error).toBeUndefined();
    expect(e).toMatchObject({
      class: 64,
      endian: "little",
      machine: 62,
      machineName: "x86_64",
      goarch: "amd64",
      type: "DYN",
      pie: true,
      linkage: "dynamic",
      interpreter: "/lib64/ld-linux-x86-64.so.2",
      complete: true,
      stripped: false,
    });
    expect(e.needed).toContain("libc.so.6");
    expect(e.sections).toContain(".symtab");
    expect(e.buildId).toMatch(/^[0-9a-f]{40}$/);
    expect(e.go).toBeUndefined();
    expect(e.problems).toEqual([]);
  });

  it("tells stripped from not stripped, and sees debug info", () => {
    expect(info("stripped").stripped).toBe(true);
    expect(info("stripped").sections).not.toContain(".symtab");
    expect(info("stripped").debugInfo).toBe(false);
    expect(info("dynamic").debugInfo).toBe(false);
    expect(info("debug")).toMatchObject({ stripped: false, debugInfo: true });
    expect(info("debug").sections).toContain(".debug_info");
  });

  it("reads a static executable: no interpreter, not PIE", () => {
    const e = info("static");
    expect(e).toMatchObject({ type: "EXEC", pie: false, linkage: "static", stripped: false, needed: [], complete: true });
    expect(e.interpreter).toBeUndefined();
    expect(info("staticStripped")).toMatchObject({ linkage: "static", stripped: true });
  });

  it("reads a static PIE", () => {
    expect(info("staticPie")).toMatchObject({ type: "DYN", pie: true, linkage: "static-pie", needed: [] });
    expect(info("staticPie").interpreter).toBeUndefined();
  });

  it("gives best-effort answers over a sparse view with gaps", () => {
    const whole = bin.static;
    const head = whole.subarray(0, 4096);
    const tail = whole.subarray(whole.length - 16384);
    const e = parseElf(sparseFromSegments(whole.length, [{ offset: 0, bytes: head }, { offset: whole.length - tail.length, bytes: tail }]));
    expect(e.error).toBeUndefined();
    expect(e).toMatchObject({ machineName: "x86_64", type: "EXEC", linkage: "static", stripped: false });
    expect(e.sections).toContain(".symtab");
  });

  it("returns an error value, never throws, for truncated files", () => {
    const whole = bin.dynamic;
    for (const n of [0, 3, 10, 40, 63, 64, 100, 1000, whole.length >> 1, whole.length - 1]) {
      const e = parseElf(sparseFromBuffer(whole.subarray(0, n)));
      expect(e.error, `truncated to ${n}`).toBeDefined();
      expect(e.complete).toBe(false);
    }
    const mid = parseElf(sparseFromBuffer(whole.subarray(0, 1000)));
    expect(mid.error).toMatch(/truncated/);
    expect(mid.machineName).toBe("x86_64");
  });

  it("survives random corruption", () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (const name of ["dynamic", "static"]) {
      for (let round = 0; round < 300; round++) {
        const copy = Buffer.from(bin[name]);
        const limit = round % 2 === 0 ? 256 : copy.length;
        for (let k = 0; k < 1 + rand(8); k++) copy[4 + rand(limit - 4)] = rand(256);
        expect(() => parseElf(sparseFromBuffer(copy))).not.toThrow();
        const cut = copy.subarray(0, rand(copy.length));
        expect(() => parseElf(sparseFromBuffer(cut))).not.toThrow();
        const holes = sparseFromSegments(copy.length, [
          { offset: 0, bytes: cut.subarray(0, 2048) },
          { offset: cut.length, bytes: copy.subarray(cut.length) },
        ]);
        expect(() => parseElf(holes)).not.toThrow();
      }
    }
  });
});

describe("parseElf on garbage", () => {
  it("rejects what is not ELF with an error value", () => {
    expect(parseElf(sparseFromBuffer(new Uint8Array(0))).error).toBeDefined();
    expect(parseElf(sparseFromBuffer(Buffer.from("#!/bin/sh\necho hi\n"))).error).toBe("not an ELF file");
    const noise = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff);
    expect(parseElf(sparseFromBuffer(noise)).error).toBe("not an ELF file");
  });

  it("rejects unknown classes and byte orders", () => {
    const h = new Uint8Array(64);
    h.set([0x7f, 0x45, 0x4c, 0x46, 3, 1, 1]);
    expect(parseElf(sparseFromBuffer(h)).error).toMatch(/class/);
    h[4] = 2;
    h[5] = 9;
    expect(parseElf(sparseFromBuffer(h)).error).toMatch(/byte order/);
  });
});
