import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { it } from "vitest";
import { buildSeedBinaries, writeSeedImages, SEED_IMAGE_NAMES } from "../../fixtures/seed-images/index.js";
import { check } from "../../src/policies/check.js";
import { loadPolicy } from "../../src/policies/load-policy.js";
import { inspect } from "../../src/inspect/facts/collect.js";

it("explore", async () => {
  const dir = await mkdtemp(join(tmpdir(), "seed-explore-"));
  let t = Date.now();
  const bin = await buildSeedBinaries(join(dir, "bin"));
  console.log("binaries", Date.now() - t); t = Date.now();
  const refs = await writeSeedImages(join(dir, "images"), bin);
  console.log("images", Date.now() - t); t = Date.now();
  const out: Record<string, unknown> = {};
  for (const p of ["base", "cis-docker", "go-scratch", "go-distroless", "go-alpine", "glassops", "debian-service"]) {
    const { policy, errors } = await loadPolicy(p);
    if (!policy) throw new Error(JSON.stringify(errors));
    const report = await check(SEED_IMAGE_NAMES.map((n) => refs[n]), { policy });
    out[p] = report.images.map((i) => ({ ref: i.reference, error: i.error, passed: i.passed, results: i.results.map((r) => [r.rule, r.status, r.severity, r.reason ?? r.findings.map((f) => f.message).join(" | ")]) }));
    console.log(p, Date.now() - t); t = Date.now();
  }
  writeFileSync("/tmp/seed-explore.json", JSON.stringify(out, null, 1));
  const facts: Record<string, unknown> = {};
  for (const n of SEED_IMAGE_NAMES) facts[n] = await inspect(refs[n]);
  writeFileSync("/tmp/seed-facts.json", JSON.stringify(facts, null, 1));
  console.log("dir", dir);
}, 600_000);
