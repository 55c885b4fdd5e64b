/**
 * The synchronous layer scan the worker threads use: it must keep nothing of a
 * chunk once `write` returns (the worker hands the buffer back), so scribbling
 * over every chunk after it is written must not change the answer. And the
 * interest as data must say what the interest as a function said.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { tarBuffer, type TarEntry } from "../../../fixtures/tar-writer.js";
import { factsInterest, factsInterestSpec } from "../facts/interest.js";
import { LayerScan, scanLayer, type LayerIndex } from "../fs/scan-layer.js";
import type { ConfigFile } from "../image.js";
import { interestFromSpec } from "./interest-spec.js";
import { scanStoredHere } from "./scan-stored.js";

const interest = interestFromSpec({ exact: ["/etc/passwd"], rules: [{ prefixes: ["/etc/ssl/"], suffixes: [".pem"] }], maxSize: 1 << 20 });
const elf = existsSync("/bin/true") ? readFileSync("/bin/true") : undefined;

const KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n";
const entries: TarEntry[] = [
  { name: "etc/", type: "dir" },
  { name: "etc/passwd", content: "root:x:0:0:root:/root:/bin/sh\n".repeat(50) },
  { name: "etc/ssl/certs/a.pem", content: "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n" },
  { name: "home/u/.ssh/id_rsa", content: KEY },
  { name: "opt/" + "d".repeat(120) + "/file", content: "pax name" },
  { name: "tiny", content: "x" },
  ...(elf
    ? [
        { name: "bin/true", content: elf, mode: 0o755 },
        { name: "bin/true-twice", content: Buffer.concat([elf, elf]), mode: 0o755 },
      ]
    : []),
  { name: "big", content: Buffer.alloc(300_000, 3) },
];

function scanScribbled(buf: Buffer, chunk: number): LayerIndex {
  const scan = new LayerScan(0, "test: layer 1/1", interest);
  for (let i = 0; i < buf.length; i += chunk) {
    const piece = Buffer.from(buf.subarray(i, i + chunk));
    scan.write(piece);
    piece.fill(0xa5);
  }
  return scan.end();
}

describe("LayerScan", () => {
  it("keeps nothing of a chunk after write returns", async () => {
    const buf = tarBuffer(entries);
    const want = await scanLayer(Readable.from([buf]), 0, "test: layer 1/1", interest);
    expect(want.files.find((f) => f.path === "/etc/passwd")?.content).toBeDefined();
    expect(want.files.find((f) => f.path === "/home/u/.ssh/id_rsa")?.privateKey).toBe("rsa-private-key");
    if (elf) expect(want.files.find((f) => f.path === "/bin/true-twice")?.elf?.error).toBeUndefined();
    for (const chunk of [1, 37, 512, 4096, 65536, 1 << 20]) {
      expect(scanScribbled(buf, chunk), `chunk ${chunk}`).toEqual(want);
    }
  });

  it("fails with a SourceError naming the layer, and keeps failing", () => {
    const scan = new LayerScan(0, "test: layer 1/1", interest);
    expect(() => scan.write(tarBuffer([{ name: "../x", content: "x" }]))).toThrow(/^test: layer 1\/1: .*escapes the image root/);
    expect(() => scan.write(Buffer.alloc(512))).toThrow(/escapes the image root/);
    expect(() => scan.end()).toThrow(/escapes the image root/);
    const cut = new LayerScan(0, "test: layer 1/1", interest);
    cut.write(tarBuffer(entries).subarray(0, 512 + 300));
    expect(() => cut.end()).toThrow(/^test: layer 1\/1: .*truncated/i);
  });
});

describe("scanStoredHere (a worker's scan, on this thread)", () => {
  const what = "test: layer 1/1";
  const digest = (b: Buffer) => "sha256:" + createHash("sha256").update(b).digest("hex");
  const run = (stored: Buffer, tar: Buffer, chunk: number) => {
    const parts: Buffer[] = [];
    for (let i = 0; i < stored.length; i += chunk) parts.push(stored.subarray(i, i + chunk));
    const check = { diffId: digest(tar), diffIdWhat: `${what}: uncompressed content does not match the config's diff_id`, what };
    return scanStoredHere({ stream: Readable.from(parts), check }, 0, what, interest);
  };

  it("reads a plain or gzip blob as scanLayer reads the tar", async () => {
    const tar = tarBuffer(entries);
    const want = await scanLayer(Readable.from([tar]), 0, what, interest);
    for (const chunk of [100, 65536, 1 << 22]) {
      const plain = await run(tar, tar, chunk);
      expect(plain.index).toEqual(want);
      expect(plain).toMatchObject({ tarBytes: tar.length, compression: "none" });
      const gz = await run(gzipSync(tar), tar, chunk);
      expect(gz.index).toEqual(want);
      expect(gz.compression).toBe("gzip");
    }
  });

  it("fails (and does not hang) when the tar goes wrong at its very end, after the decompressor was told the input ended", async () => {
    const tar = tarBuffer([...entries, { name: "../late", content: "x" }]);
    for (const chunk of [100, 1 << 22]) {
      await expect(run(gzipSync(tar), tar, chunk)).rejects.toThrow(/^test: layer 1\/1: .*'\.\.\/late'.*escapes the image root/);
    }
    const cut = gzipSync(tar).subarray(0, 2000);
    await expect(run(cut, tar, 512)).rejects.toThrow(/^test: layer 1\/1: cannot decompress: truncated gzip stream$/);
  });

  it("says the blob is not what its digest says, rather than that it does not inflate, when both are true", async () => {
    const tar = tarBuffer(entries);
    const gz = gzipSync(tar);
    const bad = Buffer.from(gz);
    bad[3] = 0xff; // header flags no gunzip knows
    const scan = (blob: Buffer, digestOf: Buffer) => {
      const check = {
        diffId: digest(tar),
        diffIdWhat: `${what}: uncompressed content does not match the config's diff_id`,
        what,
        blob: { digest: digest(digestOf), size: digestOf.length, what: `${what}: blob` },
      };
      return scanStoredHere({ stream: Readable.from([blob.subarray(0, 100), blob.subarray(100)]), check }, 0, what, interest);
    };
    await expect(scan(bad, gz)).rejects.toThrow(/^test: layer 1\/1: blob: digest mismatch: expected sha256:/);
    await expect(scan(bad, bad)).rejects.toThrow(/^test: layer 1\/1: cannot decompress: unknown header flags set$/);
  });
});

describe("the interest as data", () => {
  const config = { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] }, config: { Env: ["SSL_CERT_FILE=/opt/certs.pem"] } } as ConfigFile;

  it("keeps what the facts read, as the function form did", () => {
    const want = factsInterest(config, ["etc/hosts"]);
    const spec = factsInterestSpec(config, ["etc/hosts"]);
    const got = interestFromSpec(JSON.parse(JSON.stringify(spec)));
    const cases: [string, number, boolean][] = [
      ["/etc/passwd", 10, true],
      ["/etc/hosts", 10, true],
      ["/opt/certs.pem", 10, true],
      ["/etc/ssl/certs/x.pem", 10, true],
      ["/etc/pki/tls/y.crt", 10, true],
      ["/etc/ssl/certs/x.txt", 10, false],
      ["/etc/ssl.pem", 10, false],
      ["/usr/share/z.pem", 10, false],
      ["/etc/passwd", 9 << 20, false],
      ["/etc/os-release", 100, true],
    ];
    for (const [path, size, keep] of cases) {
      expect(want.wantContent(path, size), path).toBe(keep);
      expect(got.wantContent(path, size), path).toBe(keep);
    }
    expect(want.spec).toEqual(spec);
  });
});
