/**
 * The in-process layer scanner, and the checks it shares with the worker pool
 * (layer/layer-tar.ts): a plain or compressed blob reads as its tar, digests that do not
 * match and tars that go wrong fail in one line naming the layer, and never hang.
 */
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { checkOf, sha256, storedLayer } from "../../../fixtures/stored-layer.js";
import { tarBuffer, type TarEntry } from "../../../fixtures/tar-writer.js";
import { scanLayer } from "../fs/scan-layer.js";
import { interestFromSpec } from "./interest-spec.js";
import { inProcessScanner } from "./in-process.js";

const interest = interestFromSpec({ exact: ["/etc/passwd"], rules: [{ prefixes: ["/etc/ssl/"], suffixes: [".pem"] }], maxSize: 1 << 20 });
const what = "test: layer 1/1";
const KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----\n";
const entries: TarEntry[] = [
  { name: "etc/", type: "dir" },
  { name: "etc/passwd", content: "root:x:0:0:root:/root:/bin/sh\n".repeat(50) },
  { name: "etc/ssl/certs/a.pem", content: "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n" },
  { name: "home/u/.ssh/id_rsa", content: KEY },
  { name: "opt/" + "d".repeat(120) + "/file", content: "pax name" },
  { name: "big", content: Buffer.alloc(300_000, 3) },
];
const scanner = inProcessScanner(interest, 1);
const scan = (bytes: Buffer, chunk: number, check = checkOf(tarBuffer(entries), what), signal = new AbortController().signal) =>
  scanner.scan(storedLayer(bytes, chunk, check), 0, what, signal);

describe("the in-process scanner", () => {
  it("reads a plain or gzip blob as scanLayer reads the tar", async () => {
    const tar = tarBuffer(entries);
    const want = await scanLayer(Readable.from([tar]), 0, what, interest);
    expect(want.privateKeys).toEqual([{ path: "/home/u/.ssh/id_rsa", kind: "rsa-private-key" }]);
    for (const chunk of [100, 65536, 1 << 22]) {
      expect(await scan(tar, chunk)).toEqual({ index: want, tarBytes: tar.length });
      expect(await scan(gzipSync(tar), chunk)).toEqual({ index: want, tarBytes: tar.length });
    }
  });

  it("fails (and does not hang) when the tar goes wrong at its very end, after the decompressor was told the input ended", async () => {
    const tar = tarBuffer([...entries, { name: "../late", content: "x" }]);
    for (const chunk of [100, 1 << 22]) {
      await expect(scan(gzipSync(tar), chunk, checkOf(tar, what))).rejects.toThrow(/^test: layer 1\/1: .*'\.\.\/late'.*escapes the image root/);
    }
    const gz = gzipSync(tarBuffer(entries));
    const cut = gz.subarray(0, gz.length - 20);
    await expect(scan(cut, 512)).rejects.toThrow(/^test: layer 1\/1: cannot decompress: truncated gzip stream$/);
  });

  it("says the tar is not the diff_id's", async () => {
    const tar = tarBuffer(entries);
    await expect(scan(tar, 4096, checkOf(Buffer.from("other"), what))).rejects.toThrow(/^test: layer 1\/1: uncompressed content does not match the config's diff_id: digest mismatch/);
  });

  it("says the blob is not what its digest says, rather than that it does not inflate, when both are true", async () => {
    const tar = tarBuffer(entries);
    const gz = gzipSync(tar);
    const bad = Buffer.from(gz);
    bad[3] = 0xff; // header flags no gunzip knows
    const check = (digestOf: Buffer) => ({ ...checkOf(tar, what), blob: { digest: sha256(digestOf), size: digestOf.length, what: `${what}: blob` } });
    await expect(scan(bad, 100, check(gz))).rejects.toThrow(/^test: layer 1\/1: blob: digest mismatch: expected sha256:/);
    await expect(scan(bad, 100, check(bad))).rejects.toThrow(/^test: layer 1\/1: cannot decompress: unknown header flags set$/);
  });

  it("does not hang on a decompressor that fails on the first chunk, while the blob is still read for its digest", async () => {
    const junk = Buffer.alloc(3 << 20, 7);
    const check = { ...checkOf(tarBuffer(entries), what), compression: "zstd" as const, blob: { digest: sha256(junk), size: junk.length, what: `${what}: blob` } };
    await expect(scan(junk, 1 << 20, check)).rejects.toThrow(/^test: layer 1\/1: cannot decompress: invalid zstd data/);
  });

  it("stops when told to, with the signal's reason", async () => {
    const stream = new Readable({ read() {} });
    stream.push(tarBuffer(entries).subarray(0, 4096));
    const stop = new AbortController();
    const layer = storedLayer(Buffer.alloc(0), 1, checkOf(tarBuffer(entries), what), { stream });
    const p = scanner.scan(layer, 0, what, stop.signal);
    setTimeout(() => stop.abort(new Error("another layer failed")), 20);
    await expect(p).rejects.toThrow("another layer failed");
    expect(stream.destroyed).toBe(true);
  });
});
