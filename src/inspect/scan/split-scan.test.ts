/**
 * The two halves of a split scan against the one-pass scan of the same tar: the
 * parse (which skips what it does not need and reads ELF files where their headers
 * point) finds the same index; the hash checks the same digest, with the same message.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { seededBytes } from "../../../fixtures/prng.js";
import { tarBuffer, type TarEntry } from "../../../fixtures/tar-writer.js";
import { LayerScan, scanLayer, type ScanInterest } from "../fs/scan-layer.js";
import { certificateExpiries } from "../parsers/ca-bundle.js";
import type { TarCheck } from "../layer/layer-tar.js";
import { hashTarFile, parseTarFile, splittable } from "./split-scan.js";
import type { FileRange } from "./stored-layer.js";

const WHAT = "img: layer 1/1";
const dir = mkdtempSync(join(tmpdir(), "imgpolicy-split-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const interest: ScanInterest = {
  wantContent: (p) => p === "/etc/passwd" || p.startsWith("/etc/ssl/"),
  pathDirs: ["/usr/bin", "/bin"],
};
const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
const elf = readFileSync(process.execPath); // a real ELF file, tens of megabytes

const entries: TarEntry[] = [
  { name: "etc/", type: "dir" },
  { name: "etc/passwd", content: "root:x:0:0::/root:/bin/sh\n" },
  { name: "etc/ssl/certs/ca.pem", content: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" },
  { name: "data/big.bin", content: seededBytes(1, "big", 3_000_017) },
  { name: "root/.ssh/id_ed25519", content: KEY, mode: 0o600 },
  { name: "usr/bin/node", content: elf, mode: 0o755 },
  { name: "opt/" + "n".repeat(130) + "/long-name", content: "pax" },
  { name: "usr/bin/nodejs", type: "symlink", linkname: "node" },
  { name: "tiny", content: "\x7fEL" },
];

/** The tar written at `offset` in a file between other bytes: the range a layer is in an archive. */
function rangeOf(tar: Buffer, name: string, offset = 1536): FileRange {
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([Buffer.alloc(offset, 7), tar, Buffer.alloc(999, 9)]));
  return { name: path, path, start: offset, end: offset + tar.length };
}

const checkOf = (tar: Buffer): TarCheck => ({
  diffId: "sha256:" + createHash("sha256").update(tar).digest("hex"),
  diffIdWhat: `${WHAT}: uncompressed content does not match the config's diff_id`,
  what: WHAT,
});

const parse = (file: FileRange) => parseTarFile(file, new LayerScan(0, WHAT, interest), () => false);
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: Error) => e);

describe("split scan", () => {
  const tar = tarBuffer(entries);

  it("parses a tar in a file as the one-pass scan does, reading ELF files where they lie", async () => {
    const whole = await scanLayer(Readable.from([tar]), 0, WHAT, interest);
    const split = await parse(rangeOf(tar, "a.bin"));
    expect(split).toEqual(whole);
    const node = split.files.find((f) => f.path === "/usr/bin/node")!;
    expect(node.elf?.error).toBeUndefined();
    expect(node.elf?.complete).toBe(true);
    expect(split.files.find((f) => f.path === "/root/.ssh/id_ed25519")!.privateKey).toBe("openssh-private-key");
    expect(split.files.find((f) => f.path === "/etc/passwd")!.content?.toString()).toBe("root:x:0:0::/root:/bin/sh\n");
  });

  it("reads a kept CA bundle's certificate expiries in the scan", async () => {
    const bundlePath = "/etc/ssl/certs/ca-certificates.crt";
    if (!existsSync(bundlePath)) return;
    const pem = readFileSync(bundlePath);
    const withBundle: ScanInterest = { ...interest, caBundles: new Set([bundlePath]) };
    const index = await parseTarFile(rangeOf(tarBuffer([{ name: bundlePath.slice(1), content: pem }]), "ca.bin"), new LayerScan(0, WHAT, withBundle), () => false);
    const rec = index.files[0]!;
    expect(rec.certExpiries?.length).toBeGreaterThan(10);
    expect(rec.certExpiries).toEqual(certificateExpiries(pem).map((d) => d?.getTime() ?? null));
  });

  it("hashes the tar and checks its diff_id", async () => {
    const file = rangeOf(tar, "b.bin");
    expect(await hashTarFile(file, checkOf(tar), () => false)).toBe(tar.length);
    const e = await failure(hashTarFile(file, checkOf(Buffer.from("other")), () => false));
    expect(e?.message).toMatch(/^img: layer 1\/1: uncompressed content does not match the config's diff_id: digest mismatch: expected sha256:/);
  });

  it("fails as the one-pass scan does on a bad tar, a cut one, a file that ends early", async () => {
    const escape = tarBuffer([{ name: "../x", content: "x" }]);
    let e = await failure(parse(rangeOf(escape, "c.bin")));
    expect(e?.message).toMatch(/^img: layer 1\/1: .*'\.\.\/x'.*escapes the image root/);
    // cut inside the big file's body, which the parse skips rather than reads
    const cut = tar.subarray(0, 512 * 10 + 1_000_000);
    e = await failure(parse(rangeOf(cut, "d.bin")));
    expect(e?.message).toMatch(/^img: layer 1\/1: .*truncated/i);
    // the parse stops at the tar's end; the hash reads every byte, so it meets a file that ends early
    const range = rangeOf(tar, "e.bin");
    e = await failure(hashTarFile({ ...range, end: range.end + 5000 }, checkOf(tar), () => false));
    expect(e?.message).toMatch(/unexpected end of file/);
  });

  it("stops when told to", async () => {
    const e = await failure(parseTarFile(rangeOf(tar, "f.bin"), new LayerScan(0, WHAT, interest), () => true));
    expect(e?.message).toMatch(/aborted/);
  });

  it("splits only a plain tar with nothing but its diff_id to check", () => {
    const tar = tarBuffer(entries.slice(0, 3));
    const plain = rangeOf(tar, "g.bin");
    expect(splittable(plain, checkOf(tar))).toBe(true);
    expect(splittable(plain, { ...checkOf(tar), compression: "gzip" })).toBe(false);
    expect(splittable(plain, { ...checkOf(tar), blob: { digest: "sha256:00", what: "blob" } })).toBe(false);
    expect(splittable(rangeOf(gzipSync(tar), "h.bin"), checkOf(tar))).toBe(false);
    expect(splittable({ ...plain, path: join(dir, "missing") }, checkOf(tar))).toBe(false);
  });
});
