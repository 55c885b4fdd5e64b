import { execFileSync } from "node:child_process";
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { tarBuffer, type TarEntry } from "../../../fixtures/tar-writer.js";
import { SourceError } from "../../errors.js";
import { scanLayer, type LayerIndex, type ScanInterest } from "./scan-layer.js";

const WHAT = "test-image: layer 1/1";
const nothing: ScanInterest = { wantContent: () => false };

/** The bytes as a stream, cut into chunks of `chunk` bytes (one chunk by default). */
function streamOf(buf: Buffer, chunk = 0): Readable {
  if (chunk <= 0) return Readable.from([buf]);
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  return Readable.from(parts);
}

function scan(entries: TarEntry[] | Buffer, interest: ScanInterest = nothing, chunk = 0, layer = 0): Promise<LayerIndex> {
  const buf = Buffer.isBuffer(entries) ? entries : tarBuffer(entries);
  return scanLayer(streamOf(buf, chunk), layer, WHAT, interest);
}

/** The rejection of a scan, checked to be a one-line SourceError that names the layer. */
async function scanError(entries: TarEntry[] | Buffer, interest: ScanInterest = nothing, chunk = 0): Promise<SourceError> {
  const err = await scan(entries, interest, chunk).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SourceError);
  const e = err as SourceError;
  expect(e.message.startsWith(`${WHAT}: `)).toBe(true);
  expect(e.message).not.toContain("\n");
  return e;
}

const byPath = (index: LayerIndex) => new Map(index.files.map((f) => [f.path, f]));
/** The private keys the content pass found, by path. */
const keysOf = (index: LayerIndex) => new Map((index.privateKeys ?? []).map((k) => [k.path, k.kind]));

