import { describe, expect, it } from "vitest";
import { jsonSyntaxProblem } from "./policy-json.js";
import { MAX_DEPTH } from "./policy-yaml.js";

const at = (text: string) => {
  const p = jsonSyntaxProblem(text);
  return p && `${p.line}:${p.col}: ${p.message}`;
};

describe("jsonSyntaxProblem", () => {
  it.each([
    ['{"failOn": "high"}'],
    ['{ "rules": { "IMG-USER-001": "critical", "IMG-SIZE-001": { "options": { "maxBytes": 1e7 } } }, "extends": ["base"] }\n'],
    ["[]"],
    ['"s\\u00e9\\n"'],
    ["-0.5E+3"],
    ["\ufeff{}"],
    ['{"a": [true, false, null, {}]}'],
  ])("takes %j", (text) => {
    expect(jsonSyntaxProblem(text)).toBeUndefined();
  });

  it.each([
    ['{\n  "failOn": "high",\n}\n', "2:19: not valid JSON: a trailing comma before a closing brace: JSON allows none"],
    ['{"a": [1, 2,]}', "1:12: not valid JSON: a trailing comma before a closing bracket: JSON allows none"],
    ['{"a": 1, "b": }', "1:15: not valid JSON: expected a value, found a closing brace"],
    ["{'a': 1}", "1:2: not valid JSON: expected a property name in double quotes, found a single quote"],
    ['{"a" 1}', "1:6: not valid JSON: expected a colon after the property name, found a number"],
    ['{"a": 1 "b": 2}', "1:9: not valid JSON: expected a comma or a closing brace, found a string"],
    ['{"a": 1}\n// note', "2:1: not valid JSON: a comment after the end of the JSON value"],
    ['{"a": "x\ty"}', "1:9: not valid JSON: a control character (a line break or tab) inside a string: write it as an escape (\\n, \\t)"],
    ['{"a": "\\x"}', "1:8: not valid JSON: an escape JSON does not have (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"],
    ['{"a": "open', "1:7: not valid JSON: a string that does not end"],
    ['{"a": [1', "1:9: not valid JSON: the file ends inside a nested array"],
    ["", "1:1: not valid JSON: the file holds no value"],
    ["failOn: high", "1:1: not valid JSON: expected a value, found text that is no JSON value"],
  ])("refuses %j at line:col", (text, expected) => {
    expect(at(text)).toBe(expected);
  });

  it("bounds nesting without recursion, and quotes nothing of the file", () => {
    expect(at("[".repeat(MAX_DEPTH) + "]".repeat(MAX_DEPTH))).toBeUndefined();
    expect(at("[".repeat(1_000_000))).toBe(`1:${MAX_DEPTH + 1}: not valid JSON: nested deeper than ${MAX_DEPTH} levels`);
    expect(at('{"secret-value-here": "hunter2",}')).not.toMatch(/secret|hunter/);
  });
});
