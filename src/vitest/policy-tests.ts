/**
 * `policyTests(ref, policy)`: one vitest test per rule the policy enables, so that a
 * CI run (and its JUnit report) shows each rule as its own test. The image is checked
 * once, in a `beforeAll`; each test then reads its rule's result (an image that cannot
 * be read fails every test with the reason):
 *   pass, or waived           passes (a waived rule is annotated with the waiver)
 *   not applicable (skip)     skipped, with the reason (`ctx.skip`)
 *   failed at/above failOn    fails with the findings and the fix
 *   failed below failOn       passes, annotated as a warning: the policy does not fail on it
 */
import { assert, beforeAll, describe, it } from "vitest";
import { resolvePolicy, type PolicyInput } from "../index.js";
import { ruleEnabled } from "../policies/evaluate.js";
import { RULES } from "../policies/rules/index.js";
import { severityRank, type Severity } from "../policies/types.js";
import { image, isImageHandle, type ImageHandle, type ImageOptions, type ImageVerdict } from "./image-handle.js";
import { policyLabel } from "./matchers.js";
import { ruleBlock } from "./messages.js";

export interface PolicyTestsOptions extends ImageOptions {
  /** Overrides the policy's threshold: `"info"` makes every failed rule a failed test. */
  failOn?: Severity;
  /** The title of the describe block (default: "REF against POLICY"). */
  name?: string;
  /** Milliseconds the beforeAll may take to read (and, with `runtime`, run) the image. Default 300 000. */
  timeout?: number;
}

/**
 * Registers a describe block with one test per enabled rule. Call it at the top level
 * of a test file (or inside a describe). The policy is loaded while tests are collected,
 * so a policy that does not load fails the file with its `file:line:col` problems.
 * Given a handle, the handle's own image options apply (and its memo is shared).
 */
export function policyTests(ref: string | ImageHandle, policy: PolicyInput, opts: PolicyTestsOptions = {}): void {
  const { failOn, name, timeout, ...imageOpts } = opts;
  const img = isImageHandle(ref) ? ref : image(ref, imageOpts);
  const cwd = imageOpts.cwd ?? img.options.cwd;
  const runtimeOnly = imageOpts.runtimeOnly ?? img.options.runtimeOnly;
  describe(name ?? `${img.ref} against ${policyLabel(policy)}`, async () => {
    const resolved = await resolvePolicy(policy, { ...(cwd ? { cwd } : {}), ...(failOn ? { failOn } : {}) });
    const rules = RULES.filter((r) => ruleEnabled(r, resolved) && (!runtimeOnly || r.category === "runtime"));
    let verdict: ImageVerdict | undefined;
    // An image that cannot be read fails every rule's test with the reason (a throwing
    // beforeAll would only mark them skipped).
    let error: unknown;
    beforeAll(async () => {
      try {
        verdict = await img.verdict(policy, failOn ? { failOn } : {});
      } catch (err) {
        error = err;
      }
    }, timeout ?? 300_000);

    for (const rule of rules) {
      it(`${rule.id} ${rule.title}`, async (ctx) => {
        if (error !== undefined) throw error;
        if (!verdict) throw new Error(`${img.ref} was not checked`);
        const result = verdict.image.results.find((r) => r.rule === rule.id);
        if (!result) return ctx.skip(`${rule.id} was not evaluated`);
        switch (result.status) {
          case "pass":
            return;
          case "skip":
            // The runtime rules' reason speaks to the CLI ("pass --runtime").
            return ctx.skip(`not applicable: ${(result.reason ?? "no reason given").replace("pass --runtime", "pass { runtime: true }")}`);
          case "waived": {
            const reasons = [...new Set(result.findings.map((f) => f.waivedBy?.reason).filter((r): r is string => !!r))];
            await ctx.annotate(`waived: ${reasons.join("; ")}`, "notice");
            return;
          }
          case "fail": {
            const text = ruleBlock(result, 5, "").join("\n");
            if (severityRank(result.severity) < severityRank(verdict.policy.failOn)) {
              await ctx.annotate(`below the policy's threshold (${verdict.policy.failOn}):\n${text}`, "warning");
              return;
            }
            assert.fail(`${img.ref}: ${rule.id} failed (${result.severity}):\n${text}`);
          }
        }
      });
    }
  });
}
