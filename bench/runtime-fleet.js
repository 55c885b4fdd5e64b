/**
 * The fleet case of `npm run bench:runtime` (issue 13): `imgpolicy check --runtime-only
 * --concurrency 4` over 10 small service images, against a serial bash loop over the same
 * 10 of `docker run -d` + curl /health until it answers + `docker rm -f`, in the same rounds.
 *
 * Goal (reported, not asserted): imgpolicy ≤ 1.0× the loop, medians.
 *
 * The images are examples/hello-service built on the host with Go, FROM scratch, numeric
 * non-root USER, with the example's own HEALTHCHECK (every 10 s, start period 5 s, 3 retries),
 * each with its own label so that they are 10 distinct images: imgpolicy-bench/runtime-fleet:1…10,
 * labelled imgpolicy.bench=1, built at the start and removed at the end (BENCH_KEEP_FLEET=1 keeps them).
 *
 * The policy: the runtime section only, stayUp 0 (no deliberate wait, as the loop has none),
 * health judged by the image's HEALTHCHECK, which the probe runs on its own 250 ms cadence
 * (BENCH_FLEET_HEALTH=http: by GET /health, as the loop does).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BENCH_LABEL, buildHelloService, CLI, fmtS, fmtX, GROUP, log, median, must, PASSWD, run, stats } from "./runtime-common.js";

const N = Math.max(1, Number(process.env.BENCH_FLEET_N ?? 10) | 0);
const CONCURRENCY = Math.max(1, Number(process.env.BENCH_FLEET_CONCURRENCY ?? 4) | 0);
const HEALTH = process.env.BENCH_FLEET_HEALTH === "http" ? "http" : "healthcheck";
const REPO = "imgpolicy-bench/runtime-fleet";
const FLEET_LABEL = "imgpolicy.bench.fleet";
const GOAL_RATIO = 1.0;
const POLL_MS = 50;
const POLL_LIMIT_S = 30;

const policyYaml = () => `# written by bench/runtime-fleet.js
description: bench/runtime-fleet.js — the runtime section only, the hardened defaults, no stay-up wait.
runtime:
  stayUp: 0
${HEALTH === "http" ? "  health: { http: { port: 8080, path: /health } }\n" : ""}`;

/** Builds the fleet's images and writes the policy; returns what the rounds need. */
export async function prepareFleet() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "imgpolicy-bench-fleet-"));
  const ctx = path.join(tmp, "ctx");
  fs.mkdirSync(ctx);
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
      'HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["/hello-service", "health"]',
      "ARG N",
      `LABEL ${BENCH_LABEL}="1" ${FLEET_LABEL}="$N"`,
      'ENTRYPOINT ["/hello-service"]',
      "",
    ].join("\n"),
  );
  const images = [];
  for (let i = 1; i <= N; i++) {
    const tag = `${REPO}:${i}`;
    await must("docker", ["build", "-q", "--build-arg", `N=${i}`, "-t", tag, ctx], { env: { ...process.env, DOCKER_BUILDKIT: "0" } });
    images.push(tag);
  }
  const policyFile = path.join(tmp, "policy.yaml");
  fs.writeFileSync(policyFile, policyYaml());
  log(`fleet: built ${images.length} images ${REPO}:1…${N} (HEALTHCHECK every 10 s); health by ${HEALTH}, --concurrency ${CONCURRENCY}`);
  return { tmp, images, policyFile };
}

export async function removeFleet(fleet) {
  fs.rmSync(fleet.tmp, { recursive: true, force: true });
  if (process.env.BENCH_KEEP_FLEET === "1") return;
  await run("docker", ["rmi", ...fleet.images]);
}

async function imgpolicyOnce(fleet) {
  const args = [CLI, "check", "--runtime-only", "--concurrency", String(CONCURRENCY), "--policy", fleet.policyFile, "--format", "json", ...fleet.images];
  const r = await run(process.execPath, args, { cwd: fleet.tmp });
  if (r.code !== 0) return { error: `exit ${r.signal ?? r.code}\n${(r.stdout + r.stderr).trim().split("\n").slice(-25).join("\n")}`, seconds: r.seconds };
  let toHealthy = [];
  try {
    const report = JSON.parse(r.stdout);
    toHealthy = report.images.map((i) => i.runtime?.timeToHealthyMs).filter((v) => v !== undefined);
  } catch {
    // the figures are extra; the time stands
  }
  return { seconds: r.seconds, toHealthyMs: toHealthy };
}

/** The serial loop; prints, per image, nanosecond timestamps: before run, started, healthy, removed. */
const SHELL_LOOP = `
set -euo pipefail
poll=$1 limit=$2; shift 2
now() { date +%s%N; }
cid=""
trap '[ -z "$cid" ] || docker rm -f "$cid" >/dev/null 2>&1 || true' EXIT
for img in "$@"; do
  t0=$(now)
  cid=$(docker run -d -p 127.0.0.1::8080 --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges --label ${BENCH_LABEL}=1 "$img")
  t1=$(now)
  hostport=$(docker port "$cid" 8080/tcp | head -n1)
  port=\${hostport##*:}
  ok=0
  for _ in $(seq 1 "$limit"); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null; then ok=1; break; fi
    sleep "$poll"
  done
  if [ "$ok" != 1 ]; then echo "$img: not healthy within the bound" >&2; exit 1; fi
  t2=$(now)
  docker rm -f "$cid" >/dev/null
  cid=""
  t3=$(now)
  echo "$t0 $t1 $t2 $t3"
done
`;

