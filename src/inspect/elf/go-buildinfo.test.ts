import { describe, expect, it } from "vitest";
import { GO_BUILDINFO_MAGIC, findGoBuildInfo, parseGoBuildInfo } from "./go-buildinfo.js";
import { parseModInfo, parseSetting, quotedPrefix, stripSentinels } from "./go-modinfo.js";
import { sparseFromBuffer, sparseFromSegments } from "./sparse-bytes.js";

const SENTINEL_START = "0w\xaf\x0c\x92t\b\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6";
const SENTINEL_END = "\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2";

const MODINFO = [
  "path\texample.com/tool/cmd/tool",
  "mod\texample.com/tool\tv1.2.3\th1:abc=",
  "dep\tgolang.org/x/sys\tv0.1.0\th1:sys=",
  "dep\texample.com/forked\tv1.0.0\t",
  "=>\t../forked\t(devel)\t",
  "build\t-compiler=gc",
  'build\t-ldflags="-s -w -X main.version=1.0"',
  "build\t-trimpath=true",
  "build\tCGO_ENABLED=0",
  "build\tGOARCH=arm64",
  "build\tGOOS=linux",
  "build\tvcs.revision=0123456789abcdef",
  'build\t"odd key"="tab\\there"',
  "",
].join("\n");

function uvarint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** A Go 1.18+ style header with the two strings inline. */
function inlineBlob(version: string, modinfo: string, flags = 2): Uint8Array {
  const enc = (s: string) => Array.from(Buffer.from(s, "latin1"));
  const mod = Array.from(Buffer.from(SENTINEL_START, "latin1")).concat(
    Array.from(Buffer.from(modinfo, "utf8")),
    Array.from(Buffer.from(SENTINEL_END, "latin1")),
  );
  const header = [...GO_BUILDINFO_MAGIC, 8, flags, ...new Array(16).fill(0)];
  return Uint8Array.from([...header, ...uvarint(version.length), ...enc(version), ...uvarint(mod.length), ...mod]);
}

describe("parseModInfo", () => {
  it("decodes modules, replacements and settings", () => {
    const info = parseModInfo(MODINFO, "go1.21.0");
    expect(info.goVersion).toBe("go1.21.0");
    expect(info.path).toBe("example.com/tool/cmd/tool");
    expect(info.main).toEqual({ path: "example.com/tool", version: "v1.2.3", sum: "h1:abc=" });
    expect(info.deps).toEqual([
      { path: "golang.org/x/sys", version: "v0.1.0", sum: "h1:sys=" },
      { path: "example.com/forked", version: "v1.0.0", replace: { path: "../forked", version: "(devel)" } },
    ]);
    expect(info.settings["-ldflags"]).toBe("-s -w -X main.version=1.0");
    expect(info.settings["odd key"]).toBe("tab\there");
    expect(info).toMatchObject({ cgoEnabled: false, trimpath: true, goos: "linux", goarch: "arm64", ldflags: "-s -w -X main.version=1.0" });
  });

  it("unquotes Go string literals", () => {
    expect(quotedPrefix('"a\\x41\\u00e9\\101\\"b" rest')).toEqual({ value: 'aAéA"b', length: 20 });
    expect(quotedPrefix("`raw\\n`x")).toEqual({ value: "raw\\n", length: 7 });
    expect(quotedPrefix('"unterminated')).toBeUndefined();
    expect(quotedPrefix('"bad \\q"')).toBeUndefined();
    expect(parseSetting("=x")).toBeUndefined();
    expect(parseSetting("CGO_CFLAGS=")).toEqual(["CGO_CFLAGS", ""]);
  });

  it("strips sentinels only when they are there", () => {
    const latin1 = (s: string) => Buffer.from(s, "latin1");
    const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");
    expect(text(stripSentinels(latin1(SENTINEL_START + "path\tx\n" + SENTINEL_END)))).toBe("path\tx\n");
    expect(text(stripSentinels(latin1("path\tx\n")))).toBe("path\tx\n");
  });
});

describe("parseGoBuildInfo", () => {
  it("finds an aligned inline blob by scanning", () => {
    const file = new Uint8Array(8192);
    file.set(inlineBlob("go1.22.1", MODINFO), 4096);
    const info = parseGoBuildInfo(sparseFromBuffer(file));
    expect(info).toMatchObject({ goVersion: "go1.22.1", format: "inline", complete: true, path: "example.com/tool/cmd/tool" });
    expect(info?.deps).toHaveLength(2);
  });

  it("ignores unaligned or invalid magic", () => {
    const file = new Uint8Array(8192);
    file.set(inlineBlob("go1.22.1", MODINFO), 4100);
    expect(parseGoBuildInfo(sparseFromBuffer(file))).toBeUndefined();
    const bad = inlineBlob("go1.22.1", MODINFO);
    bad[14] = 3; // pointer size
    file.fill(0).set(bad, 4096);
    expect(findGoBuildInfo(sparseFromBuffer(file))).toBeUndefined();
    expect(parseGoBuildInfo(sparseFromBuffer(new Uint8Array(0)))).toBeUndefined();
  });

  it("uses the section hint and reports a cut-off blob as incomplete", () => {
    const file = new Uint8Array(4096);
    const blob = inlineBlob("go1.20", MODINFO);
    file.set(blob, 1024);
    const cut = sparseFromSegments(file.length, [{ offset: 1024, bytes: file.subarray(1024, 1024 + 48) }]);
    const info = parseGoBuildInfo(cut, { section: { offset: 1024, size: blob.length } });
    expect(info).toMatchObject({ goVersion: "go1.20", complete: false, deps: [] });
  });

  it("decodes the pre-1.18 pointer layout through the address map", () => {
    const base = 0x400000;
    const file = new Uint8Array(4096);
    const dv = new DataView(file.buffer);
    const at = 0x100;
    file.set(GO_BUILDINFO_MAGIC, at);
    file[at + 14] = 8;
    file[at + 15] = 0; // little-endian, pointers
    const version = "go1.16.15";
    const mod = SENTINEL_START + "path\texample.com/old\nmod\texample.com/old\t(devel)\t\n" + SENTINEL_END;
    Buffer.from(version).copy(file, 0x400);
    Buffer.from(mod, "latin1").copy(file, 0x500);
    const header = (off: number, data: number, len: number) => {
      dv.setBigUint64(off, BigInt(base + data), true);
      dv.setBigUint64(off + 8, BigInt(len), true);
    };
    header(0x200, 0x400, version.length);
    header(0x210, 0x500, mod.length);
    dv.setBigUint64(at + 16, BigInt(base + 0x200), true);
    dv.setBigUint64(at + 24, BigInt(base + 0x210), true);
    const toOffset = (v: number) => (v >= base && v < base + file.length ? v - base : undefined);
    const info = parseGoBuildInfo(sparseFromBuffer(file), { vaddrToOffset: toOffset });
    expect(info).toMatchObject({ goVersion: version, format: "pointer", path: "example.com/old", complete: true });
    expect(info?.main).toEqual({ path: "example.com/old", version: "(devel)" });
    expect(parseGoBuildInfo(sparseFromBuffer(file))).toMatchObject({ format: "pointer", complete: false });
  });
});
