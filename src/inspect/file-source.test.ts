import { closeSync, mkdirSync, openSync, readSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tarBuffer } from "../../fixtures/tar-writer.js";
import { DirFileSource, openFileSource } from "./file-source.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-source-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function readRange(fd: number, start: number, end: number): Buffer {
  const b = Buffer.alloc(end - start);
  readSync(fd, b, 0, b.length, start);
  return b;
}

describe("FileSource.locate", () => {
  it("gives a tar member as a range of the archive, read through its open descriptor", async () => {
    const p = join(dir, "a.tar");
    writeFileSync(p, tarBuffer([{ name: "blobs/x", content: "hello, layer" }, { name: "link", type: "symlink", linkname: "blobs/x" }]));
    const src = await openFileSource(p);
    try {
      for (const name of ["blobs/x", "link"]) {
        const r = (await src.locate!(name))!;
        expect(r.name).toBe(p);
        expect(r.path).toBeUndefined();
        expect(readRange(r.fd!, r.start, r.end).toString()).toBe("hello, layer");
      }
      await expect(src.locate!("missing")).rejects.toThrow(`${p}: missing is missing`);
    } finally {
      await src.close();
    }
  });

  it("gives a file of a layout directory as its path, whole", async () => {
    mkdirSync(join(dir, "layout", "blobs"), { recursive: true });
    writeFileSync(join(dir, "layout", "blobs", "y"), "layer bytes");
    const src = new DirFileSource(join(dir, "layout"));
    const r = (await src.locate("blobs/y"))!;
    expect(r).toMatchObject({ path: join(dir, "layout", "blobs", "y"), start: 0, end: 11 });
    const fd = openSync(r.path!, "r");
    try {
      expect(readRange(fd, r.start, r.end).toString()).toBe("layer bytes");
    } finally {
      closeSync(fd);
    }
    await expect(src.locate("blobs/none")).rejects.toThrow("blobs/none is missing");
  });
});
