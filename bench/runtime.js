/**
 * `npm run bench:runtime` (issue 5): time from `imgpolicy check --runtime-only` start to
 * verdict on a passing image, against a bare shell loop doing the same run by hand, timed
 * in this same script:
 *
 *   imgpolicy  node bin/imgpolicy.js check --runtime-only --policy P IMAGE   (exit 0 expected)
 *   baseline   bash: docker run -d (the same hardened flags) + docker port + curl the health
 *              URL every 50 ms until it answers + docker stop -t 10 + docker rm -f
 *
 * Goal (reported, not asserted): imgpolicy ≤ 1.2× the baseline, medians. The two alternate,
 * BENCH_RUNS rounds (default 5) after BENCH_WARMUP untimed rounds of each (default 1).
 *
 * The image is imgpolicy-bench/runtime-hello:1 (BENCH_RUNTIME_IMAGE to use another one that
 * serves GET /health on 8080): examples/hello-service built on the host with Go
 * (CGO_ENABLED=0, static), FROM scratch, numeric non-root USER, labelled imgpolicy.bench=1.
 * Built when missing; nothing is pulled.
 *
 * Issue 13 replaced that single-image goal (testcontainers' own import, ~0.43 s, made it out
 * of reach) with two cases run in the same rounds, each in its own file:
 *   - runtime-fleet.js: check --runtime-only --concurrency 4 over 10 small service images
 *     against a serial docker run + curl + docker rm -f loop over them (goal ≤ 1.0×);
 *   - runtime-example-health.js: check --runtime of a scratch image whose HEALTHCHECK runs
 *     every 10 s: healthy within 1 s (the probe runs the image's command every 250 ms).
 * The single-image figures are still measured and reported, for the fixed costs.
 *
 * Writes bench/.work/runtime-results.json. Exits 0 unless something crashed or left a container.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BENCH_LABEL, buildHelloService, CLI, fmtS, fmtX, GROUP, HERE, log, median, must, PASSWD, rel, ROOT, run, SERVICE, stats } from "./runtime-common.js";
import { fleetRound, prepareFleet, removeFleet, summariseFleet, printFleet } from "./runtime-fleet.js";
import { exampleHealthOnce, printExampleHealth, summariseExampleHealth } from "./runtime-example-health.js";

const WORK = path.join(HERE, ".work");
const IMAGE = process.env.BENCH_RUNTIME_IMAGE || "imgpolicy-bench/runtime-hello:1";
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5) | 0);
const WARMUP = Math.max(0, Number(process.env.BENCH_WARMUP ?? 1) | 0);
const GOAL_RATIO = 1.2;
const POLL_MS = 50;
const POLL_LIMIT_S = 30; // the same bound as imgpolicy's default startupTimeout

// ---------------------------------------------------------------------------------------------
// the image

async function ensureImage() {
  const have = await run("docker", ["image", "inspect", "-f", `{{index .Config.Labels "${BENCH_LABEL}"}}`, IMAGE]);
  if (have.code === 0) {
    log(`image ${IMAGE}: present (label ${BENCH_LABEL}=${have.stdout.trim() || "(none)"})`);
    return { built: false };
  }
  log(`image ${IMAGE}: missing, building it from ${rel(SERVICE)} (go build on the host, FROM scratch)`);
  const ctx = fs.mkdtempSync(path.join(os.tmpdir(), "imgpolicy-bench-image-"));
  try {
    await buildHelloService(path.join(ctx, "hello-service"));
    fs.writeFileSync(path.join(ctx, "passwd"), PASSWD);
    fs.writeFileSync(path.join(ctx, "group"), GROUP);
    fs.writeFileSync(
      path.join(ctx, "Dockerfile"),
      [
        "FROM scratch",
        "COPY passwd group /etc/",
        "COPY hello-service /hello-service",
        "USER 65532:65532",
        "EXPOSE 8080",
        `LABEL ${BENCH_LABEL}="1"`,
        'ENTRYPOINT ["/hello-service"]',
        "",
      ].join("\n"),
    );
    await must("docker", ["build", "-q", "-t", IMAGE, ctx], { env: { ...process.env, DOCKER_BUILDKIT: "0" } });
  } finally {
    fs.rmSync(ctx, { recursive: true, force: true });
  }
  log(`image ${IMAGE}: built`);
  return { built: true };
}

// ---------------------------------------------------------------------------------------------
// the two measurements

const POLICY_YAML = `# written by bench/runtime.js
description: bench/runtime.js — the runtime section only, the hardened defaults, no stay-up wait.
runtime:
  health: { http: { port: 8080, path: /health } }
  stayUp: 0
`;

async function imgpolicyOnce(policyFile) {
  const r = await run(process.execPath, [CLI, "check", "--runtime-only", "--policy", policyFile, IMAGE]);
  const verdict = /\b(PASS|FAIL)\b/i.exec(r.stdout)?.[0] ?? "";
  if (r.code !== 0) {
    return { error: `exit ${r.signal ?? r.code}\n${(r.stdout + r.stderr).trim().split("\n").slice(-25).join("\n")}`, seconds: r.seconds };
  }
  return { seconds: r.seconds, verdict, stdout: r.stdout };
}

/** The bare loop. Prints nanosecond timestamps of its phases on stdout: started, healthy, stopped, removed. */
const SHELL_LOOP = `
set -euo pipefail
img=$1 poll=$2 limit=$3
now() { date +%s%N; }
cid=$(docker run -d -p 127.0.0.1::8080 --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges --label ${BENCH_LABEL}=1 "$img")
trap 'docker rm -f "$cid" >/dev/null 2>&1 || true' EXIT
echo "started $(now)"
hostport=$(docker port "$cid" 8080/tcp | head -n1)
port=\${hostport##*:}
ok=0
for _ in $(seq 1 "$limit"); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null; then ok=1; break; fi
  sleep "$poll"
done
if [ "$ok" != 1 ]; then echo "not healthy within the bound" >&2; exit 1; fi
echo "healthy $(now)"
docker stop -t 10 "$cid" >/dev/null
echo "stopped $(now)"
docker rm -f "$cid" >/dev/null
echo "removed $(now)"
trap - EXIT
`;

