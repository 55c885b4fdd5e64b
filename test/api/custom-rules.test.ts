/**
 * Custom rules through the public API, as docs/api.md shows them: a rule object built
 * with the exported `pass`/`fail`/`skip` helpers, passed with the registry as `rules`,
 * configured by a policy file (severity, options) and judged by `check` and `evaluate`.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { check, evaluate, exitStatus, fail, inspect, loadPolicy, pass, RULES, skip, type Rule } from "../../src/index.js";
import { writeFixtureImages, type FixtureImages } from "./fixture-images.js";

interface EntrypointOptions {
  allowed: string[];
}

/** The entrypoint must be one of the allowed paths; an image with none is not applicable. */
const entrypointAllowed: Rule<EntrypointOptions> = {
  id: "ACME-ENTRY-001",
  title: "The entrypoint is one of ours",
  category: "config",
  severity: "high",
  description: "The image's ENTRYPOINT is one of the allowed paths.",
  rationale: "Our images start our own binaries.",
  remediation: "ENTRYPOINT [\"/app\"]",
  optionsSchema: { type: "object", properties: { allowed: { type: "array", items: { type: "string" } } }, additionalProperties: false },
  defaultOptions: { allowed: ["/app"] },
  check(facts, options) {
    const entry = facts.config.entrypoint?.[0];
    if (!entry) return skip("the image has no ENTRYPOINT");
    if (options.allowed.includes(entry)) return pass();
    return fail({ message: `ENTRYPOINT ${entry} is not one of ours.`, location: { config: "Entrypoint" }, expected: options.allowed.join(", "), found: entry });
  },
};
const rules = [...RULES, entrypointAllowed];

let f: FixtureImages;
beforeAll(async () => {
  f = await writeFixtureImages("imgpolicy-custom-");
});
afterAll(() => f?.cleanup());

describe("custom rules", () => {
  it("pass, fail and skip are the library's helpers", () => {
    expect(pass()).toEqual({ status: "pass" });
    expect(fail({ message: "m" })).toEqual({ status: "fail", findings: [{ message: "m" }] });
    expect(skip("why")).toEqual({ status: "skip", reason: "why" });
  });

  it("runs with the registry through check(), and a policy file sets its severity and options", async () => {
    const ok = await check(f.good, "base", { rules });
    expect(ok.images[0].results.find((r) => r.rule === "ACME-ENTRY-001")).toMatchObject({ status: "pass" });
    expect(exitStatus(ok)).toBe(0);

    const file = join(f.dir, "acme.yaml");
    await writeFile(file, "extends: base\nrules:\n  ACME-ENTRY-001:\n    severity: critical\n    options: { allowed: [/srv/app] }\n");
    const strict = await check(f.good, file, { rules });
    expect(strict.images[0].results.find((r) => r.rule === "ACME-ENTRY-001")).toMatchObject({
      status: "fail",
      severity: "critical",
      findings: [expect.objectContaining({ message: "ENTRYPOINT /app is not one of ours.", found: "/app" })],
    });
    expect(exitStatus(strict)).toBe(1);

    // the bad image has no ENTRYPOINT: not applicable
    const bad = await check(f.bad, "base", { rules });
    expect(bad.images[0].results.find((r) => r.rule === "ACME-ENTRY-001")).toMatchObject({ status: "skip" });
  });

  it("is unknown to a policy loaded without it, and its options are validated when it is given", async () => {
    const file = join(f.dir, "typo.yaml");
    await writeFile(file, "rules:\n  ACME-ENTRY-001:\n    options: { allowed: /app }\n");
    expect((await loadPolicy(file)).errors.map((e) => e.message)).toEqual([expect.stringMatching(/unknown rule 'ACME-ENTRY-001'/)]);
    const withRule = await loadPolicy(file, { rules });
    expect(withRule.errors.map((e) => `${e.line}:${e.col}: ${e.message}`)).toEqual([expect.stringMatching(/^3:25: rules\.ACME-ENTRY-001\.options\.allowed: expected array/)]);
  });

  it("evaluate() judges facts already read", async () => {
    const facts = await inspect(f.good);
    const { policy } = await loadPolicy("base", { rules });
    const report = evaluate(facts, policy!, { rules: [entrypointAllowed] });
    expect(report.results.map((r) => [r.rule, r.status])).toEqual([["ACME-ENTRY-001", "pass"]]);
  });
});