describe("scanLayer: entries", () => {
  it("records every kind of entry with its metadata, in tar order", async () => {
    const index = await scan(
      [
        { name: "etc/", type: "dir", mode: 0o750, uid: 0, gid: 4 },
        { name: "etc/hello", content: "hello\n", mode: 0o4755, uid: 1000, gid: 1001 },
        { name: "etc/link", type: "symlink", linkname: "../usr/share/hello" },
        { name: "etc/hard", type: "hardlink", linkname: "etc/hello" },
        { name: "dev/null", typeflag: "3", devmajor: 1, devminor: 3, mode: 0o666 },
        { name: "dev/sda", typeflag: "4", devmajor: 8, devminor: 0 },
        { name: "run/fifo", typeflag: "6" },
        { name: "tmp/", type: "dir", mode: 0o1777 },
      ],
      nothing,
      0,
      3,
    );
    expect(index.layer).toBe(3);
    expect(index.files.map((f) => [f.path, f.type])).toEqual([
      ["/etc", "dir"],
      ["/etc/hello", "file"],
      ["/etc/link", "symlink"],
      ["/etc/hard", "hardlink"],
      ["/dev/null", "char"],
      ["/dev/sda", "block"],
      ["/run/fifo", "fifo"],
      ["/tmp", "dir"],
    ]);
    const f = byPath(index);
    expect(f.get("/etc")).toMatchObject({ mode: 0o750, uid: 0, gid: 4, size: 0, layer: 3 });
    expect(f.get("/etc/hello")).toMatchObject({ mode: 0o4755, uid: 1000, gid: 1001, size: 6, layer: 3 });
    expect(f.get("/etc/hello")!.content).toBeUndefined();
    // a symlink target is kept as written; a hardlink target becomes an absolute image path
    expect(f.get("/etc/link")!.linkname).toBe("../usr/share/hello");
    expect(f.get("/etc/hard")!.linkname).toBe("/etc/hello");
    expect(f.get("/etc/hard")!.size).toBe(0);
    expect(f.get("/tmp")!.mode).toBe(0o1777);
    expect(index.fileBytes).toBe(6);
    expect(index.whiteouts).toEqual([]);
    expect(index.opaque).toEqual([]);
  });

  it("normalises absolute and ./ names, doubled slashes and inner '..' that stay inside", async () => {
    const index = await scan([
      { name: "./", type: "dir" },
      { name: "/abs/path", content: "a" },
      { name: "./x", content: "b" },
      { name: ".//etc//passwd", content: "c" },
      { name: "a/b/../c", content: "d" },
      { name: "usr/lib/", type: "dir" },
    ]);
    // "./" is the root itself and is not recorded
    expect(index.files.map((f) => f.path)).toEqual(["/abs/path", "/x", "/etc/passwd", "/a/c", "/usr/lib"]);
  });

  it("rejects '../x' with a one-line SourceError naming the entry", async () => {
    const err = await scanError([{ name: "ok", content: "fine" }, { name: "../x", content: "evil" }]);
    expect(err.message).toContain("'../x'");
    expect(err.message).toMatch(/escapes the image root/);
  });

  it("rejects 'a/../../x' (climbs out after going down)", async () => {
    const err = await scanError([{ name: "a/../../x", content: "evil" }]);
    expect(err.message).toContain("'a/../../x'");
  });

  it("rejects a hardlink whose target escapes the root, naming the link", async () => {
    const err = await scanError([{ name: "etc/shadow", type: "hardlink", linkname: "../../etc/shadow" }]);
    expect(err.message).toContain("/etc/shadow");
    expect(err.message).toContain("'../../etc/shadow'");
  });

  it("reads PAX long names and GNU long names", async () => {
    const long = "opt/" + "d".repeat(120) + "/file";
    const gnu = "srv/" + "g".repeat(130);
    const index = await scan([
      { name: long, content: "pax" },
      { name: "././@LongLink", typeflag: "L", content: gnu + "\0" },
      { name: gnu.slice(0, 100), content: "gnu" },
    ]);
    expect(index.files.map((f) => f.path)).toEqual(["/" + long, "/" + gnu]);
  });

  it("accepts an empty layer (only the end-of-archive blocks)", async () => {
    const index = await scan(Buffer.alloc(1024));
    expect(index.files).toEqual([]);
    expect(index.whiteouts).toEqual([]);
    expect(index.fileBytes).toBe(0);
  });

  it("accepts a zero-byte layer and a single zero block as empty layers", async () => {
    expect((await scan(Buffer.alloc(0))).files).toEqual([]);
    expect((await scan(Buffer.alloc(512))).files).toEqual([]);
    // zero blocks padded to a whole record, in small chunks
    expect((await scan(Buffer.alloc(10240), nothing, 100)).files).toEqual([]);
  });

  it("accepts a tar that ends right after an entry without the end blocks (as Go's archive/tar does)", async () => {
    const index = await scan(tarBuffer([{ name: "etc/a", content: "a" }], { end: false }));
    expect(index.files.map((f) => f.path)).toEqual(["/etc/a"]);
  });

  it("accepts a layer holding only the root directory", async () => {
    const index = await scan([{ name: "./", type: "dir" }]);
    expect(index.files).toEqual([]);
  });
});

