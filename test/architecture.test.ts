import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const importsOf = (text: string) => [...text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1]!);

describe("import boundaries (design.md, convention 4)", () => {
  it("src/inspect imports neither policies nor the CLI, and no test code", async () => {
    const offenders: string[] = [];
    for (const f of await sources("src/inspect")) {
      for (const spec of importsOf(await readFile(f, "utf8"))) {
        if (/\/(policies|cli)\//.test(spec) || /fixtures|vitest/.test(spec)) offenders.push(`${relative(".", f)} → ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("only the CLI maps errors to exit codes", async () => {
    const offenders: string[] = [];
    for (const f of await sources("src")) {
      if (f.startsWith(join("src", "cli"))) continue;
      if (/process\.exit/.test(await readFile(f, "utf8"))) offenders.push(relative(".", f));
    }
    expect(offenders).toEqual([]);
  });
});
