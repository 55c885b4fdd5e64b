/**
 * Run by policy-tests.test.ts in a vitest of its own (it is not a *.test.ts file):
 * policyTests() on the images named in the environment.
 */
import { policyTests } from "../../../src/vitest/index.js";

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: this suite is run by test/api/policy-tests.test.ts`);
  return v;
};

policyTests(env("IMGPOLICY_GOOD"), "base", { name: "good against base" });
policyTests(env("IMGPOLICY_BAD"), "base", { name: "bad against base" });
policyTests(env("IMGPOLICY_GOOD"), "base", { name: "good against base, failing on medium", failOn: "medium" });
policyTests(env("IMGPOLICY_MISSING"), "base", { name: "missing against base" });
