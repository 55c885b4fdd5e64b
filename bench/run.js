/**
 * `npm run bench`: how long `imgpolicy inspect` takes on a ≥ 1 GiB image, against the bare
 * single pass over the same layer bytes, timed in this same script:
 *
 *   docker-archive  baseline: openssl dgst -sha256 of each layer tar, one after another
 *   OCI gzip        baseline: gzip -dc LAYER | openssl dgst -sha256, one layer after another
 *
 * Goals (reported, not asserted): imgpolicy ≤ 1.3× its baseline, peak RSS < 256 MB.
 * Then what a user would otherwise do: `docker save | tar -x`, `skopeo copy` + `umoci unpack`.
 *
 * Wall time and peak RSS come from /usr/bin/time -f '%e %M'; every measurement runs
 * BENCH_RUNS times (default 3) and the median counts. Ratios only: machines are shared and noisy.
 *
 * In the same rounds, the cases of bench/cases.js: `check` of a ~22 MB static-Go scratch image
 * against `node -e 0`, `check` and `inspect` of a ~900 MB Debian image against one
 * `openssl dgst -sha256` pass over its archive.
 *
 * Env: BENCH_SIZE_GB (GiB of uncompressed layers, default 1), BENCH_RUNS (default 3),
 *      BENCH_COMPARE=0 to skip the docker/skopeo/umoci comparisons, BENCH_CASES=0 to skip the cases.
 * Writes bench/.work/results.json. Exits 0 unless something crashed (imgpolicy or a baseline failed).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BENCH_TAG, WORK, bash, benchSizeGB, buildBenchImage, checkFactsFile, have, run } from "./build-image.js";
import { CASE_MAX_MB, caseMeasurements, caseResults, prepareCases } from "./cases.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const CLI = path.join(ROOT, "bin", "imgpolicy.js");
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3) | 0);
const COMPARE = process.env.BENCH_COMPARE !== "0";
const CASES = process.env.BENCH_CASES !== "0";
const GOAL_RATIO = 1.3;
const GOAL_MB = 256;
const TIME = "/usr/bin/time";

const log = (s) => process.stderr.write(s + "\n");
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtS = (s) => (s == null ? "—" : `${s.toFixed(2)} s`);
const fmtX = (r) => (r == null || !Number.isFinite(r) ? "—" : `${r.toFixed(2)}×`);
const fmtMB = (mb) => (mb == null ? "—" : `${Math.round(mb)} MB`);
const fmtN = (n) => n.toLocaleString("en-US");
const rel = (p) => path.relative(process.cwd(), p) || ".";

/**
 * Runs one command under /usr/bin/time -f '%e %M'. Returns { seconds, peakMB, code, stderr }.
 * stdout goes to /dev/null unless `stdoutFile` is given.
 */
async function timed(cmd, args, { stdoutFile } = {}) {
  const tf = path.join(WORK, `time.${process.pid}.txt`);
  const res = await run(TIME, ["-f", "%e %M", "-o", tf, cmd, ...args], { ok: Array.from({ length: 256 }, (_, i) => i), stdoutFile, capture: false });
  const lines = fs.readFileSync(tf, "utf8").trim().split("\n");
  fs.rmSync(tf, { force: true });
  const [e, m] = (lines.at(-1) ?? "").split(/\s+/).map(Number);
  return { seconds: e, peakMB: m / 1024, code: res.code, signal: res.signal, stderr: res.stderr.trim() };
}

/** A measurement: `prepare` runs untimed before every run, `cmd` is timed. */
function measurement(id, label, cmd, args, prepare) {
  return { id, label, cmd, args, prepare, runs: [], error: undefined };
}

async function runOnce(m) {
  if (m.error) return;
  if (m.prepare) await m.prepare();
  const r = await timed(m.cmd, m.args);
  if (!(m.okCodes ?? [0]).includes(r.code) || r.signal) {
    m.error = `exit ${r.signal ?? r.code}: ${r.stderr.split("\n").slice(-20).join("\n")}`;
    log(`  ${m.label}: FAILED (${m.error.split("\n")[0]})`);
    return;
  }
  m.runs.push(r);
  log(`  ${m.label}: ${fmtS(r.seconds)}, peak ${fmtMB(r.peakMB)}`);
}

