import { readdir, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ruleCatalog, ruleInfo, ruleNeeds, takesOptions } from "./rule-catalog.js";
import { deriveRuleFacts } from "./rule-facts.derive.fixture.js";
import { RULE_FACTS } from "./rule-facts.js";
import { RULES, RULES_BY_ID } from "./rules/index.js";
import { NO_OPTIONS } from "./types.js";

describe("ruleCatalog", () => {
  it("lists every rule in registry order with its default severity, and an options schema only where there are options", () => {
    const all = ruleCatalog(RULES);
    expect(all.map((r) => r.id)).toEqual(RULES.map((r) => r.id));
    for (const r of all) expect(typeof r.description).toBe("string");
    const port = ruleInfo(RULES_BY_ID.get("IMG-PORT-001")!);
    expect(port).toMatchObject({ id: "IMG-PORT-001", severity: "medium", category: "config", optIn: false, defaultOptions: { forbidden: ["22/tcp", "23/tcp"] } });
    expect(port.optionsSchema).toMatchObject({ type: "object", properties: { allowed: expect.any(Object) } });
    const user = ruleInfo(RULES_BY_ID.get("IMG-USER-001")!);
    expect(user).toMatchObject({ cis: "4.1", optIn: false });
    expect(user).not.toHaveProperty("optionsSchema");
    expect(user).not.toHaveProperty("defaultOptions");
    expect(ruleInfo(RULES_BY_ID.get("IMG-SIZE-001")!).optIn).toBe(true);
  });

  it("says what input each rule needs to apply: the image, the Dockerfile or a run of it", () => {
    const need = (id: string) => ruleNeeds(RULES_BY_ID.get(id)!);
    expect(need("IMG-USER-001")).toMatchObject({ input: "image", facts: ["config", "users"] });
    expect(need("IMG-SIZE-001").facts).toEqual(["image"]);
    expect(need("IMG-CA-001").facts).toEqual(["certificates"]);
    expect(need("IMG-USER-001")).not.toHaveProperty("probesFiles");
    expect(need("IMG-RUN-004")).toMatchObject({ input: "runtime", facts: ["config", "users", "runtime"], how: expect.stringContaining("--runtime") });
    expect(need("IMG-DF-008")).toMatchObject({ input: "dockerfile", facts: ["dockerfile"], how: expect.stringContaining("--dockerfile") });
    // history rules sit in the dockerfile category but read the image
    expect(need("IMG-HIST-001").input).toBe("image");
    // reports what a container-structure-test config asked that nothing checks: no run needed
    expect(need("IMG-CST-001").input).toBe("image");
    expect(need("IMG-FILE-001")).toMatchObject({ input: "image", probesFiles: true, facts: expect.arrayContaining(["files"]) });
    expect(ruleCatalog(RULES).every((r) => r.needs.input === ruleNeeds(RULES_BY_ID.get(r.id)!).input)).toBe(true);
  });

  it("the input follows what each rule file reads: the Dockerfile rules are IMG-DF-*, the runtime rules IMG-RUN-*", async () => {
    const dir = new URL("./rules/", import.meta.url);
    let checked = 0;
    for (const name of await readdir(dir)) {
      if (!name.endsWith(".ts") || name.includes(".test.") || name.includes(".fixture.") || name.startsWith("test-")) continue;
      const text = await readFile(new URL(name, dir), "utf8");
      const id = /\bid: "(IMG-[A-Z]+-\d+)"/.exec(text)?.[1];
      if (!id || !RULES_BY_ID.has(id)) continue;
      checked++;
      // IMG-HIST-007 judges the image; a Dockerfile, when given, only adds the line to its findings
      const readsDockerfile = id !== "IMG-HIST-007" && /dockerfile-helpers\.js|facts\.dockerfile/.test(text);
      // IMG-CST-001 looks whether a run happened to word its note; it always skips, needing none
      const readsRuntime = id !== "IMG-CST-001" && /runtime-helpers\.js|facts\.runtime/.test(text);
      expect({ id, dockerfile: readsDockerfile, runtime: readsRuntime }).toEqual({ id, dockerfile: id.startsWith("IMG-DF-"), runtime: id.startsWith("IMG-RUN-") });
    }
    expect(checked).toBe(RULES.length);
  });

  it("needs.facts is each rule's own sections: rule-facts.ts equals what the rules read (derived here)", async () => {
    const derived = await deriveRuleFacts(RULES);
    const table = Object.fromEntries(Object.entries(RULE_FACTS).map(([id, s]) => [id, [...s]]));
    if (JSON.stringify(table) !== JSON.stringify(derived)) {
      console.error(`rule-facts.ts is out of date; the derivation gives:\n${Object.entries(derived).map(([id, s]) => `  "${id}": ${JSON.stringify(s).replace(/,/g, ", ")},`).join("\n")}`);
    }
    expect(table).toEqual(derived);
    for (const r of RULES) expect([r.id, RULE_FACTS[r.id]?.length ?? 0]).not.toEqual([r.id, 0]);
    // no rule reads every section: the field says something
    expect(new Set(ruleCatalog(RULES).map((r) => r.needs.facts.join())).size).toBeGreaterThan(10);
  });

  it("takesOptions: a schema with properties", () => {
    expect(takesOptions(NO_OPTIONS)).toBe(false);
    expect(takesOptions({})).toBe(false);
    expect(takesOptions({ type: "object", properties: { a: { type: "string" } } })).toBe(true);
  });
});