describe("scanLayer: whiteouts", () => {
  it("turns .wh.NAME into a deleted path and .wh..wh..opq into an opaque directory", async () => {
    const index = await scan([
      { name: "etc/.wh.motd", content: "" },
      { name: ".wh.tmp", content: "" },
      { name: "usr/share/doc/.wh..wh..opq", content: "" },
      { name: "usr/share/doc/readme", content: "kept" },
      { name: ".wh..wh..opq", content: "" },
    ]);
    expect(index.whiteouts).toEqual(["/etc/motd", "/tmp"]);
    expect(index.opaque).toEqual(["/usr/share/doc", "/"]);
    // markers are not entries of the layer
    expect(index.files.map((f) => f.path)).toEqual(["/usr/share/doc/readme"]);
    expect(index.fileBytes).toBe(4);
  });

  it("takes whiteouts as the engine writes them on overlayfs: later ones are regular files with a link name, or hardlinks", async () => {
    const index = await scan([
      { name: "bin/.wh.arch", mode: 0, content: "" },
      { name: "bin/.wh.base64", mode: 0, linkname: "bin/arch", content: "" },
      { name: "bin/.wh.cat", type: "hardlink", linkname: "bin/.wh.arch" },
      { name: "bin/kept", linkname: "stray", content: "data" },
    ]);
    expect(index.whiteouts).toEqual(["/bin/arch", "/bin/base64", "/bin/cat"]);
    expect(index.files.map((f) => [f.path, f.type, f.linkname])).toEqual([["/bin/kept", "file", undefined]]);
  });

  it("refuses a whiteout of '.' or '..', which would delete a directory above its own", async () => {
    for (const name of [".wh...", "etc/.wh...", "etc/.wh.."]) {
      const err = await scanError([{ name, content: "" }]);
      expect(err.message).toMatch(/names '\.\.?', which is no entry of its directory/);
    }
  });

  it("a bare '.wh.' deletes its own directory (as the engine and containerd take it), never the root", async () => {
    const index = await scan([{ name: "var/cache/.wh.", content: "" }, { name: ".wh.", content: "" }]);
    expect(index.whiteouts).toEqual(["/var/cache"]);
  });

  it("takes AUFS metadata as the engine's overlay storage does: its names are whiteouts, what lies below them entries", async () => {
    const index = await scan([
      { name: ".wh..wh.aufs", content: "" },
      { name: ".wh..wh.orph/", type: "dir" },
      { name: ".wh..wh.plnk/", type: "dir" },
      { name: ".wh..wh.plnk/1234.5678", content: "linked bytes", mode: 0o4750, uid: 7 },
      { name: "usr/bin/tool", type: "hardlink", linkname: "/.wh..wh.plnk/1234.5678" },
      { name: "usr/.wh..wh.aufs", content: "" },
    ]);
    // (docker export of such a layer lists /.wh..wh.plnk/1234.5678, setuid, and the tool as its hardlink)
    expect(index.files.map((f) => [f.path, f.type, f.size, f.mode, f.uid])).toEqual([
      ["/.wh..wh.plnk/1234.5678", "file", 12, 0o4750, 7],
      ["/usr/bin/tool", "hardlink", 0, 0o644, 0],
    ]);
    expect(index.whiteouts).toEqual(["/.wh.aufs", "/.wh.orph", "/.wh.plnk", "/usr/.wh.aufs"]);
    expect(index.opaque).toEqual([]);
  });

  it("clamps '..' at the root in an absolute name, as the engine cleans it", async () => {
    const index = await scan([{ name: "/../../etc/x", content: "a" }, { name: "l", type: "hardlink", linkname: "/../etc/x" }]);
    expect(index.files.map((f) => [f.path, f.linkname])).toEqual([["/etc/x", undefined], ["/l", "/etc/x"]]);
  });

  it("reads a GNU sparse file as its logical content, holes as zeros, not its stored fragments", async () => {
    const sparseTar = execFileSync("sh", ["-c", 'd=$(mktemp -d) && cd "$d" && printf x | dd of=holes bs=1 seek=5000000 status=none && printf after > z && tar --format gnu --sparse -cf - holes z && rm -rf "$d"']);
    const index = await scan(sparseTar, { wantContent: () => true });
    expect(index.files.map((f) => [f.path, f.size, f.content?.length])).toEqual([["/holes", 5000001, 5000001], ["/z", 5, 5]]);
    const holes = index.files[0]!.content!;
    expect([holes.subarray(0, 5000000).every((b) => b === 0), holes.subarray(5000000).toString()]).toEqual([true, "x"]);
    expect(index.files[1]!.content!.toString()).toBe("after");
  });

  it("rejects a whiteout whose name escapes the root", async () => {
    const err = await scanError([{ name: "../.wh.etc", content: "" }]);
    expect(err.message).toContain("'../.wh.etc'");
  });
});

