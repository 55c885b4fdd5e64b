/**
 * `imgpolicy/vitest`: container images in vitest. Importing this module adds the
 * matchers to `expect`:
 *
 *   import { image, policyTests } from "imgpolicy/vitest";
 *   it("ships", async () => { await expect(image("oci:build/app:1")).toPassPolicy("go-scratch"); });
 *   policyTests("oci:build/app:1", "go-scratch");   // one test per rule
 *
 * Only this entry imports vitest; the main entry (`imgpolicy`) never does.
 */
import { expect } from "vitest";
import type { PolicyInput } from "../index.js";
import { matchers, type FactsPartial, type NoFindingsOptions, type PassPolicyOptions } from "./matchers.js";

expect.extend(matchers);

export { image, isImageHandle, ImageHandle, type ImageOptions, type ImageVerdict, type ReportOptions } from "./image-handle.js";
export { matchers, type FactsPartial, type NoFindingsOptions, type PassPolicyOptions } from "./matchers.js";
export { policyTests, type PolicyTestsOptions } from "./policy-tests.js";
export type { PolicyInput } from "../index.js";

declare module "vitest" {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars, @typescript-eslint/no-explicit-any
  interface Assertion<T = any> {
    /**
     * The image passes the policy: no failed rule at or above the threshold. On failure the
     * message lists each failed rule with its severity, first finding and fix. Await it.
     */
    toPassPolicy(policy: PolicyInput, opts?: PassPolicyOptions): Promise<void>;
    /** The rule finds nothing unwaived in the image (not applicable counts as nothing). Await it. */
    toHaveNoFindings(ruleId: string, opts?: NoFindingsOptions): Promise<void>;
    /** The image's facts contain these values, as `toMatchObject` compares. Await it. */
    toHaveFacts(partial: FactsPartial): Promise<void>;
  }
}