async function shellOnce(fleet) {
  const r = await run("bash", ["-c", SHELL_LOOP, "fleet-loop", String(POLL_MS / 1000), String(Math.ceil((POLL_LIMIT_S * 1000) / POLL_MS)), ...fleet.images]);
  if (r.code !== 0) return { error: `exit ${r.signal ?? r.code}\n${r.stderr.trim()}`, seconds: r.seconds };
  const rows = r.stdout.trim().split("\n").map((l) => l.split(" ").map(BigInt));
  const sum = (a, b) => rows.reduce((acc, row) => acc + Number(row[b] - row[a]) / 1e9, 0);
  return { seconds: r.seconds, phases: { run: sum(0, 1), toHealthy: sum(1, 2), remove: sum(2, 3) } };
}

/** One round: imgpolicy over the fleet, then the loop over it. */
export async function fleetRound(fleet, label) {
  const a = await imgpolicyOnce(fleet);
  if (a.error) log(`  fleet imgpolicy: FAILED (${a.error.split("\n")[0]})`);
  else log(`  fleet imgpolicy:  ${fmtS(a.seconds)} (${N} images, --concurrency ${CONCURRENCY}; time to healthy median ${median(a.toHealthyMs) ?? "—"} ms)`);
  const b = await shellOnce(fleet);
  if (b.error) log(`  fleet shell loop: FAILED (${b.error.split("\n")[0]})`);
  else log(`  fleet shell loop: ${fmtS(b.seconds)} (sums: docker run ${fmtS(b.phases.run)}, to healthy ${fmtS(b.phases.toHealthy)}, docker rm -f ${fmtS(b.phases.remove)})`);
  const errors = [];
  if (a.error) errors.push(`fleet imgpolicy ${label}: ${a.error}`);
  if (b.error) errors.push(`fleet shell loop ${label}: ${b.error}`);
  return { imgpolicy: a, shell: b, errors };
}

export function summariseFleet(rounds, fleet) {
  const a = stats(rounds.filter((r) => !r.imgpolicy.error).map((r) => r.imgpolicy.seconds));
  const b = stats(rounds.filter((r) => !r.shell.error).map((r) => r.shell.seconds));
  const ratio = a && b ? a.median / b.median : undefined;
  const healthy = rounds.flatMap((r) => r.imgpolicy.toHealthyMs ?? []);
  const phases = rounds.filter((r) => r.shell.phases).map((r) => r.shell.phases);
  return {
    images: fleet.images,
    health: HEALTH,
    concurrency: CONCURRENCY,
    imgpolicy: { command: `node bin/imgpolicy.js check --runtime-only --concurrency ${CONCURRENCY} --policy POLICY --format json ${fleet.images.join(" ")}`, ...a },
    imgpolicyTimeToHealthyMs: healthy.length ? { median: median(healthy), min: Math.min(...healthy), max: Math.max(...healthy) } : undefined,
    shellLoop: {
      command: `for each image, serially: docker run -d -p 127.0.0.1::8080 --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges; docker port; curl -fsS /health every ${POLL_MS} ms; docker rm -f`,
      ...b,
      phaseSumMedians: phases.length ? Object.fromEntries(["run", "toHealthy", "remove"].map((k) => [k, median(phases.map((p) => p[k]))])) : undefined,
    },
    policy: policyYaml(),
    goalRatio: GOAL_RATIO,
    ratio,
    meetsGoal: ratio === undefined ? undefined : ratio <= GOAL_RATIO,
  };
}

export function printFleet(s) {
  const line = (label, x) => `  ${label.padEnd(12)} median ${fmtS(x?.median)}   min–max ${fmtS(x?.min)} – ${fmtS(x?.max)}   (${x?.runs.length ?? 0} runs)`;
  console.log("");
  console.log(`Fleet: check --runtime-only --concurrency ${s.concurrency} over ${s.images.length} images (health by ${s.health}) against a serial docker run + curl + docker rm -f loop`);
  console.log(line("imgpolicy", s.imgpolicy));
  console.log(line("shell loop", s.shellLoop));
  const p = s.shellLoop.phaseSumMedians;
  if (p) console.log(`  shell loop phases (sums over the images, medians): docker run ${fmtS(p.run)}, to healthy ${fmtS(p.toHealthy)}, docker rm -f ${fmtS(p.remove)}`);
  if (s.imgpolicyTimeToHealthyMs) console.log(`  imgpolicy time to healthy per image: median ${s.imgpolicyTimeToHealthyMs.median} ms (${s.imgpolicyTimeToHealthyMs.min}–${s.imgpolicyTimeToHealthyMs.max} ms)`);
  console.log(`  ratio        ${fmtX(s.ratio)} (goal ≤ ${s.goalRatio}×: ${s.ratio === undefined ? "not measured" : s.meetsGoal ? "met" : "NOT met"})`);
}
