import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { seededBytes } from "../../../fixtures/prng.js";
import { parseElf } from "./elf.js";
import { sparseFromBuffer } from "./sparse-bytes.js";
import { sparseFromFile } from "./sparse-file.js";

const dir = mkdtempSync(join(tmpdir(), "imgpolicy-sparse-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sparseFromFile", () => {
  const bytes = Buffer.from(seededBytes(5, "sparse", 100_000));
  const path = join(dir, "f.bin");
  writeFileSync(path, Buffer.concat([Buffer.alloc(333), bytes]));

  it("reads any range of the file's range, in and across its cached blocks", () => {
    const fd = openSync(path, "r");
    try {
      const view = sparseFromFile(fd, 333, bytes.length);
      expect(view.size).toBe(bytes.length);
      expect(view.captured?.()).toEqual([[0, bytes.length]]);
      for (const [at, len] of [[0, 64], [16_380, 10], [16_384, 16_384], [99_990, 10], [5, 50_000], [1, 1], [7, 0]] as const) {
        expect(Buffer.from(view.read(at, len)!).equals(bytes.subarray(at, at + len)), `${at}+${len}`).toBe(true);
        expect(Buffer.from(view.read(at, len)!).equals(bytes.subarray(at, at + len)), `${at}+${len} again`).toBe(true);
      }
      expect(view.read(99_990, 11)).toBeUndefined();
      expect(view.read(-1, 2)).toBeUndefined();
      // a range past the file's end reads as not captured
      expect(sparseFromFile(fd, 333, bytes.length + 10).read(bytes.length, 10)).toBeUndefined();
    } finally {
      closeSync(fd);
    }
  });

  it("answers the ELF parser as the whole file does", () => {
    const elf = readFileSync(process.execPath);
    const fd = openSync(process.execPath, "r");
    try {
      expect(parseElf(sparseFromFile(fd, 0, elf.length))).toEqual(parseElf(sparseFromBuffer(elf)));
    } finally {
      closeSync(fd);
    }
  });
});
