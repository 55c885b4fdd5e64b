import { mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
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

async function text(s: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts).toString();
}

describe("FileSource.open", () => {
  it("streams a tar member, and a symlink to it, as the member's bytes", async () => {
    const p = join(dir, "a.tar");
    writeFileSync(p, tarBuffer([{ name: "blobs/x", content: "hello, layer" }, { name: "link", type: "symlink", linkname: "blobs/x" }]));
    const src = await openFileSource(p);
    try {
      for (const name of ["blobs/x", "link"]) expect(await text(await src.open(name))).toBe("hello, layer");
      await expect(src.open("missing")).rejects.toThrow(`${p}: missing is missing`);
    } finally {
      await src.close();
    }
  });

  it("streams a file of a layout directory whole", async () => {
    mkdirSync(join(dir, "layout", "blobs"), { recursive: true });
    writeFileSync(join(dir, "layout", "blobs", "y"), "layer bytes");
    const src = new DirFileSource(join(dir, "layout"));
    expect(await text(await src.open("blobs/y"))).toBe("layer bytes");
    await expect(src.open("blobs/none")).rejects.toThrow("blobs/none is missing");
  });
});