describe("scanLayer: limits", () => {
  const limits = { maxEntries: 5, maxKeptBytes: 100 };

  it("refuses a layer with more entries than the limit, naming the variable that raises it", async () => {
    const err = await scanError(Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, content: "" })), { wantContent: () => false, limits });
    expect(err.message).toMatch(/more than 5 entries \(files, directories, links and whiteouts of all the image's layers together; IMGPOLICY_MAX_ENTRIES raises the limit\)/);
  });

  it("refuses a layer whose names hold more than 128 bytes for each entry the limit allows (long names by the thousand are memory, not files)", async () => {
    // 5 entries allowed: 640 bytes of names and link targets
    const err = await scanError([{ name: `a${"x".repeat(300)}`, content: "" }, { name: "l", type: "symlink", linkname: "/t".repeat(200) }], { wantContent: () => false, limits });
    expect(err.message).toMatch(/entries whose names \(paths and link targets\) hold more than 640 bytes in all \(128 for each entry IMGPOLICY_MAX_ENTRIES allows; it raises the limit\)/);
    const fits = await scan([{ name: `a${"x".repeat(300)}`, content: "" }, { name: "l", type: "symlink", linkname: "/t".repeat(150) }], { wantContent: () => false, limits });
    expect(fits.files).toHaveLength(2);
  });

  it("counts kept content against the limit; a path written again in the layer lets go of its earlier content", async () => {
    const keep: ScanInterest = { wantContent: (p) => p === "/etc/passwd", limits: { maxEntries: 100, maxKeptBytes: 100 } };
    const again = Array.from({ length: 20 }, (_, i) => ({ name: "etc/passwd", content: `root:x:0:0:${"r".repeat(50 + i)}\n` }));
    const index = await scan(again, keep);
    expect(index.files.filter((f) => f.content !== undefined)).toHaveLength(1);
    expect(index.files.at(-1)!.content!.toString()).toContain("r".repeat(69));
    const err = await scanError([{ name: "etc/passwd", content: "x".repeat(101) }], keep);
    expect(err.message).toMatch(/the files the checks read hold more than .* MiB \(at \/etc\/passwd; IMGPOLICY_MAX_KEPT_MB raises the limit\)/);
  });

  it("refuses a name or link target longer than PATH_MAX, which the engine could not create", async () => {
    const deep = "a/".repeat(400_000) + "f";
    const err = await scanError([{ name: deep, content: "x" }]);
    expect(err.message).toMatch(/an entry's name of 800001 bytes .* is longer than PATH_MAX \(4096\)/);
    expect(err.message.length).toBeLessThan(300);
    const link = await scanError([{ name: "l", type: "symlink", linkname: "/t".repeat(2100) }]);
    expect(link.message).toMatch(/link target of 4200 bytes/);
    const ok = await scan([{ name: "a/".repeat(2000) + "f", content: "deep but legal" }]);
    expect(ok.files).toHaveLength(1);
  });
});

