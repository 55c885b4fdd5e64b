/**
 * The tar reader on what real writers emit and what Go's archive/tar accepts or
 * rejects, fed in chunks of every size. (The differential test against Go's own
 * reader over generated and tool-written archives is reader.go-oracle.test.ts.)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { paxRecords, tarBuffer, type TarEntry as SpecEntry } from "../../fixtures/tar-writer.js";
import { TarReader, type TarEntry } from "./reader.js";
import { encodeHeader, endOfArchive } from "./writer.js";

interface Seen {
  path: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  linkpath: string;
  sparse: boolean;
  content: string;
}

function pieces(buf: Buffer, chunk: number): Buffer[] {
  if (chunk <= 0) return [buf];
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) out.push(buf.subarray(i, i + chunk));
  return out;
}

function read(buf: Buffer, chunk = 0): { entries: Seen[]; error?: string; eof: boolean } {
  const entries: Seen[] = [];
  let eof = false;
  const r = new TarReader({
    entry(e: TarEntry) {
      const parts: Buffer[] = [];
      const rec: Seen = { path: e.path, type: e.type, mode: e.mode & 0o7777, uid: e.uid, gid: e.gid, size: e.size, linkpath: e.linkpath, sparse: e.sparse, content: "" };
      entries.push(rec);
      return { data: (c) => void parts.push(Buffer.from(c)), end: () => (rec.content = Buffer.concat(parts).toString("latin1")) };
    },
    eof: () => (eof = true),
  });
  try {
    for (const c of pieces(buf, chunk)) r.write(c);
    r.end();
    return { entries, eof };
  } catch (err) {
    return { entries, eof, error: (err as Error).message };
  }
}

const CHUNKS = [0, 1, 7, 100, 511, 512, 513, 1000, 4096];

/** The same result whatever the chunking. */
function readAll(buf: Buffer): ReturnType<typeof read> {
  const first = read(buf);
  for (const chunk of CHUNKS.slice(1)) expect(read(buf, chunk), `chunk ${chunk}`).toEqual(first);
  return first;
}

const plain: SpecEntry[] = [
  { name: "etc/", type: "dir", mode: 0o750, uid: 0, gid: 4 },
  { name: "etc/hello", content: "hello\n", mode: 0o4755, uid: 1000, gid: 1001 },
  { name: "etc/link", type: "symlink", linkname: "../usr/share/hello" },
  { name: "etc/hard", type: "hardlink", linkname: "etc/hello" },
  { name: "dev/null", typeflag: "3", devmajor: 1, devminor: 3, mode: 0o666 },
  { name: "run/fifo", typeflag: "6" },
  { name: "big", content: Buffer.alloc(70_000, 7) },
  { name: "exact", content: Buffer.alloc(1024, 1) },
  { name: "empty", content: "" },
];

