import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.js";
import { evaluate } from "./evaluate.js";
import { ignoreRequests, resolveIgnored, splitRuleList, withIgnored } from "./ignore.js";
import type { ResolvedPolicy } from "./policy-types.js";
import { RULES } from "./rules/index.js";
import { baseFacts } from "./rules/test-facts.js";
import type { AnyRule, RuleOutcome } from "./types.js";

const mk = (id: string, outcome: RuleOutcome): AnyRule => ({
  id,
  title: id,
  category: "config",
  severity: "high",
  description: "",
  rationale: "",
  remediation: "",
  optionsSchema: {},
  defaultOptions: {},
  check: () => outcome,
});
const policy = (p: Partial<ResolvedPolicy> = {}): ResolvedPolicy => ({ sources: [], failOn: "high", rules: {}, waivers: [], ...p });

describe("splitRuleList / ignoreRequests", () => {
  it("splits on commas and any whitespace, dropping empties", () => {
    expect(splitRuleList(" IMG-A,IMG-B  IMG-C,\tIMG-D\n,, ")).toEqual(["IMG-A", "IMG-B", "IMG-C", "IMG-D"]);
    expect(splitRuleList("")).toEqual([]);
  });

  it("takes each --ignore value comma-separated, then IMGPOLICY_IGNORE, each with its reason and source", () => {
    expect(ignoreRequests(["IMG-USER-001,IMG-FS-001", "IMG-CA-001"], "IMG-TAG-001 IMG-SIZE-002")).toEqual([
      { rule: "IMG-USER-001", reason: "ignored on the command line", source: "--ignore" },
      { rule: "IMG-FS-001", reason: "ignored on the command line", source: "--ignore" },
      { rule: "IMG-CA-001", reason: "ignored on the command line", source: "--ignore" },
      { rule: "IMG-TAG-001", reason: "ignored by IMGPOLICY_IGNORE", source: "IMGPOLICY_IGNORE" },
      { rule: "IMG-SIZE-002", reason: "ignored by IMGPOLICY_IGNORE", source: "IMGPOLICY_IGNORE" },
    ]);
    expect(ignoreRequests(undefined, undefined)).toEqual([]);
  });
});

describe("resolveIgnored", () => {
  it("spells ids as the registry does and keeps the first of repeats", () => {
    const r = resolveIgnored([...ignoreRequests(["img-user-001"], "IMG-USER-001 img-ca-001")], RULES);
    expect(r).toEqual([
      { rule: "IMG-USER-001", reason: "ignored on the command line", source: "--ignore" },
      { rule: "IMG-CA-001", reason: "ignored by IMGPOLICY_IGNORE", source: "IMGPOLICY_IGNORE" },
    ]);
  });

  it("refuses an unknown id, saying where it came from and the closest id", () => {
    expect(() => resolveIgnored(ignoreRequests(["IMG-USR-001"], undefined), RULES)).toThrow(UsageError);
    expect(() => resolveIgnored(ignoreRequests(["IMG-USR-001"], undefined), RULES)).toThrow(
      "--ignore: unknown rule 'IMG-USR-001' (did you mean IMG-USER-001?); 'imgpolicy rules' lists them",
    );
    expect(() => resolveIgnored(ignoreRequests([], "IMG-CA-01"), RULES)).toThrow(/^IMGPOLICY_IGNORE: unknown rule 'IMG-CA-01' \(did you mean IMG-CA-001\?\)/);
    expect(() => resolveIgnored(["nothing-like-it"], RULES)).toThrow(/^check\(\{ ignore \}\): unknown rule 'nothing-like-it'; /);
  });

  it("escapes and cuts what it quotes", () => {
    expect(() => resolveIgnored(["IMG-\x1b[31mX"], RULES)).toThrow(/'IMG-\\x1b\[31mX'/);
  });
});

describe("withIgnored", () => {
  it("waives every finding of an ignored rule after the policy's own waivers, so nothing vanishes from the report", () => {
    const rules = [mk("A", { status: "fail", findings: [{ message: "a1", location: { path: "/x" } }, { message: "a2", location: { path: "/y" } }] }), mk("B", { status: "fail", findings: [{ message: "b" }] })];
    const own = { rule: "A", path: "/x", reason: "known", source: "p.yaml:3" };
    const p = withIgnored(policy({ waivers: [own] }), resolveIgnored(ignoreRequests(["A"], undefined), rules));
    const r = evaluate(baseFacts(), p, { rules });
    const a = r.results.find((x) => x.rule === "A")!;
    expect(a.status).toBe("waived");
    expect(a.findings.map((f) => f.waivedBy)).toEqual([own, { rule: "A", reason: "ignored on the command line", source: "--ignore" }]);
    expect(r.results.find((x) => x.rule === "B")!.status).toBe("fail");
    expect(r.counts).toMatchObject({ waived: 1, fail: 1 });
  });

  it("leaves the policy as it is when nothing is ignored", () => {
    const p = policy();
    expect(withIgnored(p, [])).toBe(p);
  });
});
