/** `imgpolicy rules [ID] [--format text|json]` through the built bin/imgpolicy.js (`npm run build` first). */
import { describe, expect, it } from "vitest";
import { RULES } from "../../src/policies/rules/index.js";
import { runBin } from "./run-bin.js";

describe("imgpolicy rules", () => {
  it("--format json prints the catalog: every rule with its default severity, description, what it needs, options", async () => {
    const r = await runBin(["rules", "--format", "json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const catalog = JSON.parse(r.stdout) as { id: string; title: string; severity: string; description: string; needs: { input: string; facts: string[] }; optionsSchema?: object }[];
    expect(catalog.map((x) => x.id)).toEqual(RULES.map((x) => x.id));
    for (const x of catalog) {
      expect(x.title.length).toBeGreaterThan(0);
      expect(x.description.length).toBeGreaterThan(0);
      expect(["critical", "high", "medium", "low", "info"]).toContain(x.severity);
      expect(["image", "dockerfile", "runtime"]).toContain(x.needs.input);
    }
    const byId = new Map(catalog.map((x) => [x.id, x]));
    expect(byId.get("IMG-RUN-001")!.needs).toMatchObject({ input: "runtime", facts: ["runtime"] });
    expect(byId.get("IMG-DF-001")!.needs).toMatchObject({ input: "dockerfile", facts: ["dockerfile"] });
    // each rule's own sections, not every section the image fills
    expect(byId.get("IMG-SIZE-001")!.needs).toMatchObject({ input: "image", facts: ["image"] });
    expect(byId.get("IMG-PORT-001")!.optionsSchema).toMatchObject({ type: "object" });
  });

  it("--format json with an id prints that rule alone; text explains it with what it needs", async () => {
    const one = await runBin(["rules", "img-user-001", "--format", "json"]);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ id: "IMG-USER-001", severity: "high", cis: "4.1", needs: { input: "image" } });
    const text = await runBin(["rules", "IMG-RUN-004"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Needs: check --runtime/m);
    expect(text.stdout).toMatch(/^Options: uid, gid \(none set by default\)$/m);
  });

  it("the text list keeps its table, one line a rule", async () => {
    const r = await runBin(["rules"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(RULES.length + 1);
  });

  it("an unknown format or rule is one line and exit 2", async () => {
    const f = await runBin(["rules", "--format", "yaml"]);
    expect([f.code, f.stdout, f.stderr]).toEqual([2, "", "imgpolicy: --format: expected text or json, found 'yaml'\n"]);
    const id = await runBin(["rules", "IMG-USR-001", "--format", "json"]);
    expect(id.code).toBe(2);
    expect(id.stderr).toMatch(/^imgpolicy: unknown rule 'IMG-USR-001' \(did you mean IMG-USER-001\?\)/);
  });
});
