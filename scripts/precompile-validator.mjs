// Part of `npm run build`: compiles the policy schema once, into standalone code beside
// dist/policies/policy-validator.js (see src/policies/policy-validator-code.ts), and
// validates the shipped policies once, into dist/policies/shipped-policies.trusted.json
// (see src/policies/shipped-trust.ts): loading them then needs neither.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SHIPPED_DIR } from "../dist/policies/load-policy.js";
import { validatorModule } from "../dist/policies/policy-validator-code.js";
import { RULES } from "../dist/policies/rules/index.js";
import { trustManifest } from "../dist/policies/shipped-trust-build.js";
import { TRUSTED_FILE } from "../dist/policies/shipped-trust.js";

const out = fileURLToPath(new URL("../dist/policies/policy-validator.precompiled.cjs", import.meta.url));
writeFileSync(out, validatorModule(RULES));
const trust = await trustManifest(SHIPPED_DIR, RULES);
writeFileSync(fileURLToPath(new URL(TRUSTED_FILE, new URL("../dist/policies/", import.meta.url))), JSON.stringify(trust) + "\n");
