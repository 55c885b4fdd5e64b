/**
 * One run of an image under a plan, start to removal: start it through testcontainers,
 * learn whether it became healthy, then either observe it fully (identity, stay-up,
 * memory, stop) or, for the write probe, list what it wrote. The container is removed
 * however the run ends.
 */
import type { Readable } from "node:stream";
import { EngineError } from "../errors.js";
import type { EngineClient } from "../engine/client.js";
import { containerChanges, containerLogTail, inspectContainer, type ContainerChange, type ContainerInspect } from "../engine/containers.js";
import { HardenedContainer } from "./hardened-container.js";
import { readIdentity, type Identity } from "./identity.js";
import { janitor } from "./janitor.js";
import { PURPOSE_LABEL, RUN_LABEL } from "./labels.js";
import { probeLogConfig } from "./log-config.js";
import { sampleMemory, type MemorySampler } from "./memory-sampler.js";
import { exitedFacts, startedAtMs, stopAndMeasure, watchStayUp } from "./observe.js";
import type { RunPlan } from "./profile.js";
import type { RuntimeFacts } from "./runtime-types.js";
import { sleep } from "./sleep.js";
import { waitStrategyFor, type HealthVerdict } from "./wait.js";

export interface RunRequest {
  engine: EngineClient;
  imageRef: string;
  plan: RunPlan;
  readOnly: boolean;
  runId: string;
  purpose: "probe" | "write-probe";
  signal: AbortSignal;
  onLog?: (line: string) => void;
}

export interface RunResult {
  health: { healthy: boolean; timeToHealthyMs?: number; detail?: string; turnedUnhealthyAfterMs?: number };
  stayedUp?: boolean;
  exited?: NonNullable<RuntimeFacts["exited"]>;
  restarts: number;
  logTail: string[];
  identity?: Identity;
  stop?: NonNullable<RuntimeFacts["stop"]>;
  peakMemoryBytes?: number;
  changes?: ContainerChange[];
}

/** Time testcontainers may take beyond the startup timeout (ports, create, start). */
const START_SLACK_MS = 15_000;

function forwardLines(stream: Readable, onLog: (line: string) => void): void {
  let partial = "";
  stream.on("data", (chunk: string | Buffer) => {
    const lines = (partial + chunk.toString()).split(/\r?\n/);
    partial = (lines.pop() ?? "").slice(-4096);
    for (const line of lines) onLog(line);
  });
  stream.on("end", () => partial !== "" && onLog(partial));
  stream.on("error", () => undefined);
}

/** Resolves when the container has exited (polled), so an immediate exit does not wait on testcontainers. */
async function exitOf(engine: EngineClient, id: string, signal: AbortSignal): Promise<void> {
  for (;;) {
    await sleep(200, signal);
    const s = await inspectContainer(engine, id);
    if (s.State.Status === "exited" || s.State.Status === "dead") return;
  }
}

/** A promise that never settles: a fresh one each time, so finished races do not pile reactions onto one. */
const never = () => new Promise<never>(() => undefined);

async function startRace(req: RunRequest, started: Promise<unknown>, created: Promise<string>, signal: AbortSignal) {
  // `signal` also aborts when the run ends, after the race has settled: that rejection is the race's to ignore.
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  const outcome = await Promise.race([
    started.then(
      () => ({ kind: "started" as const }),
      (error: unknown) => ({ kind: "failed" as const, error }),
    ),
    created.then((id) => exitOf(req.engine, id, signal)).then(() => ({ kind: "exited" as const }), never),
    sleep(req.plan.startupTimeoutMs + START_SLACK_MS, signal).then(() => ({ kind: "hung" as const }), never),
    aborted,
  ]);
  return outcome;
}

/** After a signal, the error to fail with, once the janitor is done (undefined when no signal came). */
async function interrupted(): Promise<EngineError | undefined> {
  const s = janitor.terminating;
  if (!s) return undefined;
  await janitor.settled();
  return new EngineError(`the runtime probe was interrupted by ${s}; its containers were removed`);
}

/**
 * How long a run that ends early (aborted, failed) waits for a create still in flight to
 * answer, so that the container it makes is removed with the run and not left behind.
 */
const LATE_CREATE_MS = 10_000;
/** How long it then waits for testcontainers' start to give up (its wait strategy sees the abort). */
const START_SETTLE_MS = 5000;

const settles = (p: Promise<unknown>) => p.then(() => undefined, () => undefined);

/**
 * Removes the run's container once testcontainers' start, which may still be creating or
 * starting it, is over: a create that answers after the run ended would otherwise leave a
 * container (and a memory sampler) behind, with nobody left to remove it.
 */
async function removeRunContainer(req: RunRequest, started: Promise<unknown>, created: Promise<string>, id: () => string | undefined): Promise<void> {
  const { engine } = req;
  const limit = new AbortController();
  await Promise.race([settles(started), settles(created), sleep(LATE_CREATE_MS, limit.signal).catch(() => undefined)]);
  limit.abort();
  const cid = id();
  if (cid !== undefined) {
    await engine.removeContainer(cid, { force: true, volumes: true }).catch(() => undefined);
    janitor.untrack(cid);
  } else {
    // the create never answered: find the container, if the engine made one, by the run's labels
    const label = [`${RUN_LABEL}=${req.runId}`, `${PURPOSE_LABEL}=${req.purpose}`];
    const left = await engine.listContainers({ all: true, label }).catch(() => []);
    for (const c of left) await engine.removeContainer(c.Id, { force: true, volumes: true }).catch(() => undefined);
  }
  const wait = new AbortController();
  await Promise.race([settles(started), sleep(START_SETTLE_MS, wait.signal).catch(() => undefined)]);
  wait.abort();
}

