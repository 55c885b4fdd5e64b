/** Run by policy-tests.test.ts: a policy that does not load fails the file while tests are collected. */
import { policyTests } from "../../../src/vitest/index.js";

policyTests(process.env.IMGPOLICY_GOOD ?? "oci:missing", process.env.IMGPOLICY_BROKEN_POLICY ?? "no-such-policy");