describe("TarReader reads what writers emit", () => {
  it("a plain ustar archive: every type, its fields and bodies", () => {
    const r = readAll(tarBuffer(plain));
    expect(r.error).toBeUndefined();
    expect(r.eof).toBe(true);
    expect(r.entries.map((e) => [e.path, e.type, e.mode, e.uid, e.gid, e.size, e.linkpath])).toEqual([
      ["etc/", "dir", 0o750, 0, 4, 0, ""],
      ["etc/hello", "file", 0o4755, 1000, 1001, 6, ""],
      ["etc/link", "symlink", 0o777, 0, 0, 0, "../usr/share/hello"],
      ["etc/hard", "hardlink", 0o644, 0, 0, 0, "etc/hello"],
      ["dev/null", "char", 0o666, 0, 0, 0, ""],
      ["run/fifo", "fifo", 0o644, 0, 0, 0, ""],
      ["big", "file", 0o644, 0, 0, 70_000, ""],
      ["exact", "file", 0o644, 0, 0, 1024, ""],
      ["empty", "file", 0o644, 0, 0, 0, ""],
    ]);
    expect(r.entries[1]!.content).toBe("hello\n");
    expect(r.entries[6]!.content).toBe("\x07".repeat(70_000));
  });

  it("pax names, links, sizes and ids, GNU long names and links, the ustar prefix", () => {
    const long = "opt/" + "d".repeat(120) + "/file";
    const r = readAll(
      tarBuffer([
        { name: long, content: "pax" },
        { name: "x", pax: { uid: "123456789", gid: "7" }, content: "ids" },
        { name: "l", type: "symlink", linkname: "short", pax: { linkpath: "/a/" + "t".repeat(150) } },
        { name: "././@LongLink", typeflag: "L", content: "srv/" + "g".repeat(130) + "\0" },
        { name: "srv/ggg", content: "gnu" },
        { name: "././@LongLink", typeflag: "K", content: "/target/" + "k".repeat(120) + "\0" },
        { name: "lnk", type: "symlink", linkname: "cut" },
        { name: "px", pax: { path: "pax/path/wins", "SCHILY.xattr.security.capability": "\x01\x02" }, content: "p" },
        { name: "pfx", prefix: "some/prefix", content: "prefix" },
        { name: "empty-pax-value", pax: { path: "" }, content: "keeps the header's name" },
      ]),
    );
    expect(r.error).toBeUndefined();
    expect(r.entries.map((e) => [e.path, e.uid, e.gid, e.linkpath, e.content])).toEqual([
      [long, 0, 0, "", "pax"],
      ["x", 123456789, 7, "", "ids"],
      ["l", 0, 0, "/a/" + "t".repeat(150), ""],
      ["srv/" + "g".repeat(130), 0, 0, "", "gnu"],
      ["lnk", 0, 0, "/target/" + "k".repeat(120), ""],
      ["pax/path/wins", 0, 0, "", "p"],
      ["some/prefix/pfx", 0, 0, "", "prefix"],
      ["empty-pax-value", 0, 0, "", "keeps the header's name"],
    ]);
  });

  it("xattrs from SCHILY.xattr records", () => {
    let xattrs: ReadonlyMap<string, string> | undefined;
    const r = new TarReader({ entry: (e) => ((xattrs = e.xattrs), undefined) });
    r.write(tarBuffer([{ name: "ping", pax: { "SCHILY.xattr.security.capability": "caps" }, content: "x" }]));
    r.end();
    expect([...xattrs!]).toEqual([["security.capability", "caps"]]);
  });

  it("a global pax header is read and ignored, and drops what waited for an entry (as the engine does)", () => {
    const r = readAll(
      tarBuffer([
        { name: "pax_global_header", typeflag: "g", content: paxRecords({ uid: "4242", gid: "4243" }) },
        { name: "after-global", content: "g", uid: 5 },
        { name: "lost", typeflag: "x", content: paxRecords({ path: "dropped/by/global" }) },
        { name: "pax_global_header", typeflag: "g", content: "" },
        { name: "kept-name", content: "k" },
      ]),
    );
    expect(r.error).toBeUndefined();
    expect(r.entries.map((e) => [e.path, e.uid])).toEqual([["after-global", 5], ["kept-name", 0]]);
  });

  it("a regular file that carries a link name (the engine's second overlayfs whiteout) reads as a file", () => {
    const r = readAll(
      tarBuffer([
        { name: "bin/.wh.arch", mode: 0, content: "" },
        { name: "bin/.wh.base64", mode: 0, linkname: "bin/arch", content: "" },
        { name: "f", linkname: "stray", content: "data" },
      ]),
    );
    expect(r.error).toBeUndefined();
    expect(r.entries.map((e) => [e.path, e.type, e.linkpath, e.content])).toEqual([
      ["bin/.wh.arch", "file", "", ""],
      ["bin/.wh.base64", "file", "", ""],
      ["f", "file", "", "data"],
    ]);
  });

  it("header-only types have no body whatever their size says; V7's flag with a trailing slash is a directory", () => {
    const r = readAll(
      Buffer.concat([
        tarBuffer([{ name: "d", type: "dir", headerSize: 700 }], { end: false }),
        tarBuffer([{ name: "s", type: "symlink", linkname: "t", headerSize: 100 }], { end: false }),
        tarBuffer([{ name: "old/", typeflag: "\0" }, { name: "oldfile", typeflag: "\0", content: "v7" }, { name: "zero/", typeflag: "0", content: "" }]),
      ]),
    );
    expect(r.error).toBeUndefined();
    expect(r.entries.map((e) => [e.path, e.type, e.size, e.content])).toEqual([
      ["d", "dir", 0, ""],
      ["s", "symlink", 0, ""],
      ["old/", "dir", 0, ""],
      ["oldfile", "file", 2, "v7"],
      ["zero/", "file", 0, ""],
    ]);
  });

  it("types it does not know are 'other', their bodies passed over", () => {
    const r = readAll(tarBuffer([{ name: "vol", typeflag: "V" }, { name: "weird", typeflag: "Z", content: "unknown" }, { name: "dumpdir", typeflag: "D", content: "a\0b\0" }, { name: "after", content: "x" }]));
    expect(r.error).toBeUndefined();
    expect(r.entries.map((e) => [e.path, e.type])).toEqual([["vol", "other"], ["weird", "other"], ["dumpdir", "other"], ["after", "file"]]);
    expect(r.entries[3]!.content).toBe("x");
  });

  it("base-256 numbers, and octal fields padded with spaces or NULs", () => {
    const r = readAll(tarBuffer([{ name: "huge-uid", uid: 0o77777777 + 5, noPax: true, content: "u" }]));
    expect(r.entries[0]!.uid).toBe(0o77777777 + 5);
    const h = tarBuffer([{ name: "spaces", content: "s" }]);
    h.write("  644 \0\0", 100, "latin1"); // mode with leading spaces and trailing NULs
    fixChecksum(h, 0);
    expect(read(h).entries[0]!.mode).toBe(0o644);
  });

  it("empty input, one or two zero blocks, no end blocks, data after the end: all complete archives", () => {
    for (const buf of [Buffer.alloc(0), Buffer.alloc(512), Buffer.alloc(1024), tarBuffer(plain, { end: false }), Buffer.concat([tarBuffer(plain), Buffer.from("trailing garbage".repeat(100))])]) {
      const r = readAll(buf);
      expect(r.error).toBeUndefined();
    }
    expect(readAll(tarBuffer(plain, { end: false })).entries).toHaveLength(plain.length);
  });

  it("writer.ts's headers read back: long and non-ASCII names, long links, sizes past 8 GiB", () => {
    const name = "ünïcödé/" + "n".repeat(200);
    const buf = Buffer.concat([
      encodeHeader({ name, type: "file", size: 3, uid: 0o7777777 + 1 }),
      Buffer.from("abc"),
      Buffer.alloc(509),
      encodeHeader({ name: "a/".repeat(60) + "b", type: "symlink", linkname: "/t".repeat(80) }),
      encodeHeader({ name: "dir/", type: "dir" }),
      endOfArchive(),
    ]);
    const r = readAll(buf);
    expect(r.error).toBeUndefined();
    expect(r.entries.map((e) => [e.path, e.type, e.uid, e.linkpath, e.content])).toEqual([
      [name, "file", 0o7777777 + 1, "", "abc"],
      ["a/".repeat(60) + "b", "symlink", 0, "/t".repeat(80), ""],
      ["dir/", "dir", 0, "", ""],
    ]);
    const big = new TarReader({ entry: (e) => (expect(e.size).toBe(2 ** 34), undefined) });
    big.write(encodeHeader({ name: "big", type: "file", size: 2 ** 34 }));
    expect(big.skippable).toBe(2 ** 34);
  });
});

