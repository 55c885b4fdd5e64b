/**
 * GNU sparse files (written by GNU tar from files with holes) read end to end: every
 * consumer of a file's first bytes sees its logical content, holes as zeros, as the
 * engine writes it to disk (Go's archive/tar; the reader's Go oracle compares the bytes),
 * never the stored fragments run together.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { craftedArchive } from "../../../fixtures/conformance/load-archive.js";
import { elfBytes } from "../../../fixtures/hostile/elf-bytes.js";
import { oldGnuSparse } from "../../../fixtures/hostile/sparse-entries.js";
import { rule as accountsEmptyPassword } from "../../policies/rules/accounts-empty-password.js";
import { inspect } from "../facts/collect.js";
import type { Facts } from "../facts/types.js";

const work = mkdtempSync(join(tmpdir(), "imgpolicy-sparse-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n";
const MiB = 1 << 20;

/** A file of `size` bytes, zero but for `pieces` written at their offsets (holes where nothing is). */
interface Holey {
  path: string;
  size: number;
  pieces: [number, string | Buffer][];
}

let n = 0;
/** A layer of GNU sparse entries (GNU tar --sparse over files with holes), inspected as an image's only layer. */
async function inspectSparse(files: Holey[], user?: string, format = "gnu"): Promise<Facts> {
  const root = join(work, `root-${++n}`);
  for (const f of files) {
    const full = join(root, f.path);
    execFileSync("mkdir", ["-p", join(full, "..")]);
    execFileSync("truncate", ["-s", String(f.size), full]);
    for (const [at, bytes] of f.pieces) execFileSync("dd", [`of=${full}`, "bs=1", `seek=${at}`, "conv=notrunc", "status=none"], { input: bytes });
  }
  const extra = format === "gnu" ? [] : [`--sparse-version=${format}`];
  const layer = execFileSync("tar", ["--format", format === "gnu" ? "gnu" : "posix", ...extra, "--sparse", "--numeric-owner", "-cf", "-", "-C", root, ...files.map((f) => f.path)], { maxBuffer: 256 * MiB });
  expect(layer.length, "the tar stores fragments, not the holes").toBeLessThan(files.reduce((s, f) => s + f.size, 0));
  const archive = join(work, `image-${n}.tar`);
  writeFileSync(archive, craftedArchive([{ tag: "sparse:1", layers: [layer], config: { User: user ?? "", Entrypoint: ["/bin/true"] } }]));
  return inspect(`docker-archive:${archive}:sparse:1`, { workers: 0 });
}

const ELF = readFileSync("/bin/true");

describe("sparse files: the logical content is what is read", () => {
  it.each(["gnu", "0.0", "0.1", "1.0"])("an ELF file with a hole past 32 MiB is parsed as the ELF it is (%s)", async (format) => {
    const size = 40 * MiB;
    const facts = await inspectSparse([{ path: "bin/holey", size, pieces: [[0, ELF], [size - 4, "tail"]] }], undefined, format);
    const bin = facts.binaries.find((b) => b.path === "/bin/holey");
    expect(bin?.elf.machine).toBeDefined();
    expect(bin?.size).toBe(size);
  });

  it("an ELF file of 1 TiB (a header, then a hole holding its program headers) is read in bounded time and memory", async () => {
    const segments = oldGnuSparse("app", 2 ** 40, [[0, 512]], Buffer.from(elfBytes({ phoff: 2 ** 40 - 4096, phnum: 50 }).subarray(0, 512)), 0o755);
    const layer = Buffer.concat([...segments.map((s) => (typeof s === "number" ? Buffer.alloc(s) : s)), Buffer.alloc(1024)]);
    const archive = join(work, "huge.tar");
    writeFileSync(archive, craftedArchive([{ tag: "huge:1", layers: [layer], config: { Entrypoint: ["/app"] } }]));
    const rss = process.memoryUsage().rss;
    const facts = await inspect(`docker-archive:${archive}:huge:1`, { workers: 0 });
    expect(facts.binaries.find((b) => b.path === "/app")?.size).toBe(2 ** 40);
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * MiB);
  });

  it("fragments that would spell an ELF header run together are not one when a hole comes first", async () => {
    const facts = await inspectSparse([{ path: "bin/fake", size: 64 * 1024, pieces: [[16 * 1024, ELF.subarray(0, 4096)]] }]);
    expect(facts.binaries.map((b) => b.path)).not.toContain("/bin/fake");
  });

  it("a private key in a sparse file is found before or after a hole (holes do not count towards the MiB searched)", async () => {
    const facts = await inspectSparse([
      { path: "srv/key-then-hole", size: 60 * 1024, pieces: [[0, KEY], [50 * 1024, "end"]] },
      { path: "srv/hole-then-key", size: 60 * 1024, pieces: [[16 * 1024, KEY]] },
      { path: "srv/app.txt", size: 4 * MiB, pieces: [[3 * MiB, KEY]] },
      // a header cut in two by a hole is not one
      { path: "srv/cut.txt", size: 60 * 1024, pieces: [[0, KEY.slice(0, 20)], [16 * 1024, KEY.slice(20)]] },
    ]);
    const secrets = facts.filesystem.secretFiles.map((s) => s.path);
    expect(secrets).toContain("/srv/key-then-hole");
    expect(secrets).toContain("/srv/hole-then-key");
    expect(secrets).toContain("/srv/app.txt");
    expect(secrets).not.toContain("/srv/cut.txt");
  });

  it("a sparse /etc/passwd and /etc/shadow are read as the engine reads them: NULs from a hole are part of a line", async () => {
    const passwd = { path: "etc/passwd", size: 16 * 1024, pieces: [[0, "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\n"], [12 * 1024, "svc:x:2000:2000::/:/bin/sh\n"]] as [number, string][] };
    const shadow = { path: "etc/shadow", size: 16 * 1024, pieces: [[0, "root:*:19000::::::\n"], [12 * 1024, "\nguest::19000::::::\n"]] as [number, string][] };
    const app = await inspectSparse([passwd, shadow], "app");
    expect(app.users.user).toMatchObject({ status: "runs", uid: 1000, gid: 1000 });
    expect(app.users.emptyPasswords).toEqual(["guest"]);
    // the line after the hole starts with NULs: `svc` is not a name in it, and the engine refuses it
    const svc = await inspectSparse([passwd, shadow], "svc");
    expect(svc.users.user.status).toBe("refused");
  });

  it("an /etc/shadow of more than 8 MiB (a sparse one costs the archive nothing) is not read, and no empty password check passes on it", async () => {
    const facts = await inspectSparse([{ path: "etc/shadow", size: 9 * MiB, pieces: [[0, "root::19000::::::\n"]] }]);
    expect(facts.users.unread).toEqual([expect.objectContaining({ path: "/etc/shadow", file: "shadow" })]);
    const outcome = accountsEmptyPassword.check(facts, {});
    expect(outcome.status).toBe("fail");
  });
});