describe("scanLayer: content", () => {
  it("keeps content only for the paths wantContent accepts, and tells it the size", async () => {
    const asked: Array<[string, number]> = [];
    const interest: ScanInterest = {
      wantContent(path, size) {
        asked.push([path, size]);
        return path === "/etc/passwd";
      },
    };
    const passwd = "root:x:0:0:root:/root:/bin/sh\n";
    const index = await scan(
      [
        { name: "etc/passwd", content: passwd },
        { name: "etc/group", content: "root:x:0:\n" },
        { name: "etc/empty", content: "" },
        { name: "etc/dir/", type: "dir" },
      ],
      interest,
    );
    const f = byPath(index);
    expect(f.get("/etc/passwd")!.content?.toString()).toBe(passwd);
    expect(f.get("/etc/group")!.content).toBeUndefined();
    // asked for regular files with content only
    expect(asked).toEqual([
      ["/etc/passwd", passwd.length],
      ["/etc/group", 10],
    ]);
  });

  it("reassembles kept content that arrives in many small chunks", async () => {
    const big = Buffer.alloc(70_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const index = await scan([{ name: "data/blob", content: big }, { name: "data/after", content: "x" }], { wantContent: () => true }, 333);
    const f = byPath(index);
    expect(f.get("/data/blob")!.content!.equals(big)).toBe(true);
    expect(f.get("/data/after")!.content!.toString()).toBe("x");
  });

  it("searches the first MiB of every file but ELF ones for private keys, and can be turned off", async () => {
    const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n";
    const cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const MiB = 1 << 20;
    const entries: TarEntry[] = [
      { name: "home/u/notes.txt", content: key },
      { name: "home/u/cert.txt", content: cert },
      { name: "home/u/big.txt", content: key + "x".repeat(70 * 1024) },
      { name: "home/u/deep.txt", content: "x".repeat(MiB - key.length) + key },
      { name: "home/u/past.txt", content: "x".repeat(MiB) + key },
      { name: "home/u/past.pem", content: cert.repeat(MiB / cert.length + 1) + key },
      { name: "home/u/bundle.pem", content: cert.repeat(MiB / cert.length + 1) + "-----BEGIN CERTIFICATE-----\n" },
      { name: "home/u/short.pem", content: cert },
      { name: "bin/app", content: Buffer.concat([readFileSync("/bin/true"), Buffer.from(key)]), mode: 0o755 },
    ];
    for (const chunk of [0, 4093]) {
      const f = keysOf(await scan(entries, nothing, chunk));
      expect(f.get("/home/u/notes.txt")).toBe("openssh-private-key");
      expect(f.get("/home/u/cert.txt")).toBeUndefined();
      expect(f.get("/home/u/big.txt")).toBe("openssh-private-key");
      expect(f.get("/home/u/deep.txt")).toBe("openssh-private-key");
      // past the bound: a .txt is not known to hold a key; a PEM file is not known to be free of one
      expect(f.get("/home/u/past.txt")).toBeUndefined();
      expect(f.get("/home/u/past.pem")).toBe("unscanned-pem");
      expect(f.get("/home/u/bundle.pem")).toBe("unscanned-pem");
      expect(f.get("/home/u/short.pem")).toBeUndefined();
      // ELF files are not searched
      expect(f.get("/bin/app")).toBeUndefined();
    }
    const off = await scan(entries, { wantContent: () => false, privateKeyScanBytes: 0 });
    expect(off.privateKeys).toBeUndefined();
  });

  it("finds a private key whose header arrives split over tiny chunks", async () => {
    const key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----\n";
    const f = keysOf(await scan([{ name: "root/.ssh/key", content: key }], nothing, 7));
    expect(f.get("/root/.ssh/key")).toBe("rsa-private-key");
  });

  it("lists a finding for the last entry at its path only", async () => {
    const key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----\n";
    const replaced = await scan([{ name: "etc/k", content: key }, { name: "etc/k", content: "gone\n" }, { name: "etc/j", content: "x" }, { name: "etc/j", content: key }], nothing);
    expect([...keysOf(replaced)]).toEqual([["/etc/j", "rsa-private-key"]]);
    expect(replaced.files.filter((f) => f.path === "/etc/k")).toHaveLength(2);
  });
});

const TRUE = "/bin/true";
const haveTrue = existsSync(TRUE) && readFileSync(TRUE).subarray(0, 4).toString("latin1") === "\x7fELF";

describe("scanLayer: ELF", () => {
  it.skipIf(!haveTrue)("parses ELF files as they stream by, in one chunk or in many", async () => {
    const bin = readFileSync(TRUE);
    for (const chunk of [0, 1000, 17]) {
      const f = byPath(await scan([{ name: "bin/true", content: bin, mode: 0o755 }, { name: "etc/x", content: "\x7fEL" }], nothing, chunk));
      const elf = f.get("/bin/true")!.elf!;
      expect(elf.error).toBeUndefined();
      expect(elf.class).toBe(64);
      expect(["static", "static-pie", "dynamic"]).toContain(elf.linkage);
      expect(elf.complete).toBe(true);
      // not ELF: three bytes that look like the start of the magic
      expect(f.get("/etc/x")!.elf).toBeUndefined();
      // only the content wanted is kept, even for ELF files
      expect(f.get("/bin/true")!.content).toBeUndefined();
    }
  });

  it.skipIf(!haveTrue)("does not parse ELF when told not to", async () => {
    const f = byPath(await scan([{ name: "bin/true", content: readFileSync(TRUE) }], { wantContent: () => false, elf: false }));
    expect(f.get("/bin/true")!.elf).toBeUndefined();
  });

  it("reports a file with the ELF magic but garbage after it as an ELF with an error", async () => {
    const junk = Buffer.concat([Buffer.from("\x7fELF", "latin1"), Buffer.alloc(200, 0xee)]);
    const f = byPath(await scan([{ name: "bin/fake", content: junk }]));
    expect(f.get("/bin/fake")!.elf?.error).toBeTruthy();
  });
});

describe("scanLayer: broken input fails with one line, never hangs", () => {
  const good = tarBuffer([
    { name: "etc/", type: "dir" },
    { name: "etc/a", content: Buffer.alloc(5000, 1) },
    { name: "etc/b", content: "b" },
  ]);

  it("fails on a tar cut in the middle of a file's content", async () => {
    const err = await scanError(good.subarray(0, 512 * 2 + 2000));
    expect(err.message).toMatch(/truncated/i);
  });

  it("fails on a tar cut in the middle of a header", async () => {
    // the directory and the whole of etc/a, then 300 bytes of etc/b's header
    const cut = 512 + 512 + 5120 + 300;
    const err = await scanError(good.subarray(0, cut));
    expect(err.message).toMatch(/truncated/i);
  });

  it("fails on a tar cut in the middle of a file's content that arrives in small chunks", async () => {
    await scanError(good.subarray(0, 512 * 2 + 2000), nothing, 100);
  });

  it("fails on bytes that are not a tar", async () => {
    const err = await scanError(Buffer.from("{\"not\":\"a tar\"}\n".repeat(100)));
    expect(err.message.length).toBeLessThan(300);
  });

  it("fails on a short non-tar layer (less than one block)", async () => {
    await scanError(Buffer.from("hello, world\n"));
  });

  it("fails on a header with a bad checksum", async () => {
    const err = await scanError([{ name: "etc/a", content: "x", checksum: 1234 }]);
    expect(err.message).toMatch(/checksum/);
  });

  it("fails when the stream itself errors", async () => {
    const stream = new Readable({
      read() {
        this.push(good.subarray(0, 1024));
        this.destroy(new Error("disk on fire"));
      },
    });
    const err = await scanLayer(stream, 0, WHAT, nothing).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SourceError);
    expect((err as Error).message).toBe(`${WHAT}: disk on fire`);
  });

  it("treats a layer that is still gzip-compressed as the tar inside it (node-tar sniffs gzip)", async () => {
    const index = await scan(gzipSync(good));
    expect(index.files.map((f) => f.path)).toEqual(["/etc", "/etc/a", "/etc/b"]);
  });
});