describe("TarReader rejects what Go's reader rejects, naming the entry", () => {
  it("not a tar, a bad checksum, a bad number", () => {
    expect(read(Buffer.from('{"not":"a tar"}\n'.repeat(100))).error).toMatch(/^not a tar archive/);
    expect(read(Buffer.from("hello, world\n")).error).toMatch(/truncated: the input ends inside a header block/);
    expect(read(tarBuffer([{ name: "a", content: "x" }, { name: "b", content: "y", checksum: 1234 }])).error).toBe("malformed header (after entry 'a'): header checksum does not match");
    const bad = tarBuffer([{ name: "a", content: "x" }, { name: "b", content: "y" }]);
    bad.write("12x4", 1024 + 124, "latin1");
    fixChecksum(bad, 1024);
    expect(read(bad).error).toBe("malformed header (after entry 'a'): size field is not an octal number");
  });

  it("a zero block followed by data", () => {
    expect(read(Buffer.concat([Buffer.alloc(512), tarBuffer(plain)])).error).toMatch(/zero block followed by data/);
  });

  it("cut archives: inside a header or a body fails; inside padding or after an extended header ends the archive (as Go reads them)", () => {
    const good = tarBuffer(plain);
    const inBig = good.indexOf(Buffer.alloc(64, 7));
    for (const cut of [100, 700, inBig + 10, inBig + 69_999]) {
      for (const chunk of [0, 100, 512]) expect(read(good.subarray(0, cut), chunk).error, `cut ${cut}`).toMatch(/^truncated/);
    }
    expect(read(tarBuffer([{ name: "f", content: "abc" }]).subarray(0, 512 + 2)).error).toBe("truncated: entry 'f' needs 1 more bytes");
    const padded = read(tarBuffer([{ name: "f", content: "abc" }]).subarray(0, 512 + 3));
    expect(padded.error).toBeUndefined();
    expect(padded.entries.map((e) => [e.path, e.content])).toEqual([["f", "abc"]]);
    const dangling = read(tarBuffer([{ name: "a".repeat(150), content: "x" }]).subarray(0, 1024));
    expect(dangling).toEqual({ entries: [], eof: false });
  });

  it("malformed pax records, and a special header over 1 MiB", () => {
    for (const body of ["7 path=x", "99 path=x\n", "5 =x\n", "x path=y\n", "10 pathx\n\n\n", "13 uid=12ab\n"]) {
      const r = read(tarBuffer([{ name: "p", typeflag: "x", content: body }, { name: "f", content: "x" }]));
      expect(r.error, body).toMatch(/pax record/);
    }
    const huge = read(tarBuffer([{ name: "p", typeflag: "x", content: Buffer.alloc(1024 * 1024 + 1, 0x61) }]));
    expect(huge.error).toMatch(/extended header of 1048577 bytes .*limit is 1 MiB/);
  });
});

