/**
 * The health-time case of `npm run bench:runtime` (issue 13): `imgpolicy check --runtime
 * --policy base` of a scratch image built as examples/hello-service/Dockerfile.scratch is
 * (its HEALTHCHECK every 10 s, start period 5 s, 3 retries): how long from the container's
 * start to healthy, as the report gives it ("healthy in N s (healthcheck)").
 *
 * Goal (reported, not asserted): healthy within 1 s of the service being ready; this service
 * is ready within milliseconds of its start, so within about 1 s of the start. Before issue 13
 * the probe waited for the engine's first scheduled check: 10 s.
 */
import { CLI, log, median, run } from "./runtime-common.js";

const GOAL_MS = 1000;

/** One check of `image` (the fleet's first: the example's HEALTHCHECK, built here). */
export async function exampleHealthOnce(image, cwd) {
  const r = await run(process.execPath, [CLI, "check", "--runtime", "--policy", "base", "--format", "json", image], { cwd });
  let figures;
  try {
    figures = JSON.parse(r.stdout).images[0]?.runtime;
  } catch {
    figures = undefined;
  }
  if ((r.code !== 0 && r.code !== 1) || !figures) {
    return { error: `exit ${r.signal ?? r.code}\n${(r.stdout + r.stderr).trim().split("\n").slice(-25).join("\n")}` };
  }
  log(`  example health: ${figures.healthy ? `healthy in ${figures.timeToHealthyMs} ms` : "NOT healthy"} (${figures.healthMethod}), check took ${r.seconds.toFixed(3)} s`);
  return { seconds: r.seconds, healthy: figures.healthy, method: figures.healthMethod, timeToHealthyMs: figures.timeToHealthyMs };
}

export function summariseExampleHealth(runs, image) {
  const ok = runs.filter((r) => !r.error && r.healthy && r.timeToHealthyMs !== undefined);
  const ms = ok.map((r) => r.timeToHealthyMs);
  const m = ms.length ? median(ms) : undefined;
  return {
    image,
    command: `node bin/imgpolicy.js check --runtime --policy base --format json ${image}`,
    method: ok[0]?.method,
    timeToHealthyMs: ms.length ? { median: m, min: Math.min(...ms), max: Math.max(...ms), runs: ms } : undefined,
    checkSeconds: ok.length ? median(ok.map((r) => r.seconds)) : undefined,
    goalMs: GOAL_MS,
    meetsGoal: m === undefined ? undefined : m <= GOAL_MS,
  };
}

export function printExampleHealth(s) {
  console.log("");
  console.log(`Example health: check --runtime --policy base ${s.image} (HEALTHCHECK every 10 s)`);
  const t = s.timeToHealthyMs;
  console.log(
    t
      ? `  healthy in   median ${(t.median / 1000).toFixed(2)} s   min–max ${(t.min / 1000).toFixed(2)} – ${(t.max / 1000).toFixed(2)} s (${s.method}; goal ≤ ${s.goalMs / 1000} s: ${s.meetsGoal ? "met" : "NOT met"})`
      : "  not measured",
  );
}
