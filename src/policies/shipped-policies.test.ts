import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadPolicy, SHIPPED_DIR, shippedPolicyNames } from "./load-policy.js";
import { claimsNotInDescription, claimsOf, unkeptPromises, type PolicyClaim } from "./policy-promises.js";
import { formatProblem, type PolicyFile } from "./policy-types.js";
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

const NAMES = ["base", "cis-docker", "debian-service", "glassops", "go-alpine", "go-distroless", "go-scratch"];

async function shippedFile(name: string): Promise<PolicyFile> {
  return parse(await readFile(join(SHIPPED_DIR, `${name}.yaml`), "utf8")) as PolicyFile;
}

/** The claims a shipped policy makes: its own and those of every policy it extends. */
async function claimsFor(name: string): Promise<PolicyClaim[]> {
  const file = await shippedFile(name);
  const parents = file.extends === undefined ? [] : Array.isArray(file.extends) ? file.extends : [file.extends];
  const inherited = (await Promise.all(parents.map(claimsFor))).flat();
  return [...inherited, ...claimsOf(name, file.promises)];
}

describe("shipped policies keep the promises of their descriptions", () => {
  it.each(NAMES)("%s declares what its description promises, in phrases of the description", async (name) => {
    const file = await shippedFile(name);
    const own = claimsOf(name, file.promises);
    expect(own.length).toBeGreaterThan(0);
    expect(claimsNotInDescription(own, file.description ?? "")).toEqual([]);
  });

  it.each(NAMES)("%s runs every promised rule at or above its failOn, unwaived (its parents' promises too)", async (name) => {
    const { policy } = await loadPolicy(name);
    const claims = await claimsFor(name);
    expect(unkeptPromises(claims, policy!, RULES)).toEqual([]);
  });

  it("every shipped policy blocks world-writable paths and running as root (base's promises)", async () => {
    for (const name of NAMES) {
      const rules = (await claimsFor(name)).flatMap((c) => c.rules);
      expect(rules, name).toEqual(expect.arrayContaining(["IMG-FS-004", "IMG-USER-001"]));
    }
  });
});
