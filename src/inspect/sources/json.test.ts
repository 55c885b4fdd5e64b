import { describe, expect, it } from "vitest";
import { jsonShapeProblem, parseJson } from "./json.js";

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
