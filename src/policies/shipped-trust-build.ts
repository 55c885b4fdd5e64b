/**
 * Builds the manifest of shipped-trust.ts (at build time: scripts/precompile-validator.mjs):
 * every policy file of `dir` that parses, is not a container-structure-test config, passes
 * the schema and the pattern checks, and survives JSON unchanged, with the positions loading
 * needs, exactly as load-policy.ts would compute them from the YAML. A file that fails any of
 * these is left out, so it is loaded, and its problems reported, as before.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { isCstConfig } from "./cst/convert-cst.js";
import { yamlLineOf } from "./policy-merge.js";
import { patternProblems } from "./policy-patterns.js";
import { policySchema } from "./policy-schema.js";
import type { PolicyFile } from "./policy-types.js";
import { schemaHash } from "./policy-validator-code.js";
import { validatePolicyData } from "./policy-validator.js";
import { parsePolicyYaml } from "./policy-yaml.js";
import { jsonFaithful, lineKey, textHash, type TrustedPolicy, type TrustManifest } from "./shipped-trust.js";
import type { AnyRule } from "./types.js";
import { positionOf } from "./yaml-location.js";

export async function trustManifest(dir: string, rules: readonly AnyRule[]): Promise<TrustManifest> {
  const policies: Record<string, TrustedPolicy> = {};
  for (const name of (await readdir(dir)).filter((f) => f.endsWith(".yaml")).sort()) {
    const text = await readFile(join(dir, name), "utf8");
    const parsed = parsePolicyYaml(text);
    if (parsed.problems || isCstConfig(parsed.data) || !jsonFaithful(parsed.data)) continue;
    const { doc, lc, data } = parsed;
    if (validatePolicyData(data, doc, lc, name, rules).length) continue;
    const p = data as PolicyFile;
    if (patternProblems(p, rules).length) continue;
    const ext = p.extends === undefined ? [] : Array.isArray(p.extends) ? p.extends.map((_, i) => ["extends", String(i)]) : [["extends"]];
    const lines: Record<string, number> = {};
    for (const id of Object.keys(p.rules ?? {})) lines[lineKey(["rules", id])] = yamlLineOf(doc, lc, ["rules", id]);
    for (const i of (p.waivers ?? []).keys()) lines[lineKey(["waivers", i])] = yamlLineOf(doc, lc, ["waivers", i]);
    policies[textHash(text)] = { data: p, extends: ext.map((path) => positionOf(doc, lc, path)), lines };
  }
  return { schemaHash: schemaHash(policySchema(rules)), policies };
}
