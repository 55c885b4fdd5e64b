/**
 * The README says what the code does: the number of rules it gives is the registry's,
 * and the commands it names are the CLI's (read from `imgpolicy --help` of the built
 * bin/imgpolicy.js, which lists what commander registered), no more and no fewer.
 * The vitest example is what a user can copy: it imports only the public entries.
 */
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { RULES } from "../src/index.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BIN = fileURLToPath(new URL("../bin/imgpolicy.js", import.meta.url));

let readme: string;
beforeAll(async () => {
  readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
});

/** The command names of a `--help` page's "Commands:" section, `help` left out. */
async function commands(...args: string[]): Promise<string[]> {
  const { stdout } = await run(process.execPath, [BIN, ...args, "--help"], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
  const section = stdout.split(/^Commands:\n/m)[1] ?? "";
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]).filter((c) => c !== "help");
}

describe("README", () => {
  it("gives the number of rules the registry has", () => {
    const counts = [...readme.matchAll(/\blists the (\d+) rules\b/g)].map((m) => Number(m[1]));
    expect(counts.length).toBeGreaterThan(0);
    for (const n of counts) expect(n).toBe(RULES.length);
  });

  it("names every command the CLI has, and no other", async () => {
    const top = await commands();
    expect(top).toEqual(expect.arrayContaining(["inspect", "ls", "check", "gc", "policy", "rules"]));
    const cli = new Set<string>();
    for (const c of top) {
      const subs = await commands(c).catch(() => []);
      if (subs.length === 0) cli.add(c);
      for (const s of subs) cli.add(`${c} ${s}`);
    }
    // `imgpolicy NAME` in a code span or after a `$ ` prompt, with its subcommand when it has them
    const named = new Set<string>();
    for (const m of readme.matchAll(/(?:`|^\$ )imgpolicy ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?/gm)) {
      const hasSubs = [...cli].some((c) => c.startsWith(`${m[1]} `));
      named.add(hasSubs ? `${m[1]} ${m[2] ?? ""}` : m[1]);
    }
    expect([...named].sort()).toEqual([...cli].sort());
  });
});

describe("examples/vitest", () => {
  it("imports only imgpolicy's public entries, vitest, Node's modules and its own files", async () => {
    const dir = new URL("../examples/vitest/", import.meta.url);
    const imports: string[] = [];
    for (const file of (await readdir(dir)).filter((f) => f.endsWith(".ts"))) {
      const text = await readFile(new URL(file, dir), "utf8");
      for (const m of text.matchAll(/(?:\bfrom\s+|^import\s+|\bimport\(\s*)["']([^"']+)["']/gm)) imports.push(m[1]);
    }
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((s) => !/^(imgpolicy(\/vitest)?|vitest(\/config)?|node:[a-z/]+|\.\/[\w-]+\.js)$/.test(s))).toEqual([]);
  });
});
