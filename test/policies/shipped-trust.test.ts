/**
 * Shipped policies validated at build time (src/policies/shipped-trust.ts): loading one from
 * the manifest gives the very policy a full parse and validation gives, and the manifest is
 * used only for the text and schema it was made from.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPolicy, SHIPPED_DIR, shippedPolicyNames } from "../../src/policies/load-policy.js";
import { RULES } from "../../src/policies/rules/index.js";
import { textHash, type TrustManifest } from "../../src/policies/shipped-trust.js";
import { trustManifest } from "../../src/policies/shipped-trust-build.js";

let manifest: TrustManifest;
let names: string[];
let dir: string;

beforeAll(async () => {
  names = await shippedPolicyNames();
  manifest = await trustManifest(SHIPPED_DIR, RULES);
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-trust-"));
  for (const n of names) await copyFile(join(SHIPPED_DIR, `${n}.yaml`), join(dir, `${n}.yaml`));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The manifest with the entry of `name`'s text changed by `edit`. */
async function forged(name: string, edit: (m: TrustManifest, hash: string) => void): Promise<TrustManifest> {
  const m = structuredClone(manifest);
  edit(m, textHash(await readFile(join(SHIPPED_DIR, `${name}.yaml`), "utf8")));
  return m;
}

describe("shipped policies validated at build time", () => {
  it("holds every shipped policy", () => {
    expect(names.length).toBeGreaterThanOrEqual(7);
    expect(Object.keys(manifest.policies)).toHaveLength(names.length);
  });

  it("loads each to the same policy as a full parse and validation, sources and lines included", async () => {
    for (const name of names) {
      const full = await loadPolicy(name, { trust: null });
      const trusted = await loadPolicy(name, { trust: manifest });
      expect(full.errors, name).toEqual([]);
      expect(trusted, name).toEqual(full);
    }
  });

  it("serves the policy from the manifest when text and schema match", async () => {
    const m = await forged("go-scratch", (f, h) => (f.policies[h]!.data.failOn = "low"));
    expect((await loadPolicy("go-scratch", { trust: m })).policy?.failOn).toBe("low");
  });

  it("ignores the manifest made for another schema", async () => {
    const m = await forged("go-scratch", (f, h) => {
      f.policies[h]!.data.failOn = "low";
      f.schemaHash = "0".repeat(64);
    });
    expect((await loadPolicy("go-scratch", { trust: m })).policy?.failOn).toBe("high");
  });

  it("validates an edited shipped file in full, with file:line errors", async () => {
    const file = join(dir, "go-scratch.yaml");
    await writeFile(file, (await readFile(file, "utf8")).replace("IMG-BIN-003: high", "IMG-BIN-003: hihg"));
    const r = await loadPolicy("go-scratch", { shippedDir: dir, trust: manifest });
    expect(r.policy).toBeUndefined();
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ file });
    expect(r.errors[0]!.line).toBeGreaterThan(1);
  });
});
