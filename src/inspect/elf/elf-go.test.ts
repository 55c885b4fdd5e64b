import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGo, goVersion, hasGcc, hasGo, type GoBuildOptions } from "../../../fixtures/binaries.js";
import { parseElf, type ElfInfo } from "./elf.js";
import { sparseFromBuffer } from "./sparse-bytes.js";

const onHost = process.arch === "x64" && process.platform === "linux";

describe.skipIf(!hasGo())("parseElf on Go binaries", () => {
  let dir: string;
  const bin: Record<string, Buffer> = {};
  const info = (name: string): ElfInfo => parseElf(sparseFromBuffer(bin[name]));
  const version = goVersion();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "imgpolicy-elf-go-"));
    const builds: Array<[string, GoBuildOptions]> = [
      ["plain", { name: "plain" }],
      ["small", { name: "small", ldflags: "-s -w" }],
      ["trimmed", { name: "trimmed", trimpath: true }],
      ["i386", { name: "i386", goarch: "386", goos: "linux" }],
      ["mips", { name: "mips", goarch: "mips", goos: "linux" }],
      ["s390x", { name: "s390x", goarch: "s390x", goos: "linux" }],
      ["arm64", { name: "arm64", goarch: "arm64", goos: "linux" }],
    ];
    if (hasGcc() && onHost) builds.push(["cgo", { name: "cgo", cgo: true }]);
    for (const [key, opts] of builds) bin[key] = await readFile(await buildGo(dir, opts));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("reads a default build: static, not stripped, with build info", () => {
    const e = info("plain");
    expect(e.error).toBeUndefined();
    expect(e).toMatchObject({ class: 64, type: "EXEC", pie: false, linkage: "static", stripped: false, debugInfo: true, needed: [] });
    expect(e.goBuildId).toBeTruthy();
    const go = e.go!;
    expect(go.goVersion).toBe(version);
    expect(go).toMatchObject({ format: "inline", complete: true, path: "example.com/hello", cgoEnabled: false, trimpath: false });
    expect(go.main).toEqual({ path: "example.com/hello", version: "(devel)" });
    expect(go.deps).toEqual([]);
    expect(go.settings).toMatchObject({ "-compiler": "gc", CGO_ENABLED: "0", GOOS: "linux" });
    expect(go.goos).toBe("linux");
    if (onHost) expect(go.goarch).toBe("amd64");
    expect(e.sections).toContain(".go.buildinfo");
  });

  it("sees -ldflags '-s -w': stripped, no debug info", () => {
    const e = info("small");
    expect(e).toMatchObject({ stripped: true, debugInfo: false, linkage: "static" });
    expect(e.go?.ldflags).toBe("-s -w");
    expect(e.go?.settings["-ldflags"]).toBe("-s -w");
    expect(e.go?.goVersion).toBe(version);
  });

  it("sees -trimpath in the build settings", () => {
    const go = info("trimmed").go!;
    expect(go.settings["-trimpath"]).toBe("true");
    expect(go.trimpath).toBe(true);
  });

  it.skipIf(!hasGcc() || !onHost)("reads a cgo build: dynamic, libc, CGO_ENABLED=1", () => {
    const e = info("cgo");
    expect(e).toMatchObject({ linkage: "dynamic", interpreter: "/lib64/ld-linux-x86-64.so.2" });
    expect(e.needed).toContain("libc.so.6");
    expect(e.go).toMatchObject({ cgoEnabled: true, goVersion: version });
    expect(e.go?.settings.CGO_ENABLED).toBe("1");
  });

  it("reads other architectures, 32-bit and big-endian included", () => {
    expect(info("i386")).toMatchObject({ class: 32, endian: "little", machineName: "i386", goarch: "386", linkage: "static" });
    expect(info("mips")).toMatchObject({ class: 32, endian: "big", machineName: "mips", goarch: "mips" });
    expect(info("s390x")).toMatchObject({ class: 64, endian: "big", machineName: "s390x", goarch: "s390x" });
    expect(info("arm64")).toMatchObject({ class: 64, endian: "little", machineName: "aarch64", goarch: "arm64" });
    for (const name of ["i386", "mips", "s390x", "arm64"]) {
      const e = info(name);
      expect(e.complete, name).toBe(true);
      expect(e.stripped, name).toBe(false);
      expect(e.go?.goVersion, name).toBe(version);
      expect(e.go?.goarch, name).toBe(e.goarch);
    }
  });

  it("finds the build info by scanning when the section headers are gone", () => {
    const copy = Buffer.from(bin.plain);
    copy.fill(0, 0x28, 0x30); // e_shoff (64-bit layout)
    copy.fill(0, 0x3a, 0x40); // e_shentsize, e_shnum, e_shstrndx
    const e = parseElf(sparseFromBuffer(copy));
    expect(e.error).toBeUndefined();
    expect(e.sections).toBeUndefined();
    expect(e.stripped).toBe(true);
    expect(e.go?.goVersion).toBe(version);
    expect(e.go?.settings.CGO_ENABLED).toBe("0");
  });
});
