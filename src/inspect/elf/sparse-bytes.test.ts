import { describe, expect, it } from "vitest";
import { readCString, sparseFromBuffer, sparseFromSegments } from "./sparse-bytes.js";

const bytes = (...xs: number[]) => Uint8Array.from(xs);

describe("sparseFromBuffer", () => {
  it("reads inside the buffer and refuses the rest", () => {
    const s = sparseFromBuffer(bytes(1, 2, 3, 4));
    expect(s.size).toBe(4);
    expect(s.read(1, 2)).toEqual(bytes(2, 3));
    expect(s.read(4, 0)).toEqual(bytes());
    expect(s.read(3, 2)).toBeUndefined();
    expect(s.read(-1, 1)).toBeUndefined();
    expect(s.read(0.5, 1)).toBeUndefined();
    expect(s.captured?.()).toEqual([[0, 4]]);
  });
});

describe("sparseFromSegments", () => {
  const s = sparseFromSegments(100, [
    { offset: 10, bytes: bytes(10, 11, 12, 13) },
    { offset: 12, bytes: bytes(12, 13, 14, 15) },
    { offset: 16, bytes: bytes(16, 17) },
    { offset: 50, bytes: bytes(50, 51) },
    { offset: 99, bytes: bytes(99, 100, 101) },
  ]);

  it("reads within one segment and across touching ones", () => {
    expect(s.read(11, 2)).toEqual(bytes(11, 12));
    expect(s.read(10, 8)).toEqual(bytes(10, 11, 12, 13, 14, 15, 16, 17));
    expect(s.read(99, 1)).toEqual(bytes(99));
  });

  it("refuses ranges with gaps or past the end", () => {
    expect(s.read(9, 2)).toBeUndefined();
    expect(s.read(17, 2)).toBeUndefined();
    expect(s.read(49, 2)).toBeUndefined();
    expect(s.read(99, 2)).toBeUndefined();
    expect(s.read(30, 0)).toEqual(bytes());
  });

  it("lists what it holds", () => {
    expect(s.captured?.()).toEqual([
      [10, 18],
      [50, 52],
      [99, 100],
    ]);
  });
});

describe("readCString", () => {
  it("reads terminated strings, also long ones, and refuses cut-off ones", () => {
    const long = "x".repeat(1000);
    const buf = Buffer.from(`abc\0${long}\0tail`);
    const s = sparseFromBuffer(buf);
    expect(readCString(s, 0)).toBe("abc");
    expect(readCString(s, 4)).toBe(long);
    expect(readCString(s, 4, 100)).toBeUndefined();
    expect(readCString(s, buf.length - 4)).toBeUndefined();
    const partial = sparseFromSegments(10_000, [{ offset: 0, bytes: Buffer.from("hi\0") }]);
    expect(readCString(partial, 0)).toBe("hi");
  });
});
