import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ValidateFunction } from "ajv";
import { afterAll, describe, expect, it } from "vitest";
import { policySchema } from "./policy-schema.js";
import { newAjv, schemaHash, validatorModule } from "./policy-validator-code.js";
import { RULES } from "./rules/index.js";

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const BAD: unknown[] = [
  { rules: { "IMG-USR-001": "high" } },
  { failOn: "severe" },
  { rules: { "IMG-SIZE-001": { options: { maxBytes: "big" } } } },
  { waivers: [{ rule: "IMG-USER-001", reason: "x", expires: "next week" }] },
  { extends: [""], runtime: { health: { http: { port: "eighty" } } } },
  { unknown: true },
];

describe("the precompiled policy validator", () => {
  it("gives the same verdicts and errors as the schema compiled at run time", async () => {
    // inside the project, so that the generated code's require("ajv/…") resolves
    const cache = fileURLToPath(new URL("../../node_modules/.cache", import.meta.url));
    await mkdir(cache, { recursive: true });
    const dir = await mkdtemp(join(cache, "imgpolicy-validator-"));
    dirs.push(dir);
    const file = join(dir, "validator.cjs");
    await writeFile(file, validatorModule(RULES));
    const pre = createRequire(import.meta.url)(file) as ValidateFunction & { schemaHash: string };
    const schema = policySchema(RULES);
    expect(pre.schemaHash).toBe(schemaHash(schema));
    const live = newAjv().compile(schema);
    expect(pre({ failOn: "high", rules: { "IMG-USER-001": "critical" } })).toBe(true);
    for (const data of BAD) {
      expect(pre(data), JSON.stringify(data)).toBe(false);
      expect(live(data)).toBe(false);
      const strip = (v: ValidateFunction) => (v.errors ?? []).map(({ keyword, instancePath, params, message }) => ({ keyword, instancePath, params, message }));
      expect(strip(pre)).toEqual(strip(live));
    }
  });

  it("is in the build, made from the current schema (npm run build writes it)", async () => {
    const built = fileURLToPath(new URL("../../dist/policies/policy-validator.precompiled.cjs", import.meta.url));
    expect(existsSync(built), `${built} is missing: run npm run build`).toBe(true);
    const mod = createRequire(import.meta.url)(built) as { schemaHash: string };
    expect(mod.schemaHash).toBe(schemaHash(policySchema(RULES)));
  });
});
