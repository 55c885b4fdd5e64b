/**
 * Each run is a process of its own, with the compiled loader (dist/, made by `npm test`'s
 * build): within one process V8 serves a script it compiled before from its own memory,
 * whatever cache it is given.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CACHE_FILE } from "./bundle-loader.js";

const LOADER = fileURLToPath(new URL("../../dist/cli/bundle-loader.js", import.meta.url));
let dir: string;
let file: string;

/** A bundle that says what it ran as, in the same length whatever `tag` (one letter) is. */
function writeBundle(tag: string): void {
  const body = `"use strict";
const { basename } = require("node:path");
function answer(n) { return n * 2; }
module.exports.answer = answer;
process.stdout.write("${tag}:" + answer(21) + ":" + basename(__filename) + ":" + (__dirname === ${JSON.stringify(dir)}) + ":" + (typeof this) + "\\n");
`;
  writeFileSync(file, body);
}

/** Runs the bundle in a new process (writing its cache after, if asked): what it printed, and whether the cache served. */
function run(write = false): { out: string; cached: boolean } {
  const code = `import { runBundle } from ${JSON.stringify(LOADER)};
const run = runBundle(${JSON.stringify(file)});
${write ? "run.writeCache();" : ""}
process.stdout.write("cached:" + run.cached + "\\n");`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  const lines = out.trim().split("\n");
  return { out: lines[0]!, cached: lines[1] === "cached:true" };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "imgpolicy-bundle-loader-"));
  file = join(dir, "imgpolicy.cjs");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("runBundle", () => {
  it("runs the file as a CommonJS module, compiled without a cache the first time and from the cache it wrote after", () => {
    writeBundle("a");
    expect(run(true)).toEqual({ out: "a:42:imgpolicy.cjs:true:object", cached: false });
    expect(readFileSync(join(dir, CACHE_FILE)).length).toBeGreaterThan(64);
    expect(run()).toEqual({ out: "a:42:imgpolicy.cjs:true:object", cached: true });
  });

  it("does not use a cache made from other bytes of the same length (V8 would take it): the file's own code runs", () => {
    writeBundle("a");
    run(true);
    writeBundle("b");
    expect(run()).toEqual({ out: "b:42:imgpolicy.cjs:true:object", cached: false });
  });

  it("compiles as usual when the cache is damaged, cut short, missing, or refused by V8 (made by another V8)", () => {
    writeBundle("a");
    run(true);
    const cache = readFileSync(join(dir, CACHE_FILE));
    const flipped = Buffer.from(cache);
    flipped[flipped.length - 100]! ^= 1;
    writeFileSync(join(dir, CACHE_FILE), flipped);
    expect(run()).toEqual({ out: "a:42:imgpolicy.cjs:true:object", cached: false });
    writeFileSync(join(dir, CACHE_FILE), cache.subarray(0, 64));
    expect(run()).toEqual({ out: "a:42:imgpolicy.cjs:true:object", cached: false });
    // a whole cache (its sums right) that V8 refuses: its bytecode is not V8's
    const junk = Buffer.alloc(cache.length - 64, 7);
    const sum = (b: Buffer) => createHash("sha256").update(b).digest();
    writeFileSync(join(dir, CACHE_FILE), Buffer.concat([cache.subarray(0, 32), sum(junk), junk]));
    expect(run()).toEqual({ out: "a:42:imgpolicy.cjs:true:object", cached: false });
    rmSync(join(dir, CACHE_FILE));
    expect(run()).toEqual({ out: "a:42:imgpolicy.cjs:true:object", cached: false });
  });

  it("ignores a cache that is not a regular file (a FIFO, a device) rather than wait on it or read it forever", () => {
    writeBundle("a");
    execFileSync("mkfifo", [join(dir, CACHE_FILE)]);
    expect(run()).toEqual({ out: "a:42:imgpolicy.cjs:true:object", cached: false });
    rmSync(join(dir, CACHE_FILE));
    symlinkSync("/dev/zero", join(dir, CACHE_FILE));
    expect(run()).toEqual({ out: "a:42:imgpolicy.cjs:true:object", cached: false });
  });
});

describe("runCli", () => {
  /** Runs the command line from the bundle at `file` in a new process: its exit code and stderr. */
  function runCli(): { status: number | null; stderr: string } {
    const code = `import { runCli } from ${JSON.stringify(LOADER)}; runCli(${JSON.stringify(file)});`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", timeout: 20_000 });
    return { status: r.status, stderr: r.stderr };
  }
  const oneLine = /^imgpolicy: cannot run the command line's bundle .*imgpolicy\.cjs: .+\(`npm run build` makes it\)\n$/;

  it("runs the bundle's command through its exit path", () => {
    writeFileSync(file, `exports.main = async (argv) => { process.stdout.write("ran"); return 1; };
exports.runToExit = (run) => run().then((code) => process.exit(code));`);
    expect(runCli()).toEqual({ status: 1, stderr: "" });
  });

  it("a bundle that is cut short, does not compile, is missing or is not a file is one line and exit 2, never a pass", () => {
    writeFileSync(file, `exports.main = async () => 0;\n`); // (no exit path: cut before its end)
    const cut = runCli();
    expect(cut.status).toBe(2);
    expect(cut.stderr).toMatch(oneLine);
    expect(cut.stderr).toContain("does not export the command line");
    writeFileSync(file, "");
    expect(runCli()).toMatchObject({ status: 2, stderr: expect.stringMatching(oneLine) });
    writeFileSync(file, "exports.main = async () => {");
    expect(runCli()).toMatchObject({ status: 2, stderr: expect.stringMatching(oneLine) });
    rmSync(file);
    expect(runCli()).toMatchObject({ status: 2, stderr: expect.stringMatching(oneLine) });
    execFileSync("mkfifo", [file]);
    expect(runCli()).toMatchObject({ status: 2, stderr: expect.stringMatching(oneLine) });
  });
});
