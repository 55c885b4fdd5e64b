import { describe, expect, it } from "vitest";
import { ignoreMatcher, parseDockerignore, patternRegExp } from "./dockerignore.js";

const ignores = (text: string, path: string) => ignoreMatcher(parseDockerignore(text)).ignores(path);

describe("parseDockerignore", () => {
  it("drops comments and blank lines, cleans patterns and their leading slash", () => {
    const p = parseDockerignore("# comment\n\n  /bin/  \n./a/../b\n!keep.txt\n !  spaced\n");
    expect(p.map((x) => [x.pattern, x.exclusion])).toEqual([
      ["bin", false],
      ["b", false],
      ["keep.txt", true],
      ["spaced", true],
    ]);
  });

  it("a # after the first column is part of the pattern", () => {
    expect(parseDockerignore(" #x").map((x) => x.pattern)).toEqual(["#x"]);
  });
});

describe("patternRegExp (Go filepath.Match with **)", () => {
  it.each([
    ["*.go", "main.go", true],
    ["*.go", "cmd/main.go", false],
    ["*/*.go", "cmd/main.go", true],
    ["**/*.go", "main.go", true],
    ["**/*.go", "a/b/c.go", true],
    ["a/**", "a/b/c", true],
    ["a/**/z", "a/z", true],
    ["a/**/z", "a/b/c/z", true],
    ["?.txt", "a.txt", true],
    ["?.txt", "ab.txt", false],
    ["[a-c].md", "b.md", true],
    ["[^a-c].md", "d.md", true],
    ["[^a-c].md", "a.md", false],
    ["\\*.txt", "*.txt", true],
    ["\\*.txt", "a.txt", false],
    ["a.b", "axb", false],
    ["f(x)+", "f(x)+", true],
  ])("%s ~ %s → %s", (pattern, path, expected) => {
    expect(patternRegExp(pattern).test(path)).toBe(expected);
  });
});

describe("ignoreMatcher", () => {
  it("a pattern that matches a directory matches what is below it", () => {
    expect(ignores("node_modules", "node_modules/x/index.js")).toBe(true);
    expect(ignores("docs/*", "docs/a/b.md")).toBe(true);
    expect(ignores("docs", "docsite/a")).toBe(false);
  });

  it("the last matching pattern wins; ! brings files back", () => {
    const text = "*.md\n!README.md\nREADME.md\n!docs/README.md\n";
    expect(ignores(text, "CHANGES.md")).toBe(true);
    expect(ignores(text, "README.md")).toBe(true);
    expect(ignores("*.md\n!README.md\n", "README.md")).toBe(false);
    expect(ignores(text, "main.go")).toBe(false);
  });

  it("says whether exceptions exist (an ignored directory must then still be walked)", () => {
    expect(ignoreMatcher(parseDockerignore("a\n")).hasExceptions).toBe(false);
    expect(ignoreMatcher(parseDockerignore("a\n!a/keep\n")).hasExceptions).toBe(true);
    expect(ignores("a\n!a/keep\n", "a/keep")).toBe(false);
    expect(ignores("a\n!a/keep\n", "a/other")).toBe(true);
  });

  it("matches cleaned paths", () => {
    expect(ignores(".git", "./.git/config")).toBe(true);
    expect(ignores("**/.env", "svc/.env")).toBe(true);
    expect(ignores("**/.env", ".env")).toBe(true);
  });
});
