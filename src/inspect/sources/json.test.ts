import { describe, expect, it } from "vitest";
import { jsonShapeProblem, parseJson, scanJson } from "./json.js";

const b = (s: string) => Buffer.from(s);

describe("jsonShapeProblem", () => {
  it("passes image documents", () => {
    expect(jsonShapeProblem(b('{"config":{"Env":["A=[{"],"Labels":{"x":"}]}"}},"rootfs":{"diff_ids":[]}}'))).toBeUndefined();
  });

  it("ignores brackets inside strings, escaped quotes included", () => {
    expect(jsonShapeProblem(b(`["${"[".repeat(500)}", "\\"${"{".repeat(500)}"]`), 3)).toBeUndefined();
    expect(jsonShapeProblem(b(`["é€😀\\\\", [[[1]]]]`), 3)).toBe("nested more than 3 levels deep");
  });

  it("refuses deep nesting and too many objects and arrays, before parsing", () => {
    expect(jsonShapeProblem(b("[".repeat(200_000) + "]".repeat(200_000)))).toBe("nested more than 100 levels deep");
    expect(jsonShapeProblem(b(`[${"{},".repeat(20)}{}]`), 100, 20)).toBe("more than 20 objects and arrays");
    expect(jsonShapeProblem(b(`[${"{},".repeat(19)}{}]`), 100, 21)).toBeUndefined();
  });

  it("makes parseJson fail in one line", () => {
    expect(() => parseJson(b(`{"a":${"[".repeat(1000)}${"]".repeat(1000)}}`), "img: config")).toThrow("img: config: not read: the JSON is nested more than 100 levels deep");
  });
});

describe("scanJson", () => {
  it("finds the keys an object holds twice (escapes decoded), with the object's path as written", () => {
    const text = '{"a":{"b":1,"b":2,"c":"\\"b\\"","c":[{"x":1,"y":{"z":1},"x":2}]},"a":3, "\\u0061" :4}';
    expect([...scanJson(b(text), { trackKeys: true }).duplicates]).toEqual([
      ['["a"]', ["b", "c"]],
      ['["a","c",0]', ["x"]],
      ["[]", ["a", "a"]],
    ]);
  });

  it("tracks nothing unless asked, and stops at the shape limits", () => {
    expect(scanJson(b('{"a":1,"a":2}')).duplicates.size).toBe(0);
    expect(scanJson(b("[[[1]]]"), { trackKeys: true, maxDepth: 2 }).problem).toBe("nested more than 2 levels deep");
  });

  it("counts indexes through strings holding commas and brackets", () => {
    const text = '[",]", {"k":[1,2]}, {"a":1,"a":2}]';
    expect([...scanJson(b(text), { trackKeys: true }).duplicates]).toEqual([["[2]", ["a"]]]);
  });
});

describe("scanJson on hostile documents", () => {
  it("refuses bytes that are not UTF-8 when keys are tracked: Go and JSON.parse replace them differently", () => {
    const cut = Buffer.concat([b('{"config":{"User":"'), Buffer.from([0xe2, 0x82]), b('"}}')]);
    expect(scanJson(cut, { trackKeys: true }).problem).toBe("not UTF-8 text");
    expect(() => parseJson(cut, "img: config", { struct: {} })).toThrow("img: config: not read: the JSON is not UTF-8 text");
    expect(scanJson(b('{"User":"ſ\\ud800"}'), { trackKeys: true }).problem).toBeUndefined();
  });

  it("collects a key repeated 200,000 times in one pass, under one path", () => {
    const text = `{"o":{${Array.from({ length: 200_001 }, () => '"a":1').join(",")}}}`;
    const scan = scanJson(b(text), { trackKeys: true });
    expect([...scan.duplicates.keys()]).toEqual(['["o"]']);
    expect(scan.duplicates.get('["o"]')!.length).toBe(200_000);
  });
});
