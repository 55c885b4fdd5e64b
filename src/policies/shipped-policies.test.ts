import { readFile, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { loadPolicy, shippedPolicyNames } from "./load-policy.js";
import { formatProblem } from "./policy-types.js";
import { policySchema } from "./policy-schema.js";
import { RULES } from "./rules/index.js";

const SCHEMA_FILE = new URL("../../schema/policy.schema.json", import.meta.url);

describe("shipped policies", () => {
  it("are all there", async () => {
    expect(await shippedPolicyNames()).toEqual(["base", "cis-docker", "debian-service", "glassops", "go-alpine", "go-distroless", "go-scratch"]);
  });

  for (const name of ["base", "cis-docker", "debian-service", "glassops", "go-alpine", "go-distroless", "go-scratch"]) {
    it(`${name} validates against the schema`, async () => {
      const { policy, errors } = await loadPolicy(name);
      expect(errors.map(formatProblem)).toEqual([]);
      expect(policy!.sources.at(-1)).toMatch(new RegExp(`policies/${name}\\.yaml$`));
    });
  }

  it("the schema file for editors is up to date (UPDATE_SCHEMA=1 rewrites it)", async () => {
    const text = JSON.stringify(policySchema(RULES), null, 2) + "\n";
    if (process.env.UPDATE_SCHEMA) await writeFile(SCHEMA_FILE, text);
    expect(await readFile(SCHEMA_FILE, "utf8")).toBe(text);
  });
});
