import { describe, expect, it } from "vitest";
import { nameText } from "./name-bytes.js";

const t = (bytes: number[]) => nameText(Uint8Array.from(bytes), 0, bytes.length);
const utf8 = (s: string) => [...Buffer.from(s, "utf8")];

describe("nameText", () => {
  it("reads valid UTF-8 as UTF-8", () => {
    expect(t(utf8("etc/passwd"))).toBe("etc/passwd");
    expect(t(utf8("é/日本/😀"))).toBe("é/日本/😀");
    expect(t(utf8("c\ufffd.json"))).toBe("c\ufffd.json");
  });

  it("keeps invalid bytes distinct from U+FFFD and from each other", () => {
    const invalid = t([0x63, 0xff, 0x2e, 0x6a]);
    expect(invalid).toBe("c\udcff.j");
    expect(invalid).not.toBe(t(utf8("c\ufffd.j")));
    expect(t([0xfe])).not.toBe(t([0xff]));
  });

  it("escapes each byte of a broken or overlong sequence, keeping the valid ones around it", () => {
    expect(t([0xe6, 0x97, 0x41])).toBe("\udce6\udc97A"); // cut 3-byte sequence
    expect(t([0xc0, 0xaf])).toBe("\udcc0\udcaf"); // overlong '/'
    expect(t([0xed, 0xa0, 0x80])).toBe("\udced\udca0\udc80"); // an encoded surrogate
    expect(t([...utf8("日"), 0x80, ...utf8("本")])).toBe("日\udc80本");
  });

  it("gives distinct strings for many random distinct byte strings", () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256;
    const seen = new Map<string, string>();
    for (let n = 0; n < 20000; n++) {
      const bytes = Array.from({ length: 1 + (n % 5) }, rnd);
      const key = bytes.join(",");
      const s = t(bytes);
      const before = seen.get(s);
      if (before !== undefined) expect(before).toBe(key);
      seen.set(s, key);
    }
  });
});