describe("TarReader on what GNU tar writes", () => {
  const dir = mkdtempSync(join(tmpdir(), "imgpolicy-tarreader-"));
  const root = join(dir, "root");
  mkdirSync(join(root, "d".repeat(90), "e".repeat(90)), { recursive: true });
  writeFileSync(join(root, "d".repeat(90), "e".repeat(90), "f".repeat(80)), "deep");
  writeFileSync(join(root, "ünïcödé"), "utf8 name");
  symlinkSync("/" + "t".repeat(200), join(root, "longlink"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(["gnu", "posix", "ustar", "v7", "oldgnu"])("format %s", (format) => {
    const out = join(dir, `${format}.tar`);
    try {
      execFileSync("tar", ["--format", format, "-cf", out, "-C", root, "."], { stdio: "ignore" });
    } catch {
      return; // the format cannot hold these names
    }
    const r = readAll(readFileSync(out));
    expect(r.error).toBeUndefined();
    const deep = r.entries.find((e) => e.path.endsWith("f".repeat(80)));
    expect(deep?.content).toBe("deep");
  });

  it.each([["oldgnu", []], ["gnu", []], ["posix", ["--sparse-version=0.0"]], ["posix", ["--sparse-version=0.1"]], ["posix", ["--sparse-version=1.0"]]])(
    "sparse files (%s %s): the logical size, the logical content (holes as zeros), the next entry intact",
    (format, extra) => {
      const sparseDir = join(dir, `sparse-${format}-${extra.join("")}`);
      mkdirSync(sparseDir);
      const f = join(sparseDir, "holes");
      writeFileSync(f, "");
      // data, a hole, data, a hole, data: 30 fragments so the old GNU map needs extension blocks
      execFileSync("sh", ["-c", `for i in $(seq 0 29); do printf 'chunk%02d' $i | dd of='${f}' bs=1 seek=$((i * 65536)) conv=notrunc status=none; done`]);
      writeFileSync(join(sparseDir, "z-after"), "after");
      const out = join(dir, `sparse-${format}-${extra.join("")}.tar`);
      execFileSync("tar", ["--format", format, ...extra, "--sparse", "-cf", out, "-C", sparseDir, "holes", "z-after"]);
      const r = readAll(readFileSync(out));
      expect(r.error).toBeUndefined();
      expect(r.entries.map((e) => [e.path, e.type, e.size, e.sparse, e.content.length])).toEqual([
        ["holes", "file", 29 * 65536 + 7, true, 29 * 65536 + 7],
        ["z-after", "file", 5, false, 5],
      ]);
      expect(r.entries[0]!.content === readFileSync(f, "latin1") || "holes differs from the file on disk").toBe(true);
      expect(r.entries[1]!.content).toBe("after");
    },
  );
});

describe("TarReader skips what a body does not want", () => {
  const archive = tarBuffer([
    { name: "a", content: "x".repeat(3000) },
    { name: "b/", type: "dir" },
    { name: "c", content: "y".repeat(70_000) },
    { name: "d", content: "tail" },
  ]);

  /** Bodies that take `want` bytes and then decline; the caller skips what it may, writing the rest in `chunk`s. */
  function skipping(buf: Buffer, want: number, chunk: number) {
    const seen: { path: string; got: string; ended: boolean }[] = [];
    let skipped = 0;
    const p = new TarReader({
      entry(e) {
        const rec = { path: e.path, got: "", ended: false };
        seen.push(rec);
        return {
          data: (c) => {
            rec.got += c.toString("latin1");
            return rec.got.length < want;
          },
          end: () => (rec.ended = true),
        };
      },
    });
    for (let pos = 0; pos < buf.length; ) {
      const s = p.skippable;
      if (s > 0) {
        const n = Math.min(s, buf.length - pos);
        p.skip(n);
        skipped += n;
        pos += n;
        continue;
      }
      const n = Math.min(chunk, buf.length - pos);
      p.write(buf.subarray(pos, pos + n));
      pos += n;
    }
    p.end();
    return { seen, skipped };
  }

  it("the same entries, each body ended, the rest of each declined body skipped", () => {
    for (const chunk of [512, 1000, 4096, 1 << 20]) {
      const { seen, skipped } = skipping(archive, 10, chunk);
      expect(seen.map((s) => [s.path, s.ended]), `chunk ${chunk}`).toEqual([["a", true], ["b/", true], ["c", true], ["d", true]]);
      expect(seen[0]!.got.startsWith("xxxxxxxxxx")).toBe(true);
      if (chunk < 4096) expect(skipped).toBeGreaterThan(60_000);
    }
    expect(skipping(archive, Infinity, 777).seen[2]!.got).toBe("y".repeat(70_000));
  });

  it("refuses to skip what is wanted, and a skip past the input's end leaves the tar truncated", () => {
    const p = new TarReader({ entry: () => ({ data: () => true, end: () => {} }) });
    p.write(archive.subarray(0, 1024));
    expect(p.skippable).toBe(0);
    expect(() => p.skip(1)).toThrow(RangeError);
    const q = new TarReader({ entry: () => ({ data: () => false, end: () => {} }) });
    q.write(archive.subarray(0, 1024));
    expect(q.skippable).toBe(3072 - 512);
    q.skip(100);
    expect(() => q.end()).toThrow(/truncated/);
  });

  it("tells where each body starts in the tar", () => {
    const at: number[] = [];
    const p = new TarReader({ entry: () => (at.push(p.bodyOffset), undefined) });
    for (let i = 0; i < archive.length; i += 700) p.write(archive.subarray(i, i + 700));
    expect(at).toEqual([512, 512 + 3072 + 512, 512 + 3072 + 512 + 512, 512 + 3072 + 1024 + 70_144 + 512]);
  });
});

function fixChecksum(b: Buffer, off: number): void {
  let sum = 256;
  for (let i = off; i < off + 148; i++) sum += b[i]!;
  for (let i = off + 156; i < off + 512; i++) sum += b[i]!;
  b.write(sum.toString(8).padStart(6, "0") + "\0 ", off + 148, 8, "ascii");
}

