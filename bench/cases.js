/**
 * The issue-13 cases of `npm run bench`, timed in the same rounds as the 1 GiB formats:
 *
 *   go-scratch-check  imgpolicy check --policy go-scratch of the ~22 MB static-Go scratch image
 *                     (bench/go-scratch-image.js)           vs `node -e 0`           goal ≤ 2.5×
 *   debian-check      imgpolicy check -p debian-service of the ~900 MB Debian Go image
 *                     (bench/debian-image.js)               vs one `openssl dgst -sha256` of the archive   goal ≤ 1.3×
 *   debian-inspect    imgpolicy inspect --json of the same  vs the same openssl pass goal ≤ 1.15×
 *
 * Peak RSS goal for all three: ≤ 128 MB. The go-scratch check must pass (exit 0); the Debian
 * check may fail its policy (exit 1: the image is root and over 300 MB), never error (2).
 * Set BENCH_CASES=0 to skip them.
 */
import path from "node:path";
import { checkFactsFile } from "./build-image.js";
import { buildDebianImage } from "./debian-image.js";
import { buildGoScratchImage } from "./go-scratch-image.js";

export const CASE_MAX_MB = 128;

/**
 * Builds (or reuses) the two images and returns the cases, each { id, title, imgpolicy, baseline,
 * goal, image } with measurements made by `measurement(id, label, cmd, args)`; the baseline of
 * the go-scratch case is `nodeStart`, shared with the rest of the bench.
 */
export async function prepareCases({ cli, log, measurement, nodeStart, run, work }) {
  const small = await buildGoScratchImage({ log });
  const debian = await buildDebianImage({ log });
  const openssl = measurement("debian.baseline", "baseline: openssl dgst -sha256 of the archive", "openssl", ["dgst", "-sha256", debian.archive.path]);
  const cases = [
    {
      id: "go-scratch-check",
      title: `go-scratch image (${(small.archive.bytes / 1e6).toFixed(1)} MB docker-archive)`,
      image: small,
      baseline: nodeStart,
      imgpolicy: measurement("go-scratch.check", "imgpolicy check --policy go-scratch", "node", [cli, "check", "--policy", "go-scratch", small.archive.ref]),
      goal: 2.5,
    },
    {
      id: "debian-check",
      title: `Debian Go image (${(debian.archive.bytes / 1e6).toFixed(0)} MB docker-archive)`,
      image: debian,
      baseline: openssl,
      imgpolicy: Object.assign(measurement("debian.check", "imgpolicy check -p debian-service", "node", [cli, "check", "-p", "debian-service", debian.archive.ref]), { okCodes: [0, 1] }),
      goal: 1.3,
    },
    {
      id: "debian-inspect",
      title: "",
      image: debian,
      baseline: openssl,
      imgpolicy: measurement("debian.inspect", "imgpolicy inspect --json", "node", [cli, "inspect", "--json", debian.archive.ref]),
      goal: 1.15,
    },
  ];
  // correctness first: the go-scratch image passes its policy, the Debian facts are the image built
  const pass = await run("node", [cli, "check", "--policy", "go-scratch", small.archive.ref], { ok: Array.from({ length: 256 }, (_, i) => i), capture: false });
  if (pass.code !== 0) cases[0].imgpolicy.error = `check --policy go-scratch exited ${pass.code} (want 0: the image passes): ${pass.stderr.trim()}`;
  const factsFile = path.join(work, "facts-debian.json");
  const facts = await run("node", [cli, "inspect", "--json", debian.archive.ref], { ok: Array.from({ length: 256 }, (_, i) => i), stdoutFile: factsFile, capture: false });
  const checked = facts.code === 0 ? checkFactsFile(factsFile, debian) : { ok: false, error: `exit ${facts.code}: ${facts.stderr.trim()}` };
  if (!checked.ok) for (const c of cases.slice(1)) c.imgpolicy.error = checked.error;
  cases.facts = checked.summary;
  for (const c of cases) log(c.imgpolicy.error ? `  ${c.id}: FAILED ${c.imgpolicy.error}` : `  ${c.id}: ok`);
  return cases;
}

/** The measurements to run once per round, baselines beside what they measure (nodeStart runs elsewhere). */
export function caseMeasurements(cases, nodeStart) {
  const seen = new Set([nodeStart]);
  const out = [];
  for (const c of cases) {
    for (const m of [c.baseline, c.imgpolicy]) {
      if (seen.has(m)) continue;
      seen.add(m);
      out.push(m);
    }
  }
  return out;
}

/** The cases' results for results.json, from `stats(measurement)`. */
export function caseResults(cases, stats) {
  const out = {};
  for (const c of cases) {
    const b = stats(c.baseline);
    const p = stats(c.imgpolicy);
    const ratio = b.seconds != null && p.seconds != null ? p.seconds / b.seconds : undefined;
    out[c.id] = {
      title: c.title,
      archive: path.basename(path.dirname(c.image.archive.path)) + "/" + path.basename(c.image.archive.path),
      archiveBytes: c.image.archive.bytes,
      baseline: b,
      imgpolicy: p,
      ratio,
      goal: c.goal,
      timeGoal: ratio == null ? "ERROR" : ratio <= c.goal ? "PASS" : "MISS",
      memGoal: p.peakMB == null ? "ERROR" : p.peakMB <= CASE_MAX_MB ? "PASS" : "MISS",
    };
  }
  return out;
}
