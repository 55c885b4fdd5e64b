import { describe, expect, it } from "vitest";
import { Prng } from "../../fixtures/prng.js";
import { StringReplacer } from "./replace-strings.js";

/** What StringReplacer does, the slow way: at each position the longest string that starts there. */
function naive(map: ReadonlyMap<string, string>, text: string): string {
  const keys = [...map.keys()].filter((k) => k !== "").sort((a, b) => b.length - a.length);
  let out = "";
  for (let i = 0; i < text.length; ) {
    const hit = keys.find((k) => text.startsWith(k, i));
    if (hit) {
      out += map.get(hit);
      i += hit.length;
    } else out += text[i++];
  }
  return out;
}

const replacer = (pairs: [string, string][]) => new StringReplacer(new Map(pairs));

describe("StringReplacer", () => {
  it("replaces every occurrence, the longest string at a place first, left to right", () => {
    const r = replacer([["secret", "s…"], ["secretvalue", "se…"], ["API_KEY=ab", "API_KEY=…"], ["cre", "X"]]);
    expect(r.replace("ENV A=secretvalue B=secret API_KEY=ab secretsecret")).toBe("ENV A=se… B=s… API_KEY=… s…s…");
    expect(r.replace("nothing here")).toBe("nothing here");
    expect(r.replace("")).toBe("");
    // leftmost wins over longer ones that start later
    expect(replacer([["abc", "1"], ["bcdef", "2"]]).replace("abcdef")).toBe("1def");
  });

  it("handles strings that are suffixes and prefixes of each other, and repeats", () => {
    const r = replacer([["a", "1"], ["aa", "2"], ["aaa", "3"], ["ba", "4"], ["bab", "5"]]);
    for (const t of ["aaaaaaa", "babababa", "abaabaaab", "b", "ab"]) expect(r.replace(t)).toBe(naive(new Map([["a", "1"], ["aa", "2"], ["aaa", "3"], ["ba", "4"], ["bab", "5"]]), t));
  });

  it("finds strings outside the BMP and with any code unit", () => {
    const r = replacer([["日本\u{1f469}", "J"], ["\u0000\uffff", "Z"], ["\ud800", "S"]]);
    expect(r.replace("x日本\u{1f469}y\u0000\uffff\ud800")).toBe("xJyZS");
  });

  it("ignores empty strings, and without strings returns the text", () => {
    expect(replacer([["", "x"]]).replace("abc")).toBe("abc");
    expect(replacer([]).replace("abc")).toBe("abc");
  });

  it("agrees with the slow way on 2,000 seeded random cases", () => {
    const rng = new Prng(0x5eed);
    const word = (alphabet: string, max: number) => Array.from({ length: 1 + rng.int(max) }, () => alphabet[rng.int(alphabet.length)]).join("");
    for (let n = 0; n < 2000; n++) {
      const alphabet = ["ab", "abc", "aé\u{1f600}", "abcdefghij"][n % 4]!;
      const map = new Map<string, string>();
      for (let k = rng.int(12); k >= 0; k--) map.set(word(alphabet, 6), `<${k}>`);
      const text = word(alphabet, 80);
      expect(new StringReplacer(map).replace(text), JSON.stringify({ map: [...map], text })).toBe(naive(map, text));
    }
  });

  it("takes 100,000 strings and 10,000 texts in one pass each (one after the other, this was 10^9 splits)", () => {
    const map = new Map<string, string>();
    for (let i = 0; i < 100_000; i++) map.set(`TOKEN_${i}=value-${i}-xxxxxxxx`, `TOKEN_${i}=va…`);
    const r = new StringReplacer(map);
    let replaced = 0;
    for (let t = 0; t < 10_000; t++) {
      const out = r.replace(`/bin/sh -c #(nop)  ENV TOKEN_${t * 7}=value-${t * 7}-xxxxxxxx and TOKEN_x=no`);
      if (out === `/bin/sh -c #(nop)  ENV TOKEN_${t * 7}=va… and TOKEN_x=no`) replaced++;
    }
    expect(replaced).toBe(10_000);
    expect(StringReplacer.sizeOf(map)).toBeGreaterThan(2_000_000);
  });
});
