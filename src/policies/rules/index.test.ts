import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RULES } from "./index.js";

const dir = new URL(".", import.meta.url).pathname;

describe("the rule registry", () => {
  it("lists every rule file in this folder", async () => {
    const ruleFiles: string[] = [];
    for (const f of await readdir(dir)) {
      if (!f.endsWith(".ts") || f.endsWith(".test.ts") || f === "index.ts") continue;
      if (/^export const rule\b/m.test(await readFile(join(dir, f), "utf8"))) ruleFiles.push(f);
    }
    const index = await readFile(join(dir, "index.ts"), "utf8");
    const unregistered = ruleFiles.filter((f) => !index.includes(`"./${f.replace(/\.ts$/, ".js")}"`));
    expect(unregistered).toEqual([]);
    expect(RULES.length).toBe(ruleFiles.length);
  });

  it("has unique, well-formed ids and complete documentation", () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of RULES) {
      expect(r.id).toMatch(/^IMG-[A-Z]+-\d{3}$/);
      expect(r.title.length, r.id).toBeGreaterThan(5);
      expect(r.description.length, r.id).toBeGreaterThan(10);
      expect(r.rationale.length, r.id).toBeGreaterThan(10);
      expect(r.remediation.length, r.id).toBeGreaterThan(10);
      expect(r.optionsSchema, r.id).toMatchObject({ type: "object" });
    }
  });
});
