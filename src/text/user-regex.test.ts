/** User patterns: linear-time matching, what is refused, and the bound on the input. */
import { describe, expect, it } from "vitest";
import { compileUserRegex, MAX_MATCH_INPUT, MAX_PATTERN_LENGTH, showPattern, userRegexProblem } from "./user-regex.js";

describe("compileUserRegex", () => {
  it("matches like RegExp.test for the usual patterns, Go's inline flags included", () => {
    const cases: [string, string, boolean][] = [
      ["^[0-9a-f]{40}$", "a".repeat(40), true],
      ["^[0-9a-f]{40}$", "a".repeat(39), false],
      ["^https://", "https://example.com", true],
      ["\\d+\\.\\d+", "v1.22", true],
      ["(?i)ROOT", "root:x:0:0", true],
      ["(?m)^nonroot:", "root:x\nnonroot:x", true],
      ["^nonroot:", "root:x\nnonroot:x", false],
      ["(?s)a.b", "a\nb", true],
      ["a.b", "a\nb", false],
    ];
    for (const [pattern, input, want] of cases) expect(compileUserRegex(pattern).test(input), `${pattern} on ${input}`).toBe(want);
  });

  it("runs a pattern that makes a backtracking engine spin in linear time", () => {
    const re = compileUserRegex("^([0-9]+\\.?)+$");
    const t0 = performance.now();
    expect(re.test(`${"1".repeat(40)}!`)).toBe(false);
    expect(re.test(`${"1".repeat(100_000)}!`)).toBe(false);
    const ms = performance.now() - t0;
    // RegExp takes hours on the first input; RE2 a few milliseconds for both
    expect(ms).toBeLessThan(2000);
  });

  it.each([
    ["a backreference", "(a)\\1"],
    ["a lookahead", "foo(?=bar)"],
    ["a negative lookahead", "(?!x)y"],
    ["a lookbehind", "(?<=a)b"],
    ["a syntax error", "(unclosed"],
    ["a repeat over 1000", "a{1001}"],
    ["nested repeats too large once compiled", "(?:(?:a{100}){100})"],
  ])("refuses %s, naming the pattern", (_what, pattern) => {
    const problem = userRegexProblem(pattern);
    expect(problem).toBeDefined();
    expect(problem).toContain(showPattern(pattern));
    expect(() => compileUserRegex(pattern)).toThrow();
  });

  it("refuses a pattern that compiles to too many instructions", () => {
    expect(userRegexProblem("x{1000}y{1000}z{1000}")).toMatch(/too large once compiled \(\d+ instructions, at most 2000\)/);
  });

  it("refuses a pattern over the length limit", () => {
    expect(userRegexProblem("a".repeat(MAX_PATTERN_LENGTH + 1))).toMatch(/is 1001 characters long; patterns are at most 1000/);
    expect(userRegexProblem("a".repeat(MAX_PATTERN_LENGTH))).toBeUndefined();
  });

  it("bounds the text it matches against", () => {
    const re = compileUserRegex("x");
    expect(re.test("a".repeat(MAX_MATCH_INPUT))).toBe(false);
    expect(() => re.test("a".repeat(MAX_MATCH_INPUT + 1))).toThrow(/at most 1048576 are matched/);
  });

  it("shows patterns escaped and cut", () => {
    expect(showPattern("a\x1b[2Jb")).toBe("/a\\x1b[2Jb/");
    expect(showPattern("x".repeat(200))).toBe(`/${"x".repeat(80)}…/`);
    expect(userRegexProblem("\x1b[31m(")).not.toMatch(/\x1b/);
  });

  it("never quotes a token in a known format that a pattern writes literally", () => {
    const token = "ghp_" + "Rv5tYb7uNi9oMp1aSd3fGh5jKl7zXc9vBn2Q";
    const problem = userRegexProblem(`(${token}|other`)!;
    expect(problem).toBeDefined();
    expect(problem).not.toContain(token.slice(4, 12));
    expect(problem).toContain("/(gh…|other/"); // the pattern's useful part stays
    expect(showPattern(`^${token}$`)).toBe("/^gh…$/");
    expect(showPattern("ghp_[A-Za-z0-9]{36}")).toBe("/ghp_[A-Za-z0-9]{36}/"); // a pattern for tokens is not one
    const url = userRegexProblem("https://deploy:Pa55w0rdQ@git.example/(x")!;
    expect(url).not.toContain("Pa55w0rdQ");
  });
});