describe("scanLayer with a real tar(1) archive", () => {
  const haveTar = (() => {
    try {
      execFileSync("tar", ["--version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!haveTar)("reads what GNU tar writes, hardlinks included", async () => {
    const dir = mkdtempSync(join(tmpdir(), "imgpolicy-scan-"));
    try {
      mkdirSync(join(dir, "root", "bin"), { recursive: true });
      writeFileSync(join(dir, "root", "bin", "tool"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
      linkSync(join(dir, "root", "bin", "tool"), join(dir, "root", "bin", "tool2"));
      symlinkSync("tool", join(dir, "root", "bin", "tool3"));
      const archive = execFileSync("tar", ["-C", join(dir, "root"), "--format=posix", "-cf", "-", "."]);
      const f = byPath(await scan(archive));
      expect(f.get("/bin")!.type).toBe("dir");
      // GNU tar stores the first name of the inode it meets as the file, the other as a hardlink to it
      const both = ["/bin/tool", "/bin/tool2"].map((n) => f.get(n)!);
      const file = both.find((r) => r.type === "file")!;
      const link = both.find((r) => r !== file)!;
      expect(file).toMatchObject({ size: 18 });
      expect(file.mode & 0o111).not.toBe(0);
      expect(link).toMatchObject({ type: "hardlink", linkname: file.path, size: 0 });
      expect(f.get("/bin/tool3")).toMatchObject({ type: "symlink", linkname: "tool" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