async function shellOnce() {
  const startNs = BigInt(Date.now()) * 1_000_000n; // date +%s%N is wall clock: compare against it
  const r = await run("bash", ["-c", SHELL_LOOP, "shell-loop", IMAGE, String(POLL_MS / 1000), String(Math.ceil((POLL_LIMIT_S * 1000) / POLL_MS))]);
  if (r.code !== 0) return { error: `exit ${r.signal ?? r.code}\n${r.stderr.trim()}`, seconds: r.seconds };
  const at = Object.fromEntries(r.stdout.trim().split("\n").map((l) => l.split(" ")).map(([k, v]) => [k, BigInt(v)]));
  const s = (a, b) => (a !== undefined && b !== undefined ? Number(b - a) / 1e9 : undefined);
  return {
    seconds: r.seconds,
    phases: { run: s(startNs, at.started), toHealthy: s(at.started, at.healthy), stop: s(at.healthy, at.stopped), remove: s(at.stopped, at.removed) },
  };
}

/**
 * The fixed costs of any Node tool that starts a container through testcontainers 11 on
 * Node 20, timed in the same rounds: Node starting and loading the CLI (`--version`), and
 * loading testcontainers itself (a CommonJS tree of ~1,000 modules, loaded synchronously).
 */
async function fixedCostsOnce() {
  const cli = await run(process.execPath, [CLI, "--version"]);
  const tc = await run(process.execPath, ["--input-type=module", "-e", 'await import("testcontainers")'], { cwd: ROOT });
  if (cli.code !== 0 || tc.code !== 0) return undefined;
  return { cliStart: cli.seconds, testcontainersImport: tc.seconds };
}

// ---------------------------------------------------------------------------------------------

async function leftovers() {
  const probe = await run("docker", ["ps", "-aq", "--filter", "label=imgpolicy.runtime=1", "--filter", `ancestor=${IMAGE}`]);
  const mine = await run("docker", ["ps", "-aq", "--filter", `label=${BENCH_LABEL}=1`]);
  const all = await run("docker", ["ps", "-aq", "--filter", "label=imgpolicy.runtime=1"]);
  const ids = (r) => r.stdout.trim().split("\n").filter(Boolean);
  return { imgpolicyOnBenchImage: ids(probe), baselineContainers: ids(mine), anyImgpolicyRuntime: ids(all) };
}

