import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatProblem } from "./policy-types.js";
import { loadPolicies, loadPolicy } from "./load-policy.js";
import type { AnyRule } from "./types.js";

const rule = (id: string, optionsSchema: Record<string, unknown> = { type: "object", additionalProperties: false }, optIn = false): AnyRule => ({
  id,
  title: id,
  category: "config",
  severity: "medium",
  description: "",
  rationale: "",
  remediation: "",
  optIn,
  optionsSchema,
  defaultOptions: {},
  check: () => ({ status: "pass" }),
});
const rules = [
  rule("IMG-USER-001"),
  rule("IMG-LABEL-001", { type: "object", additionalProperties: false, properties: { required: { type: "array", items: { type: "string" } } } }),
  rule("IMG-FS-001", undefined, true),
];

let dir: string;
let shipped: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-policy-"));
  shipped = join(dir, "shipped");
  await import("node:fs/promises").then((fs) => fs.mkdir(shipped));
  await writeFile(join(shipped, "base.yaml"), "failOn: high\nrules:\n  IMG-USER-001: high\n");
  await writeFile(join(shipped, "strict.yaml"), "extends: base\nrules:\n  IMG-FS-001: on\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function load(text: string, name = "p.yaml") {
  const f = join(dir, name);
  await writeFile(f, text);
  return { f, ...(await loadPolicy(f, { rules, shippedDir: shipped })) };
}

describe("loadPolicy", () => {
  it("applies extends depth-first, then the file's own entries", async () => {
    const { policy, errors } = await load(
      [
        "extends: [strict]",
        "failOn: medium",
        "rules:",
        "  IMG-USER-001: { severity: critical }",
        "  IMG-LABEL-001:",
        "    options: { required: [org.opencontainers.image.source] }",
        "waivers:",
        "  - rule: IMG-FS-001",
        "    path: /bin/sh",
        "    reason: debug variant",
        "    expires: 2030-01-31",
      ].join("\n"),
    );
    expect(errors).toEqual([]);
    expect(policy!.failOn).toBe("medium");
    expect(policy!.rules["IMG-USER-001"]).toMatchObject({ enabled: true, severity: "critical" });
    expect(policy!.rules["IMG-FS-001"]).toMatchObject({ enabled: true });
    expect(policy!.rules["IMG-LABEL-001"]!.options).toEqual({ required: ["org.opencontainers.image.source"] });
    expect(policy!.waivers).toEqual([
      expect.objectContaining({ rule: "IMG-FS-001", path: "/bin/sh", reason: "debug variant", expires: "2030-01-31", source: expect.stringMatching(/p\.yaml:8$/) }),
    ]);
    expect(policy!.sources.map((s) => s.split("/").pop())).toEqual(["base.yaml", "strict.yaml", "p.yaml"]);
  });

  const bad: [string, string, string][] = [
    ["a typo in a rule id", "rules:\n  IMG-USR-001: high\n", "2:3: unknown rule 'IMG-USR-001' (did you mean IMG-USER-001?)"],
    ["an unknown option", "rules:\n  IMG-LABEL-001:\n    options: { requried: [x] }\n", "3:16: unknown key 'requried' in rules.IMG-LABEL-001.options"],
    ["an option of the wrong type", "rules:\n  IMG-LABEL-001:\n    options:\n      required: yes\n", "4:17: rules.IMG-LABEL-001.options.required: expected array, found a string"],
    ["a bad severity", "rules:\n  IMG-USER-001: severe\n", "2:17: rules.IMG-USER-001: expected one of \"critical\", \"high\", \"medium\", \"low\", \"info\", \"off\", \"on\""],
    ["a waiver without a reason", "waivers:\n  - rule: IMG-USER-001\n", "2:5: waivers.0: missing 'reason'"],
    ["a waiver with a malformed date", "waivers:\n  - rule: IMG-USER-001\n    reason: x\n    expires: 31/01/2030\n", "4:14: waivers.0.expires: expected a date as YYYY-MM-DD"],
    ["a waiver for an unknown rule", "waivers:\n  - rule: IMG-NOPE-1\n    reason: x\n", "2:11: unknown rule 'IMG-NOPE-1'"],
    ["an unknown top-level key", "failon: high\n", "1:1: unknown key 'failon' in the policy"],
    ["invalid YAML", "rules:\n  IMG-USER-001: [high\n", "invalid YAML"],
    ["an unknown shipped policy", "extends: nosuch\n", "1:10: unknown policy 'nosuch': shipped policies are base, strict"],
  ];
  for (const [name, text, expected] of bad) {
    it(`reports ${name} with file:line:col`, async () => {
      const { f, policy, errors } = await load(text);
      expect(policy).toBeUndefined();
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.map(formatProblem).join("\n")).toContain(expected.includes(":") && /^\d/.test(expected) ? `${f}:${expected}` : expected);
    });
  }

  it("reports a missing file in one line", async () => {
    const { errors } = await loadPolicy(join(dir, "missing.yaml"), { rules, shippedDir: shipped });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/^cannot read .*missing\.yaml: no such file or directory$/);
    expect(formatProblem(errors[0]!)).toBe(errors[0]!.message);
  });

  it("detects extends cycles", async () => {
    await writeFile(join(dir, "a.yaml"), "extends: ./b.yaml\n");
    await writeFile(join(dir, "b.yaml"), "extends: ./a.yaml\n");
    const { errors } = await loadPolicy(join(dir, "a.yaml"), { rules, shippedDir: shipped });
    expect(errors[0]!.message).toMatch(/policy extends itself: .*a\.yaml → .*b\.yaml → .*a\.yaml/);
  });

  it("merges several policies in order, later ones winning", async () => {
    await writeFile(join(dir, "x.yaml"), "rules:\n  IMG-USER-001: low\n");
    const { policy } = await loadPolicies(["base", join(dir, "x.yaml")], { rules, shippedDir: shipped });
    expect(policy!.rules["IMG-USER-001"]!.severity).toBe("low");
  });

  it("accepts JSON", async () => {
    const { policy, errors } = await load(JSON.stringify({ failOn: "low", rules: { "IMG-USER-001": "off" } }), "p.json");
    expect(errors).toEqual([]);
    expect(policy!.rules["IMG-USER-001"]!.enabled).toBe(false);
  });
});
