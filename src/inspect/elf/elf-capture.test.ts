import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildC, buildGo, hasGcc, hasGo } from "../../../fixtures/binaries.js";
import { ElfCapture, isElfMagic, type ElfCaptureOptions } from "./elf-capture.js";
import { parseElf } from "./elf.js";
import { sparseFromBuffer } from "./sparse-bytes.js";

const KiB = 1024;
const tiny: ElfCaptureOptions = { wholeLimit: 64 * KiB, headBytes: 64 * KiB, tailBytes: 64 * KiB };

/** A deterministic generator, so a failure can be replayed. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

/** Feeds `bytes` in chunks of random sizes, some of them tiny. */
function capture(bytes: Uint8Array, opts: ElfCaptureOptions, seed: number): ElfCapture {
  const c = new ElfCapture(bytes.length, opts);
  const rand = rng(seed);
  for (let at = 0; at < bytes.length; ) {
    const n = rand(4) === 0 ? 1 + rand(20) : 1 + rand(96 * KiB);
    c.push(bytes.subarray(at, at + n));
    at += n;
  }
  return c;
}

const project = (e: ReturnType<typeof parseElf>) => ({
  machineName: e.machineName,
  type: e.type,
  linkage: e.linkage,
  pie: e.pie,
  stripped: e.stripped,
  interpreter: e.interpreter,
  needed: e.needed,
  goVersion: e.go?.goVersion,
  cgo: e.go?.cgoEnabled,
});

describe.skipIf(!hasGo() && !hasGcc())("ElfCapture over real binaries", () => {
  let dir: string;
  const bin: Record<string, Buffer> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "imgpolicy-elf-capture-"));
    if (hasGo()) {
      bin.go = await readFile(await buildGo(dir, { name: "go" }));
      bin.goSmall = await readFile(await buildGo(dir, { name: "go-small", ldflags: "-s -w" }));
    }
    if (hasGcc() && process.arch === "x64") {
      bin.cStatic = await readFile(await buildC(dir, { name: "c-static", static: true }));
      bin.cgo = hasGo() ? await readFile(await buildGo(dir, { name: "cgo", cgo: true })) : Buffer.alloc(0);
    }
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("keeps small files whole", () => {
    const name = Object.keys(bin)[0];
    const c = capture(bin[name], {}, 1);
    expect(c.heldBytes).toBe(bin[name].length);
    expect(parseElf(c.finish())).toEqual(parseElf(sparseFromBuffer(bin[name])));
  });

  it("answers the same from a bounded capture fed in random chunks", () => {
    for (const [name, bytes] of Object.entries(bin)) {
      if (bytes.length <= tiny.wholeLimit!) continue;
      const whole = parseElf(sparseFromBuffer(bytes));
      for (const seed of [1, 2, 3, 4, 5]) {
        const c = capture(bytes, tiny, seed);
        expect(c.heldBytes, name).toBeLessThan(bytes.length / 2);
        const part = parseElf(c.finish());
        expect(part.error, `${name} seed ${seed}`).toBeUndefined();
        expect(project(part), `${name} seed ${seed}`).toEqual(project(whole));
        if (whole.go) expect(part.go?.settings, name).toEqual(whole.go.settings);
      }
    }
  });

  it("finds the Go build info from the magic alone", () => {
    if (!bin.go) return;
    const noSections = Buffer.from(bin.go);
    noSections.fill(0, 0x28, 0x30); // e_shoff: no section names to lead to .go.buildinfo
    const c = capture(noSections, tiny, 9);
    const e = parseElf(c.finish());
    expect(e.sections).toBeUndefined();
    expect(e.go?.goVersion).toBe(parseElf(sparseFromBuffer(bin.go)).go?.goVersion);
    expect(e.go?.complete).toBe(true);
  });
});

describe("ElfCapture on synthetic streams", () => {
  const size = 300 * KiB;
  const file = new Uint8Array(size);

  it("tolerates short and overlong streams", () => {
    const short = new ElfCapture(size, { wholeLimit: 0, headBytes: 1024, tailBytes: 1024 });
    short.push(file.subarray(0, 5000));
    const view = short.finish();
    expect(view.size).toBe(size);
    expect(view.read(0, 1024)).toBeDefined();
    expect(view.read(size - 10, 10)).toBeUndefined();
    expect(parseElf(view).error).toBe("not an ELF file");
    const whole = new ElfCapture(10);
    whole.push(new Uint8Array(25));
    expect(whole.finish().read(0, 10)).toHaveLength(10);
  });

  it("recognises the ELF magic", () => {
    expect(isElfMagic(Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2]))).toBe(true);
    expect(isElfMagic(Uint8Array.from([0x7f, 0x45, 0x4c]))).toBe(false);
    expect(isElfMagic(Buffer.from("#!/bin/sh"))).toBe(false);
  });
});