async function main() {
  fs.mkdirSync(WORK, { recursive: true });
  if (!fs.existsSync(path.join(ROOT, "dist", "index.js"))) throw new Error("dist/ is missing: run `npm run build` first (npm run bench:runtime does)");
  const engine = await run("docker", ["version", "-f", "{{.Server.Version}}"]);
  if (engine.code !== 0) throw new Error(`no container engine answers: ${engine.stderr.trim()}`);
  const image = await ensureImage();

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "imgpolicy-bench-runtime-"));
  const policyFile = path.join(tmp, "policy.yaml");
  fs.writeFileSync(policyFile, POLICY_YAML);

  const fleet = await prepareFleet();
  const fleetRounds = [];
  const healthRuns = [];
  const ip = [];
  const sh = [];
  const phases = [];
  const fixed = [];
  const errors = [];
  let sampleOutput;
  try {
    for (let i = 0; i < WARMUP; i++) {
      log(`warm-up ${i + 1}/${WARMUP}`);
      const a = await imgpolicyOnce(policyFile);
      if (a.error) throw new Error(`imgpolicy failed on the warm-up (a passing image is expected):\n${a.error}`);
      const b = await shellOnce();
      if (b.error) throw new Error(`the shell loop failed on the warm-up:\n${b.error}`);
      log(`  imgpolicy ${fmtS(a.seconds)}, shell loop ${fmtS(b.seconds)} (not counted)`);
      const w = await fleetRound(fleet, "warm-up");
      if (w.errors.length) throw new Error(`the fleet case failed on the warm-up:\n${w.errors.join("\n")}`);
    }
    for (let i = 0; i < RUNS; i++) {
      log(`round ${i + 1}/${RUNS}`);
      const a = await imgpolicyOnce(policyFile);
      if (a.error) {
        errors.push(`imgpolicy round ${i + 1}: ${a.error}`);
        log(`  imgpolicy: FAILED (${a.error.split("\n")[0]})`);
      } else {
        ip.push(a.seconds);
        sampleOutput ??= a.stdout;
        log(`  imgpolicy:  ${fmtS(a.seconds)}`);
      }
      const b = await shellOnce();
      if (b.error) {
        errors.push(`shell loop round ${i + 1}: ${b.error}`);
        log(`  shell loop: FAILED (${b.error.split("\n")[0]})`);
      } else {
        sh.push(b.seconds);
        phases.push(b.phases);
        const p = b.phases;
        log(`  shell loop: ${fmtS(b.seconds)} (run ${fmtS(p.run)}, to healthy ${fmtS(p.toHealthy)}, stop ${fmtS(p.stop)}, rm ${fmtS(p.remove)})`);
      }
      const f = await fixedCostsOnce();
      if (f) {
        fixed.push(f);
        log(`  fixed costs: node + CLI --version ${fmtS(f.cliStart)}, node + import("testcontainers") ${fmtS(f.testcontainersImport)}`);
      }
      const fr = await fleetRound(fleet, `round ${i + 1}`);
      fleetRounds.push(fr);
      errors.push(...fr.errors);
      const h = await exampleHealthOnce(fleet.images[0], tmp);
      if (h.error) errors.push(`example health round ${i + 1}: ${h.error}`);
      healthRuns.push(h);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    await removeFleet(fleet);
  }
  const fleetSummary = summariseFleet(fleetRounds, fleet);
  const healthSummary = summariseExampleHealth(healthRuns, fleet.images[0]);

  const left = await leftovers();
  const a = stats(ip);
  const b = stats(sh);
  const ratio = a && b ? a.median / b.median : undefined;
  const phaseMedians = phases.length
    ? Object.fromEntries(["run", "toHealthy", "stop", "remove"].map((k) => [k, median(phases.map((p) => p[k]).filter((v) => v !== undefined))]))
    : undefined;
  const fixedMedians = fixed.length
    ? { cliStart: median(fixed.map((f) => f.cliStart)), testcontainersImport: median(fixed.map((f) => f.testcontainersImport)) }
    : undefined;
  // What imgpolicy takes beyond loading testcontainers, against the loop: the part this project's code decides.
  const withoutImport = a && b && fixedMedians ? (a.median - fixedMedians.testcontainersImport) / b.median : undefined;
  const extras = [
    "starts the container through testcontainers (engine API, labelled, never pulled), same hardened profile: --read-only, tmpfs /tmp, cap-drop ALL, no-new-privileges, the image's USER, ports on 127.0.0.1",
    "reads the image config from the engine first (the health port, USER, ENTRYPOINT)",
    "polls the HTTP health URL until healthy",
    "reads the identity of PID 1 (uid/gid and effective capabilities) from the kernel, through the engine",
    "stay-up watch: policy stayUp is 0 here (the schema allows minimum 0; the default is 3 s), so no deliberate wait",
    "samples memory through the engine's one-shot stats API every 500 ms while it runs, plus the cgroup high-water mark",
    "stop test: SIGTERM with a 10 s grace period, measures the time to exit and the exit code (the baseline's docker stop -t 10)",
    "reads the last 20 log lines, removes the container, applies the runtime rules IMG-RUN-001…007 and prints the report",
    "plus Node start-up and loading imgpolicy (the baseline pays the docker CLI's start-up on each of its 4 calls, and curl's per poll)",
  ];
  const results = {
    date: new Date().toISOString(),
    host: { node: process.version, platform: `${process.platform}/${process.arch}`, cpus: os.cpus().length, engine: engine.stdout.trim() },
    image: { ref: IMAGE, builtNow: image.built },
    policy: POLICY_YAML,
    runs: RUNS,
    warmup: WARMUP,
    goalRatio: GOAL_RATIO,
    imgpolicy: { command: `node bin/imgpolicy.js check --runtime-only --policy POLICY ${IMAGE}`, ...a },
    shellLoop: {
      command: `docker run -d -p 127.0.0.1::8080 --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges --label ${BENCH_LABEL}=1 IMAGE; docker port; curl -fsS /health every ${POLL_MS} ms (≤ ${POLL_LIMIT_S} s); docker stop -t 10; docker rm -f`,
      ...b,
      phaseMedians,
    },
    fixedCosts: fixedMedians,
    ratioWithoutTestcontainersImport: withoutImport,
    ratio,
    meetsGoal: ratio === undefined ? undefined : ratio <= GOAL_RATIO,
    imgpolicyAlsoDoes: extras,
    fleet: fleetSummary,
    exampleHealth: healthSummary,
    leftovers: left,
    errors,
  };
  const out = path.join(WORK, "runtime-results.json");
  fs.writeFileSync(out, JSON.stringify(results, null, 2) + "\n");

  const line = (label, s) => `  ${label.padEnd(12)} median ${fmtS(s?.median)}   min–max ${fmtS(s?.min)} – ${fmtS(s?.max)}   (${s?.runs.length ?? 0} runs)`;
  console.log("");
  console.log(`Runtime bench: ${IMAGE}, ${RUNS} rounds alternating (after ${WARMUP} warm-up), engine ${engine.stdout.trim()}, ${process.version}`);
  console.log(line("imgpolicy", a));
  console.log(line("shell loop", b));
  if (phaseMedians) {
    console.log(
      `  shell loop phases (medians): docker run ${fmtS(phaseMedians.run)}, to healthy ${fmtS(phaseMedians.toHealthy)}, docker stop ${fmtS(phaseMedians.stop)}, docker rm ${fmtS(phaseMedians.remove)}`,
    );
  }
  console.log(`  ratio        ${fmtX(ratio)} (goal ≤ ${GOAL_RATIO}×: ${ratio === undefined ? "not measured" : ratio <= GOAL_RATIO ? "met" : "NOT met"})`);
  if (fixedMedians) {
    console.log(
      `  fixed costs (medians): node + CLI --version ${fmtS(fixedMedians.cliStart)}; node + import("testcontainers") ${fmtS(fixedMedians.testcontainersImport)}` +
        ` — imgpolicy less that import: ${fmtX(withoutImport)} the loop`,
    );
  }
  console.log("  imgpolicy does in addition:");
  for (const e of extras) console.log(`    - ${e}`);
  console.log(
    `  leftovers: ${left.imgpolicyOnBenchImage.length} imgpolicy.runtime=1 container(s) on ${IMAGE}, ${left.baselineContainers.length} baseline container(s)` +
      (left.anyImgpolicyRuntime.length ? ` (${left.anyImgpolicyRuntime.length} imgpolicy.runtime=1 container(s) on other images, not this bench's)` : ""),
  );
  printFleet(fleetSummary);
  printExampleHealth(healthSummary);
  console.log("");
  if (errors.length) console.log(`  errors: ${errors.length} (see ${rel(out)})`);
  console.log(`  wrote ${rel(out)}`);
  if (errors.length || left.imgpolicyOnBenchImage.length || left.baselineContainers.length) process.exitCode = 1;
}

main().catch((err) => {
  log(`bench/runtime.js: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
});