/** How long the engine may take to record an OOM kill after it recorded the exit, and how often to look. */
const OOM_SETTLE_MS = 5000;
const OOM_POLL_MS = 100;

/**
 * The engine records an exit and an OOM kill from two events; on cgroup v2 the exit can
 * come first, so a container killed at its memory limit may read `OOMKilled: false` for a
 * moment (300 ms was seen to be too short on a loaded machine). Killed (137) by itself
 * under a memory limit: read the state again until the engine says OOM, for a while.
 * The engine may also never say it: containerd can drop the OOM event when the killed
 * process was the container's only one (its cgroup is gone before the event is read;
 * containerd/containerd#8893). Then the facts say `oomUnconfirmed`, not `oomKilled`.
 */
async function withOomVerdict(engine: EngineClient, id: string, state: ContainerInspect, plan: RunPlan): Promise<ContainerInspect> {
  if (plan.memoryBytes === undefined || state.State.ExitCode !== 137 || state.State.OOMKilled) return state;
  let last = state;
  for (const deadline = Date.now() + OOM_SETTLE_MS; Date.now() < deadline; ) {
    await sleep(OOM_POLL_MS);
    last = await inspectContainer(engine, id).catch(() => last);
    if (last.State.OOMKilled) break;
  }
  return last;
}

export async function runContainer(req: RunRequest): Promise<RunResult> {
  const { engine, plan } = req;
  let id: string | undefined;
  let verdict: HealthVerdict | undefined;
  let onCreated: (id: string) => void = () => undefined;
  const created = new Promise<string>((resolve) => (onCreated = resolve));
  let sampler: MemorySampler | undefined;
  let ended = false;
  const local = new AbortController();
  const signal = AbortSignal.any([req.signal, local.signal]);
  const logConfig = await probeLogConfig(engine);
  const container = new HardenedContainer(req.imageRef, {
    ...(logConfig ? { logConfig } : {}),
    plan,
    readOnly: req.readOnly,
    runId: req.runId,
    purpose: req.purpose,
    engine,
    onCreated: (cid) => {
      id = cid;
      if (ended) return; // created after the run ended: removed below, nothing to watch
      if (req.purpose === "probe") sampler = sampleMemory(engine, cid);
      onCreated(cid);
    },
  }).withWaitStrategy(waitStrategyFor(plan.health, { engine, signal, record: (v) => void (verdict ??= v) }));
  if (req.onLog) {
    const onLog = req.onLog;
    container.withLogConsumer((stream) => forwardLines(stream, onLog));
  }
  // never start what an abort (or a signal) already ended
  signal.throwIfAborted();
  const started = container.start();
  started.catch(() => undefined); // a loser of the start race still settles
  try {
    const outcome = await startRace(req, started, created, signal);
    if (id === undefined) {
      const cause = outcome.kind === "failed" ? outcome.error : undefined;
      throw (await interrupted()) ?? new EngineError(`cannot start a container from '${req.imageRef}': ${(cause as Error | undefined)?.message ?? outcome.kind}`, { cause });
    }
    let state: ContainerInspect;
    try {
      state = await inspectContainer(engine, id);
    } catch (err) {
      throw (await interrupted()) ?? err;
    }
    if (outcome.kind === "failed" && !verdict) {
      const why = state.State.Error || (outcome.error as Error).message;
      verdict = { healthy: false, detail: `did not start: ${why}` };
    }
    if (!verdict) {
      verdict = state.State.Running
        ? { healthy: false, detail: `not healthy after ${plan.startupTimeoutMs / 1000}s` }
        : { healthy: false, detail: `exited with code ${state.State.ExitCode} before it was healthy` };
    }
    const result: RunResult = { health: { healthy: verdict.healthy }, restarts: state.RestartCount, logTail: [] };
    const t0 = startedAtMs(state);
    if (verdict.healthy && verdict.at !== undefined && t0 !== undefined) result.health.timeToHealthyMs = Math.max(0, verdict.at - t0);
    if (verdict.detail) result.health.detail = verdict.detail;

    if (req.purpose === "write-probe") {
      result.changes = await containerChanges(engine, id);
      if (!state.State.Running) result.exited = exitedFacts(state);
      return result;
    }

    if (state.State.Running) {
      const identity = await readIdentity(engine, state);
      if (identity) result.identity = identity;
    }
    if (verdict.healthy && state.State.Running) {
      const up = await watchStayUp(engine, id, plan.stayUpMs, signal);
      result.stayedUp = up.stayedUp;
      if (up.turnedUnhealthyAfterMs !== undefined) result.health.turnedUnhealthyAfterMs = up.turnedUnhealthyAfterMs;
      state = up.state;
      result.restarts = state.RestartCount;
    }
    if (state.State.Running) {
      const stopped = await stopAndMeasure(engine, id, plan.stopSignal, plan.graceSeconds);
      result.stop = stopped.stop;
      state = stopped.state;
    } else {
      // it ended on its own: the probe never asked it to stop
      state = await withOomVerdict(engine, id, state, plan);
      result.exited = exitedFacts(state, plan.memoryBytes !== undefined);
    }
    result.logTail = await containerLogTail(engine, id, 20).catch(() => []);
    const peak = await sampler?.stop();
    if (peak !== undefined) result.peakMemoryBytes = peak;
    return result;
  } catch (err) {
    throw (await interrupted()) ?? err;
  } finally {
    ended = true;
    local.abort();
    await sampler?.stop();
    await removeRunContainer(req, started, created, () => id);
    container.endCreate();
  }
}
