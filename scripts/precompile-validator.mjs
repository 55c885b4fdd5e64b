// Part of `npm run build`: compiles the policy schema once, into standalone code beside
// dist/policies/policy-validator.js (see src/policies/policy-validator-code.ts).
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { validatorModule } from "../dist/policies/policy-validator-code.js";
import { RULES } from "../dist/policies/rules/index.js";

const out = fileURLToPath(new URL("../dist/policies/policy-validator.precompiled.cjs", import.meta.url));
writeFileSync(out, validatorModule(RULES));
