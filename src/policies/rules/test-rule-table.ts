/** Test helper (not a rule): one describe block per rule, one test per row of facts → expected outcome. */
import { describe, expect, it } from "vitest";
import type { Facts } from "../../inspect/facts/types.js";
import type { AnyRule } from "../types.js";
import { optionsErrors, run } from "./test-facts.js";

export interface Case {
  name: string;
  facts: Facts;
  options?: object;
  status: "pass" | "fail" | "skip";
  /** Must occur in the finding messages (fail) or the skip reason (skip). */
  text?: string | RegExp;
  /** Number of findings, when it matters. */
  findings?: number;
  /** Location of the first finding. */
  location?: object;
}

/** Every failing row must also say what was expected and what was found, in each finding. */
export function table(rule: AnyRule, cases: Case[]): void {
  describe(`${rule.id} ${rule.title}`, () => {
    it.each(cases)("$name → $status", (c) => {
      const r = run(rule, c.facts, c.options);
      expect(r.status, r.text).toBe(c.status);
      if (c.text !== undefined) expect(r.text).toMatch(c.text);
      if (r.outcome.status !== "fail") return;
      if (c.findings !== undefined) expect(r.outcome.findings).toHaveLength(c.findings);
      if (c.location !== undefined) expect(r.outcome.findings[0]!.location).toEqual(c.location);
      for (const f of r.outcome.findings) {
        expect(f.expected, f.message).toBeTruthy();
        expect(f.found, f.message).toBeTruthy();
      }
    });
    it("options schema compiles, accepts the defaults and rejects an unknown option", () => {
      expect(optionsErrors(rule)).toEqual([]);
      expect(optionsErrors(rule, { ...rule.defaultOptions, bogus: 1 })).not.toEqual([]);
    });
  });
}
