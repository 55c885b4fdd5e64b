/**
 * Policy globs: the accepted syntax, matched the way picomatch (dot files included)
 * matched them before, checked against picomatch itself; and in linear time.
 */
import picomatch from "picomatch";
import { describe, expect, it } from "vitest";
import { compileGlob, compileGlobs, globSource, userGlobProblem } from "./user-glob.js";

const GLOBS = [
  "/usr/bin/passwd",
  "/usr/bin/*",
  "/opt/app/**",
  "**/*.pem",
  "*.pem",
  "busybox",
  "/etc/ssl/private/test-*.key",
  "glassops:*",
  "/a/**/b",
  "*.{pem,key}",
  "/srv/{a,b/{c,d}}/x",
  "?.txt",
  "[abc]*",
  "[a-c]?",
  "/proc/**",
  "**",
  "Dockerfile:*",
  "/app/.git",
  "/app/.*",
];
const TEXTS = [
  "/usr/bin/passwd",
  "/usr/bin/su",
  "/usr/bin/",
  "/usr/bin/x/y",
  "/opt/app",
  "/opt/app/x",
  "/opt/app/.env",
  "/opt/application",
  "/etc/ssl/a.pem",
  "a.pem",
  ".pem",
  "x.key",
  "busybox",
  "/bin/busybox",
  "/etc/ssl/private/test-1.key",
  "/etc/ssl/private/prod.key",
  "glassops:latest",
  "glassops:1/x",
  "/a/b",
  "/a/x/b",
  "/a/x/y/b",
  "/srv/a/x",
  "/srv/b/c/x",
  "/srv/b/x",
  "a.txt",
  "ab.txt",
  "b",
  "bz",
  "ab",
  "/proc",
  "/proc/1/environ",
  "Dockerfile:7",
  "/app/.git",
  "/app/.gitignore",
];

describe("compileGlob", () => {
  it("matches as picomatch (dot: true) does, over a table of globs and paths", () => {
    const differ: string[] = [];
    for (const g of GLOBS) {
      const ours = compileGlob(g);
      for (const t of TEXTS) if (ours(t) !== picomatch.isMatch(t, g, { dot: true })) differ.push(`${g} on ${t}: ours ${ours(t)}`);
    }
    expect(differ).toEqual([]);
  });

  it("negates a class with ! as a shell does (picomatch took [!a] as '!' or 'a')", () => {
    expect(compileGlob("[!a]*")("bz")).toBe(true);
    expect(compileGlob("[!a]*")("ab")).toBe(false);
    expect(compileGlob("/x/[!a]")("/x//")).toBe(false);
  });

  it("negates with a leading !", () => {
    const m = compileGlob("!/usr/**");
    expect(m("/usr/bin/x")).toBe(false);
    expect(m("/etc/x")).toBe(true);
  });

  it("takes escaped characters literally, and a bracket or brace that does not close", () => {
    expect(compileGlob("/a\\*b")("/a*b")).toBe(true);
    expect(compileGlob("/a\\*b")("/axb")).toBe(false);
    expect(compileGlob("/a[b")("/a[b")).toBe(true);
    expect(compileGlob("/a{b")("/a{b")).toBe(true);
    expect(compileGlob("/a.b")("/axb")).toBe(false);
  });

  it("matches names with newlines and controls (image paths can hold any byte)", () => {
    expect(compileGlob("/srv/*")("/srv/a\nb")).toBe(true);
    expect(compileGlob("/srv/**")("/srv/a\n/b")).toBe(true);
  });

  it("refuses extglobs instead of taking them literally", () => {
    expect(userGlobProblem("/a/+(b|c)")).toMatch(/extglobs such as '\+\(…\)' are not supported/);
    expect(userGlobProblem("!(foo)")).toMatch(/extglobs/);
  });

  it("refuses a glob that makes no valid pattern, and an over-long one", () => {
    expect(userGlobProblem("/a/[z-a]")).toMatch(/^glob "\/a\/\[z-a\]" is not accepted/);
    expect(userGlobProblem(`/${"a".repeat(1000)}`)).toMatch(/characters long/);
  });

  it("is linear where picomatch backtracks: *a*a*a*a*a*a*a*b against a long name", () => {
    const glob = "*a*a*a*a*a*a*a*b";
    const t0 = performance.now();
    expect(compileGlob(glob)("a".repeat(5000))).toBe(false);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(globSource(glob)).toBe("(?s)^(?:[^/]*a[^/]*a[^/]*a[^/]*a[^/]*a[^/]*a[^/]*a[^/]*b)$");
  });

  it("matches any of a list; an empty list matches nothing", () => {
    expect(compileGlobs([])("x")).toBe(false);
    expect(compileGlobs(["a", "b"])("b")).toBe(true);
  });
});
