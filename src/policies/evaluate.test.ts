import { describe, expect, it } from "vitest";
import { evaluate } from "./evaluate.js";
import type { ResolvedPolicy } from "./policy-types.js";
import { baseFacts } from "./rules/test-facts.js";
import type { AnyRule, Finding, RuleOutcome } from "./types.js";

const mk = (id: string, outcome: RuleOutcome, extra: Partial<AnyRule> = {}): AnyRule => ({
  id,
  title: `title of ${id}`,
  category: "filesystem",
  severity: "high",
  description: "",
  rationale: "",
  remediation: "do the thing",
  optionsSchema: {},
  defaultOptions: { limit: 1 },
  check: () => outcome,
  ...extra,
});
const f = (path: string): Finding => ({ message: `bad ${path}`, location: { path, layer: 0 } });
const policy = (p: Partial<ResolvedPolicy> = {}): ResolvedPolicy => ({ sources: [], failOn: "high", rules: {}, waivers: [], ...p });
const now = new Date("2026-06-01T12:00:00Z");

describe("evaluate", () => {
  it("runs enabled rules, skips opt-in ones unless enabled, and keeps skip apart from pass", () => {
    const rules = [mk("A", { status: "pass" }), mk("B", { status: "skip", reason: "no passwd" }), mk("C", { status: "fail", findings: [f("/x")] }, { optIn: true })];
    const r = evaluate(baseFacts(), policy(), { rules, now });
    expect(r.results.map((x) => [x.rule, x.status])).toEqual([["A", "pass"], ["B", "skip"]]);
    expect(r.results[1]!.reason).toBe("no passwd");
    expect(r.passed).toBe(true);
    const r2 = evaluate(baseFacts(), policy({ rules: { C: { enabled: true } } }), { rules, now });
    expect(r2.results.map((x) => x.status)).toEqual(["pass", "skip", "fail"]);
    expect(r2.passed).toBe(false);
    expect(r2.counts).toMatchObject({ pass: 1, skip: 1, fail: 1, waived: 0, failedBySeverity: { high: 1 } });
  });

  it("applies severity overrides and the failOn threshold", () => {
    const rules = [mk("A", { status: "fail", findings: [f("/x")] })];
    expect(evaluate(baseFacts(), policy({ rules: { A: { enabled: true, severity: "low" } } }), { rules, now }).passed).toBe(true);
    expect(evaluate(baseFacts(), policy({ failOn: "low", rules: { A: { enabled: true, severity: "low" } } }), { rules, now }).passed).toBe(false);
  });

  it("passes options merged over the defaults", () => {
    let seen: unknown;
    const rules = [mk("A", { status: "pass" }, { check: (_f, o) => ((seen = o), { status: "pass" }) })];
    evaluate(baseFacts(), policy({ rules: { A: { enabled: true, options: { other: 2 } } } }), { rules, now });
    expect(seen).toEqual({ limit: 1, other: 2 });
  });

  it("waives findings by rule and path glob, counts them, and never hides them", () => {
    const rules = [mk("A", { status: "fail", findings: [f("/etc/ssl/private/a.key"), f("/root/.ssh/id_rsa")] })];
    const w = { rule: "A", path: "/etc/ssl/private/*", reason: "test fixture key", expires: "2026-12-31" };
    const r = evaluate(baseFacts(), policy({ waivers: [w] }), { rules, now });
    expect(r.results[0]!.status).toBe("fail");
    expect(r.results[0]!.findings.map((x) => Boolean(x.waivedBy))).toEqual([true, false]);
    const all = evaluate(baseFacts(), policy({ waivers: [w, { rule: "A", path: "/root/**", reason: "also" }] }), { rules, now });
    expect(all.results[0]!.status).toBe("waived");
    expect(all.results[0]!.findings).toHaveLength(2);
    expect(all.counts.waived).toBe(1);
    expect(all.passed).toBe(true);
  });

  it("an expired waiver no longer waives, and says so", () => {
    const rules = [mk("A", { status: "fail", findings: [f("/x")] })];
    const w = { rule: "A", reason: "until the fix ships", expires: "2026-05-31" };
    const r = evaluate(baseFacts(), policy({ waivers: [w] }), { rules, now });
    expect(r.results[0]!.status).toBe("fail");
    expect(r.results[0]!.expiredWaivers).toEqual([w]);
    expect(evaluate(baseFacts(), policy({ waivers: [{ ...w, expires: "2026-06-01" }] }), { rules, now }).results[0]!.status).toBe("waived");
  });

  it("waives a Dockerfile finding by FILE:LINE", () => {
    const rules = [mk("A", { status: "fail", findings: [{ message: "m", location: { dockerfile: { file: "Dockerfile", line: 7 } } }, { message: "n", location: { dockerfile: { file: "Dockerfile", line: 9 } } }] })];
    const r = evaluate(baseFacts(), policy({ waivers: [{ rule: "A", path: "Dockerfile:7", reason: "r" }] }), { rules, now });
    expect(r.results[0]!.findings.map((f) => Boolean(f.waivedBy))).toEqual([true, false]);
  });

  it("matches image globs on the reference", () => {
    const rules = [mk("A", { status: "fail", findings: [f("/x")] })];
    const facts = baseFacts();
    facts.image.reference = "glassops:1.2";
    expect(evaluate(facts, policy({ waivers: [{ rule: "A", image: "glassops:*", reason: "r" }] }), { rules, now }).results[0]!.status).toBe("waived");
    expect(evaluate(facts, policy({ waivers: [{ rule: "A", image: "other:*", reason: "r" }] }), { rules, now }).results[0]!.status).toBe("fail");
  });

  it("reports a crashing rule as a failure instead of crashing the check", () => {
    const rules = [mk("A", { status: "pass" }, { check: () => { throw new Error("boom"); } })];
    const r = evaluate(baseFacts(), policy(), { rules, now });
    expect(r.results[0]).toMatchObject({ status: "fail", findings: [{ message: "rule A could not run: boom" }] });
  });
});
