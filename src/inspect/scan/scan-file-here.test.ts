import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tarBuffer } from "../../../fixtures/tar-writer.js";
import { SourceError } from "../../errors.js";
import { interestFromSpec, type InterestSpec } from "./interest-spec.js";
import { scanFileHere } from "./scan-file-here.js";
import { scanStoredHere } from "./scan-stored.js";
import type { StoredLayer } from "./stored-layer.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-here-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const what = "test: layer 1/1";
const spec: InterestSpec = { exact: ["/etc/passwd"], rules: [], maxSize: 1 << 20, pathDirs: ["/usr/bin"] };
const tar = tarBuffer([
  { name: "etc/", type: "dir" },
  { name: "etc/passwd", content: "root:x:0:0::/root:/bin/sh\n" },
  { name: "usr/bin/curl", content: Buffer.alloc(300_000, 7) },
  { name: "usr/bin/wget", type: "symlink", linkname: "curl" },
]);
const diffId = `sha256:${createHash("sha256").update(tar).digest("hex")}`;

/** The tar at `at` in a file, as a layer gives it for a scan. */
function stored(at: number, id = diffId): StoredLayer & { stream: Readable } {
  const path = join(dir, `layer-${at}.bin`);
  writeFileSync(path, Buffer.concat([Buffer.alloc(at, 1), tar, Buffer.alloc(100, 2)]));
  return {
    stream: Readable.from([tar]),
    file: { name: path, path, start: at, end: at + tar.length },
    check: { diffId: id, diffIdWhat: `${what}: uncompressed content does not match the config's diff_id`, what },
  };
}

describe("scanFileHere", () => {
  it("reads a range of a file on this thread exactly as the stream is read, and lets go of the stream", async () => {
    const s = stored(1000);
    let learned: unknown;
    s.learned = (f) => (learned = f);
    const here = await scanFileHere(s, s.file!, 0, what, spec);
    expect(s.stream.destroyed).toBe(true);
    expect(learned).toEqual({ compression: "none" });
    const s2 = stored(0);
    const there = await scanStoredHere({ ...s2, stream: Readable.from([tar]) }, 0, what, interestFromSpec(spec));
    expect(here).toEqual(there);
    expect(here.index.files.find((f) => f.path === "/etc/passwd")!.content!.toString()).toContain("root");
  });

  it("fails with the one-line SourceError naming the layer, and when aborted", async () => {
    const bad = stored(0, `sha256:${"0".repeat(64)}`);
    await expect(scanFileHere(bad, bad.file!, 0, what, spec)).rejects.toThrow(/does not match the config's diff_id/);
    const cut = stored(0);
    const short = { ...cut.file!, end: cut.file!.end + 10_000 };
    const err = await scanFileHere(cut, short, 0, what, spec).catch((e: Error) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as Error).message).toMatch(/unexpected end of file/);
    const ac = new AbortController();
    ac.abort(new SourceError("stop"));
    const s = stored(0);
    await expect(scanFileHere(s, s.file!, 0, what, spec, ac.signal)).rejects.toThrow("stop");
    expect(s.stream.destroyed).toBe(true);
  });
});