function stats(m) {
  if (m.error || m.runs.length === 0) return { label: m.label, error: m.error ?? "no runs" };
  const s = m.runs.map((r) => r.seconds);
  return {
    label: m.label,
    command: [m.cmd, ...m.args].map((a) => a.replace(ROOT + "/", "")).join(" "),
    seconds: median(s),
    min: Math.min(...s),
    max: Math.max(...s),
    runs: s,
    peakMB: Math.max(...m.runs.map((r) => r.peakMB)),
  };
}

/** One untimed imgpolicy run whose JSON is kept, to check it read the image we built. */
async function checkFacts(ref, meta, outFile) {
  const r = await run("node", [CLI, "inspect", "--json", ref], { ok: Array.from({ length: 256 }, (_, i) => i), stdoutFile: outFile, capture: false });
  if (r.code !== 0) return { ok: false, error: `exit ${r.signal ?? r.code}: ${r.stderr.trim()}` };
  const { facts: _facts, ...checked } = checkFactsFile(outFile, meta);
  return checked;
}

async function main() {
  const t0 = Date.now();
  fs.mkdirSync(WORK, { recursive: true });
  if (!fs.existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed for wall time and peak RSS`);
  if (!fs.existsSync(path.join(ROOT, "dist", "cli", "main.js"))) throw new Error("dist/ is missing: run `npm run build` (npm run bench does)");

  const sizeGB = benchSizeGB();
  const meta = await buildBenchImage({ sizeGB, log, load: COMPARE });
  const layerTars = meta.layers.map((l) => l.layerTar);
  const blobs = meta.layers.map((l) => l.blob);
  const tmp = path.join(WORK, "tmp-compare");

  log(`warming the page cache (${rel(meta.archive.path)}, layer tars, OCI blobs)`);
  await bash('cat -- "$@" > /dev/null', [meta.archive.path, ...layerTars, ...blobs]);

  // correctness first: a wrong answer makes its timing meaningless
  const formats = [
    {
      id: "docker-archive",
      title: "docker-archive (uncompressed layers)",
      ref: meta.archive.ref,
      baseline: measurement(
        "docker-archive.baseline",
        "baseline: openssl dgst -sha256 of each layer tar",
        "bash",
        ["-c", 'set -e; for f in "$@"; do openssl dgst -sha256 "$f"; done > /dev/null', "baseline", ...layerTars],
      ),
    },
    {
      id: "oci-gzip",
      title: `OCI layout (${meta.compressor} layers)`,
      ref: meta.oci.ref,
      baseline: measurement(
        "oci-gzip.baseline",
        "baseline: gzip -dc | openssl dgst -sha256 per layer",
        "bash",
        ["-c", 'set -eo pipefail; for f in "$@"; do gzip -dc "$f" | openssl dgst -sha256; done > /dev/null', "baseline", ...blobs],
      ),
    },
  ];
  for (const f of formats) {
    f.imgpolicy = measurement(`${f.id}.imgpolicy`, "imgpolicy inspect --json", "node", [CLI, "inspect", "--json", f.ref]);
    log(`checking imgpolicy inspect ${f.ref}`);
    f.check = await checkFacts(f.ref, meta, path.join(WORK, `facts-${f.id}.json`));
    if (!f.check.ok) {
      f.imgpolicy.error = f.check.error;
      log(`  FAILED: ${f.check.error}`);
    } else log(`  ok: ${JSON.stringify(f.check.summary)}`);
  }

  // what any Node program pays before its first line (a fixed cost in imgpolicy's time, none in the baseline's)
  const nodeStart = measurement("node-start", "node -e 0 (Node's own start)", "node", ["-e", "0"]);
  let cases = [];
  if (CASES) {
    log("checking the cases (go-scratch check, Debian check and inspect)");
    cases = await prepareCases({ cli: CLI, log, measurement, nodeStart, run, work: WORK });
    await bash('cat -- "$@" > /dev/null', [...new Set(cases.map((c) => c.image.archive.path))]);
  }
  const perRound = caseMeasurements(cases, nodeStart);

  // baselines and imgpolicy interleaved, so drift on a shared machine hits both alike
  for (let i = 1; i <= RUNS; i++) {
    log(`round ${i}/${RUNS}`);
    for (const f of formats) {
      await runOnce(f.baseline);
      await runOnce(f.imgpolicy);
    }
    for (const m of perRound) await runOnce(m);
    await runOnce(nodeStart);
  }

  // what a user would otherwise do
  const comparisons = [];
  if (COMPARE) {
    const fresh = (...dirs) => async () => {
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.mkdirSync(tmp, { recursive: true });
      for (const d of dirs) fs.mkdirSync(path.join(tmp, d), { recursive: true });
    };
    if (meta.docker?.loaded) {
      comparisons.push({
        vs: "docker-archive",
        m: measurement("docker-save", `docker save ${BENCH_TAG} | tar -x`, "bash", [
          "-c",
          'set -eo pipefail; docker save "$1" | tar -x -C "$2"',
          "docker-save",
          BENCH_TAG,
          path.join(tmp, "save"),
        ], fresh("save")),
      });
    } else comparisons.push({ vs: "docker-archive", skipped: `docker save skipped: ${meta.docker?.note ?? "no engine"}`, label: `docker save ${BENCH_TAG} | tar -x` });

    if ((await have("skopeo")) && (await have("umoci"))) {
      const rootless = process.getuid?.() === 0 ? [] : ["--rootless"];
      comparisons.push({
        vs: "oci-gzip",
        m: measurement("skopeo-umoci", `skopeo copy oci: oci: + umoci unpack${rootless.length ? " --rootless" : ""}`, "bash", [
          "-c",
          'set -e; skopeo copy -q "oci:$1" "oci:$2/layout:1"; shift 2; umoci unpack "$@"',
          "skopeo-umoci",
          `${meta.oci.path}:${meta.oci.tag}`,
          tmp,
          ...rootless,
          "--image",
          `${path.join(tmp, "layout")}:1`,
          path.join(tmp, "bundle"),
        ], fresh()),
      });
    } else comparisons.push({ vs: "oci-gzip", skipped: "skopeo or umoci not installed", label: "skopeo copy + umoci unpack" });

    for (let i = 1; i <= RUNS; i++) {
      log(`comparison round ${i}/${RUNS}`);
      for (const c of comparisons) if (c.m) await runOnce(c.m);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  // ------------------------------------------------------------------------------- results
  const results = {
    schema: "imgpolicy/bench@1",
    at: new Date().toISOString(),
    host: {
      cpus: os.cpus().length,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      kernel: os.release(),
    },
    runsPerMeasurement: RUNS,
    goals: { maxRatio: GOAL_RATIO, maxPeakMB: GOAL_MB },
    image: {
      key: meta.key,
      sizeGB,
      uncompressedBytes: meta.totals.bytes,
      entries: meta.totals.entries,
      files: meta.totals.files,
      layers: meta.layers.map(({ name, entries, files, bytes, gzSize, diffId }) => ({ name, entries, files, bytes, gzBytes: gzSize, diffId })),
      gzBytes: meta.totals.gzBytes,
      compressor: meta.compressor,
      archiveRef: meta.archive.ref.replace(ROOT + "/", ""),
      ociRef: meta.oci.ref.replace(ROOT + "/", ""),
      reused: meta.reused,
      buildSeconds: meta.buildSeconds,
      docker: meta.docker,
    },
    formats: {},
    comparisons: [],
    cases: caseResults(cases, stats),
    casesFacts: cases.facts,
    fixed: { nodeStart: stats(nodeStart), nodeExtraCaCerts: process.env.NODE_EXTRA_CA_CERTS ?? null },
    ok: true,
  };
  for (const f of formats) {
    const b = stats(f.baseline);
    const p = stats(f.imgpolicy);
    const ratio = b.seconds != null && p.seconds != null ? p.seconds / b.seconds : undefined;
    results.formats[f.id] = {
      title: f.title,
      ref: f.ref.replace(ROOT + "/", ""),
      baseline: b,
      imgpolicy: p,
      facts: f.check.summary,
      ratio,
      timeGoal: ratio == null ? "ERROR" : ratio <= GOAL_RATIO ? "PASS" : "MISS",
      memGoal: p.peakMB == null ? "ERROR" : p.peakMB < GOAL_MB ? "PASS" : "MISS",
    };
    if (b.error || p.error) results.ok = false;
  }
  for (const c of Object.values(results.cases)) if (c.baseline.error || c.imgpolicy.error) results.ok = false;
  for (const c of comparisons) {
    const f = results.formats[c.vs];
    if (c.skipped) {
      results.comparisons.push({ label: c.label, vs: c.vs, skipped: c.skipped });
      continue;
    }
    const s = stats(c.m);
    results.comparisons.push({
      ...s,
      vs: c.vs,
      vsImgpolicy: s.seconds != null && f.imgpolicy.seconds != null ? s.seconds / f.imgpolicy.seconds : undefined,
      vsBaseline: s.seconds != null && f.baseline.seconds != null ? s.seconds / f.baseline.seconds : undefined,
    });
  }
  results.totalSeconds = (Date.now() - t0) / 1000;
  results.summary = summarize(results);
  fs.writeFileSync(path.join(WORK, "results.json"), JSON.stringify(results, null, 2) + "\n");

  console.log(table(results));
  if (cases.length) console.log("\n" + casesTable(results));
  console.log("");
  console.log(results.summary);
  const ns = results.fixed.nodeStart;
  if (ns.seconds != null) {
    const base = results.formats["docker-archive"]?.baseline.seconds;
    const share = base ? ` (${(ns.seconds / base).toFixed(2)}× of the docker-archive baseline)` : "";
    const extra = results.fixed.nodeExtraCaCerts ? `; NODE_EXTRA_CA_CERTS is set here, which Node reads at every start` : "";
    console.log(`fixed cost in the same rounds: ${ns.label}: ${fmtS(ns.seconds)}${share}${extra}`);
  }
  console.log(`\n(results: ${rel(path.join(WORK, "results.json"))}; bench took ${results.totalSeconds.toFixed(0)} s)`);
  for (const f of Object.values(results.formats)) {
    for (const m of [f.baseline, f.imgpolicy]) if (m.error) console.log(`\nERROR ${f.title} — ${m.label}:\n${m.error}`);
  }
  for (const c of results.comparisons) if (c.error) console.log(`\nnote: comparison '${c.label}' failed:\n${c.error}`);
  for (const c of Object.values(results.cases)) {
    for (const m of [c.baseline, c.imgpolicy]) if (m.error) console.log(`\nERROR ${c.title} — ${m.label}:\n${m.error}`);
  }
  return results.ok ? 0 : 1;
}

function pad(s, n, right = false) {
  s = String(s);
  return right ? s.padStart(n) : s.padEnd(n);
}

function table(r) {
  const rows = [["format", "measurement", "median", "min–max", "ratio", "peak RSS", "goals"]];
  for (const f of Object.values(r.formats)) {
    const b = f.baseline;
    const p = f.imgpolicy;
    rows.push([f.title, b.label, fmtS(b.seconds), b.error ? "ERROR" : `${b.min.toFixed(2)}–${b.max.toFixed(2)}`, "1.00× (base)", fmtMB(b.peakMB), ""]);
    rows.push([
      "",
      p.label,
      p.error ? "ERROR" : fmtS(p.seconds),
      p.error ? "" : `${p.min.toFixed(2)}–${p.max.toFixed(2)}`,
      fmtX(f.ratio),
      fmtMB(p.peakMB),
      `time ${f.timeGoal} (≤${GOAL_RATIO}×), mem ${f.memGoal} (<${GOAL_MB} MB)`,
    ]);
  }
  for (const c of r.comparisons) {
    const vs = r.formats[c.vs].title.split(" ")[0];
    if (c.skipped) rows.push([`vs ${vs}`, c.label, "skipped", "", "", "", c.skipped]);
    else if (c.error) rows.push([`vs ${vs}`, c.label, "ERROR", "", "", "", c.error.split("\n")[0].slice(0, 60) + "… (below)"]);
    else
      rows.push([
        `vs ${vs}`,
        c.label,
        fmtS(c.seconds),
        `${c.min.toFixed(2)}–${c.max.toFixed(2)}`,
        `${fmtX(c.vsImgpolicy)} imgpolicy, ${fmtX(c.vsBaseline)} base`,
        fmtMB(c.peakMB),
        "",
      ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  const right = [false, false, true, true, false, true, false];
  const lines = rows.map((row) => row.map((c, i) => pad(c, widths[i], right[i])).join("  ").trimEnd());
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  return lines.join("\n");
}

function casesTable(r) {
  const rows = [["case", "measurement", "median", "min–max", "ratio", "peak RSS", "goals"]];
  let last;
  for (const c of Object.values(r.cases)) {
    const b = c.baseline;
    const p = c.imgpolicy;
    if (b.label !== last) rows.push([c.title, b.label, b.error ? "ERROR" : fmtS(b.seconds), b.error ? "" : `${b.min.toFixed(2)}–${b.max.toFixed(2)}`, "1.00× (base)", fmtMB(b.peakMB), ""]);
    last = b.label;
    rows.push([
      "",
      p.label,
      p.error ? "ERROR" : fmtS(p.seconds),
      p.error ? "" : `${p.min.toFixed(2)}–${p.max.toFixed(2)}`,
      fmtX(c.ratio),
      fmtMB(p.peakMB),
      `time ${c.timeGoal} (≤${c.goal}×), mem ${c.memGoal} (≤${CASE_MAX_MB} MB)`,
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  const right = [false, false, true, true, false, true, false];
  const lines = rows.map((row) => row.map((c, i) => pad(c, widths[i], right[i])).join("  ").trimEnd());
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  return lines.join("\n");
}

function summarize(r) {
  const im = r.image;
  const L = [];
  L.push("imgpolicy inspect benchmark");
  L.push(
    `image: ${(im.uncompressedBytes / 2 ** 30).toFixed(2)} GiB uncompressed (${fmtN(im.uncompressedBytes)} B), ` +
      `${im.layers.length} layers, ${fmtN(im.entries)} tar entries (${fmtN(im.files)} regular files), ` +
      `built from this host's Debian userland; OCI blobs ${im.compressor}: ${(im.gzBytes / 2 ** 20).toFixed(0)} MiB`,
  );
  L.push(
    `host: ${r.host.cpus} CPUs, ${r.host.memGiB} GiB RAM, node ${r.host.node}; warm page cache; ` +
      `median of ${r.runsPerMeasurement} runs; goals: ≤${GOAL_RATIO}× the single-pass baseline, peak RSS <${GOAL_MB} MB`,
  );
  for (const f of Object.values(r.formats)) {
    const b = f.baseline;
    const p = f.imgpolicy;
    L.push(`- ${f.title}:`);
    L.push(`    ${b.label}: ${b.error ? "ERROR" : fmtS(b.seconds)}`);
    if (p.error) L.push(`    imgpolicy inspect --json: ERROR — ${p.error.split("\n")[0]}`);
    else
      L.push(
        `    imgpolicy inspect --json: ${fmtS(p.seconds)} = ${fmtX(f.ratio)} baseline → time ${f.timeGoal}; ` +
          `peak RSS ${fmtMB(p.peakMB)} → memory ${f.memGoal}`,
      );
  }
  for (const c of Object.values(r.cases)) {
    const p = c.imgpolicy;
    L.push(
      p.error
        ? `- ${p.label} (${c.archive}): ERROR — ${p.error.split("\n")[0]}`
        : `- ${p.label} (${c.archive}): ${fmtS(p.seconds)} = ${fmtX(c.ratio)} ${c.baseline.label.replace(/^baseline: /, "")} → time ${c.timeGoal} (≤${c.goal}×); peak RSS ${fmtMB(p.peakMB)} → memory ${c.memGoal} (≤${CASE_MAX_MB} MB)`,
    );
  }
  if (r.comparisons.length) L.push("- what a user would otherwise do:");
  for (const c of r.comparisons) {
    const vs = r.formats[c.vs];
    if (c.skipped) L.push(`    ${c.label}: skipped (${c.skipped})`);
    else if (c.error) L.push(`    ${c.label}: failed (${c.error.split("\n")[0]})`);
    else
      L.push(
        `    ${c.label}: ${fmtS(c.seconds)} = ${fmtX(c.vsImgpolicy)} imgpolicy on the ${vs.title.split(" ")[0]}, ` +
          `${fmtX(c.vsBaseline)} its baseline; peak RSS ${fmtMB(c.peakMB)}${c.vs === "docker-archive" ? " (client side; the engine's own memory not counted)" : ""}`,
      );
  }
  return L.join("\n");
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`bench: ${err.stack ?? err}`);
    process.exitCode = 2;
  },
);
