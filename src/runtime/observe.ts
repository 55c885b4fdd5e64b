/**
 * What the probe watches once a container has started: whether it stays up, how it
 * stops when asked, and how it ended when it ended on its own.
 */
import type { EngineClient } from "../engine/client.js";
import { inspectContainer, stopContainer, type ContainerInspect } from "../engine/containers.js";
import type { RuntimeFacts } from "./runtime-types.js";
import { sleep } from "./sleep.js";

const POLL_MS = 250;
/** SIGKILL's exit status as the engine reports it (128 + 9). */
const KILLED_EXIT = 137;

/** Milliseconds since the engine started the container, or undefined when it never started. */
export function startedAtMs(state: ContainerInspect): number | undefined {
  const t = Date.parse(state.State.StartedAt);
  return Number.isFinite(t) && t > 0 ? t : undefined;
}

export interface StayUpResult {
  stayedUp: boolean;
  state: ContainerInspect;
  /** Set when a HEALTHCHECK that had passed turned unhealthy. */
  turnedUnhealthyAfterMs?: number;
}

/**
 * Polls inspect for `ms`: the container must keep running, not restart, and (when the
 * image has a HEALTHCHECK, whatever judged health at start) not turn unhealthy.
 */
export async function watchStayUp(engine: EngineClient, id: string, ms: number, signal: AbortSignal): Promise<StayUpResult> {
  const first = await inspectContainer(engine, id);
  const restarts = first.RestartCount;
  const started = startedAtMs(first) ?? Date.now();
  const until = Date.now() + ms;
  let state = first;
  for (;;) {
    if (!state.State.Running || state.State.Restarting || state.RestartCount > restarts) return { stayedUp: false, state };
    if (state.State.Health?.Status === "unhealthy") {
      return { stayedUp: false, state, turnedUnhealthyAfterMs: Date.now() - started };
    }
    if (Date.now() >= until) return { stayedUp: true, state };
    await sleep(Math.min(POLL_MS, Math.max(0, until - Date.now())), signal);
    state = await inspectContainer(engine, id);
  }
}

/**
 * How a container that ended on its own ended. `memoryLimited`: it ran under a memory
 * limit and nobody asked it to stop, so an unexplained SIGKILL (137) is recorded as a kill
 * under that limit whose OOM cause the engine did not confirm, not as a known OOM kill.
 */
export function exitedFacts(state: ContainerInspect, memoryLimited = false): NonNullable<RuntimeFacts["exited"]> {
  const started = startedAtMs(state);
  const finished = Date.parse(state.State.FinishedAt);
  const exited: NonNullable<RuntimeFacts["exited"]> = {
    exitCode: state.State.ExitCode,
    afterMs: started !== undefined && Number.isFinite(finished) && finished >= started ? finished - started : 0,
  };
  if (state.State.OOMKilled) exited.oomKilled = true;
  else if (memoryLimited && state.State.ExitCode === KILLED_EXIT) exited.oomUnconfirmed = true;
  return exited;
}

export interface StopResult {
  stop: NonNullable<RuntimeFacts["stop"]>;
  state: ContainerInspect;
}

/**
 * Asks the engine to stop the container: it sends the StopSignal the probe set at create
 * time, waits `graceSeconds`, then SIGKILL. Killed means the deadline passed and the
 * status is SIGKILL's.
 */
export async function stopAndMeasure(
  engine: EngineClient,
  id: string,
  stopSignal: string,
  graceSeconds: number,
): Promise<StopResult> {
  const t0 = performance.now();
  await stopContainer(engine, id, graceSeconds);
  const timeToStopMs = Math.round(performance.now() - t0);
  const state = await inspectContainer(engine, id);
  const killed = stopSignal !== "SIGKILL" && state.State.ExitCode === KILLED_EXIT && timeToStopMs >= graceSeconds * 1000;
  return { stop: { signal: stopSignal, exitCode: state.State.ExitCode, timeToStopMs, killed }, state };
}
