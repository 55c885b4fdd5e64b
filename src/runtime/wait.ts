/**
 * testcontainers wait strategies for the probe. They never throw for an unhealthy
 * container: testcontainers stops and removes a container whose wait strategy throws,
 * and the probe needs that container (exit code, logs, OOM flag) to say why. Instead
 * each records its verdict and returns; only an abort throws.
 *
 * Ports are reached at 127.0.0.1 (where the probe publishes them), not at the host
 * testcontainers resolves, which inside a container is the bridge gateway.
 */
import type { UserRegex } from "../text/user-regex.js";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import type { Readable } from "node:stream";
import type { BoundPorts, WaitStrategy } from "testcontainers";
import type { EngineClient } from "../engine/client.js";
import { followContainerLogs, inspectContainer, type ContainerInspect } from "../engine/containers.js";
import { LogLines } from "./log-lines.js";
import type { HealthPlan } from "./profile.js";
import { sleep } from "./sleep.js";

export const PROBE_HOST = "127.0.0.1";
const POLL_MS = 200;

export interface HealthVerdict {
  healthy: boolean;
  /** Epoch milliseconds when it was seen healthy. */
  at?: number;
  detail?: string;
}

export interface WaitContext {
  engine: EngineClient;
  signal: AbortSignal;
  record(verdict: HealthVerdict): void;
}

/** One HTTP GET; resolves with a reason it is not healthy yet, or true. */
function httpCheck(plan: Extract<HealthPlan, { method: "http" }>, hostPort: number): Promise<true | string> {
  const request = plan.tls ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = request(
      { host: PROBE_HOST, port: hostPort, path: plan.path, method: "GET", timeout: 1000, agent: false, rejectUnauthorized: false },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          if (size < 65536) chunks.push(c);
          size += c.length;
        });
        res.on("error", (err) => resolve(`GET ${plan.path}: ${err.message}`));
        res.on("end", () => {
          if (res.statusCode !== plan.status) return resolve(`GET ${plan.path} answered ${res.statusCode}, expected ${plan.status}`);
          const body = Buffer.concat(chunks).toString("utf8");
          if (plan.body && !plan.body.test(body)) return resolve(`GET ${plan.path} answered ${res.statusCode} but the body does not match /${plan.body.source}/`);
          resolve(true);
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("no answer within 1s")));
    req.on("error", (err) => resolve(`GET ${plan.path}: ${err.message}`));
    req.end();
  });
}

/**
 * Connects and holds the connection briefly: the engine's userland proxy accepts on the
 * host port even when nothing listens in the container, and closes at once then.
 */
function tcpCheck(containerPort: number, hostPort: number): Promise<true | string> {
  return new Promise((resolve) => {
    const socket = connect({ host: PROBE_HOST, port: hostPort });
    const done = (v: true | string) => {
      socket.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done("connect timed out"), 1000);
    socket.once("connect", () => {
      clearTimeout(timer);
      const hold = setTimeout(() => done(true), 300);
      socket.once("close", () => {
        clearTimeout(hold);
        done(`port ${containerPort} accepted then closed: nothing listens in the container`);
      });
    });
    socket.on("data", () => undefined);
    socket.once("error", (err) => {
      clearTimeout(timer);
      done(`port ${containerPort}: ${err.message}`);
    });
  });
}

/** One entry of the engine's health log (its last five checks); End is the engine's clock. */
interface HealthLogEntry {
  ExitCode: number;
  Output: string;
  End?: string;
}

/**
 * When the engine saw the container turn healthy: the end of the first passing check after
 * the last failing one in its health log (the engine's clock, as StartedAt is), so the time
 * to healthy does not include our polling; undefined when the log does not say.
 */
function healthySince(log: readonly HealthLogEntry[]): number | undefined {
  let at: number | undefined;
  for (let i = log.length - 1; i >= 0 && log[i]!.ExitCode === 0; i--) {
    const t = Date.parse(log[i]!.End ?? "");
    if (Number.isFinite(t)) at = t;
  }
  return at;
}

function healthcheckStatus(state: ContainerInspect): true | number | string | { fatal: string } {
  const h = state.State.Health;
  if (!h) return { fatal: "the container has no health check" };
  const log: readonly HealthLogEntry[] = h.Log ?? [];
  if (h.Status === "healthy") return healthySince(log) ?? true;
  const lastEntry = log.at(-1);
  const last = lastEntry?.Output?.trim();
  if (h.Status === "unhealthy") return { fatal: `health check unhealthy${last ? `: ${last.slice(0, 200)}` : ""}` };
  // still starting: failures inside the start period do not count, so say what the last one was
  const why = lastEntry ? `; its last run exited ${lastEntry.ExitCode}${last ? `: ${last.slice(0, 200)}` : ""}` : "";
  return `health check ${h.Status}${why}`;
}

type Container = Parameters<WaitStrategy["waitUntilReady"]>[0];

/** The startup-timeout bookkeeping every WaitStrategy carries (testcontainers does not export its base class). */
abstract class ProbeWait implements WaitStrategy {
  protected startupTimeoutMs = 60_000;
  #set = false;

  withStartupTimeout(startupTimeoutMs: number): this {
    this.startupTimeoutMs = startupTimeoutMs;
    this.#set = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.#set;
  }

  getStartupTimeout(): number {
    return this.startupTimeoutMs;
  }

  abstract waitUntilReady(container: Container, boundPorts: BoundPorts, startTime?: Date): Promise<void>;
}

/** Polls the plan's check until healthy, exited, or the startup timeout. */
class PollingWait extends ProbeWait {
  constructor(
    private readonly plan: Exclude<HealthPlan, { method: "log" }>,
    private readonly ctx: WaitContext,
  ) {
    super();
  }

  /** true or the epoch milliseconds it was healthy since: healthy; a string: not yet, why; fatal: never will be. */
  private async check(state: ContainerInspect, ports: BoundPorts): Promise<true | number | string | { fatal: string }> {
    switch (this.plan.method) {
      case "http":
        return httpCheck(this.plan, ports.getBinding(this.plan.port));
      case "tcp":
        for (const p of this.plan.ports) {
          const r = await tcpCheck(p, ports.getBinding(p));
          if (r !== true) return r;
        }
        return true;
      case "healthcheck":
        return healthcheckStatus(state);
      case "running": {
        // Running, and for long enough that an immediate exit would have been seen.
        const up = Date.now() - Date.parse(state.State.StartedAt);
        return up >= Math.min(1000, this.startupTimeoutMs) ? true : "just started";
      }
    }
  }

  override async waitUntilReady(container: Container, boundPorts: BoundPorts): Promise<void> {
    const deadline = Date.now() + this.startupTimeoutMs;
    let last = "not checked";
    for (;;) {
      this.ctx.signal.throwIfAborted();
      const state = await inspectContainer(this.ctx.engine, container.id);
      if (!state.State.Running) {
        return this.ctx.record({ healthy: false, detail: `exited with code ${state.State.ExitCode} before it was healthy` });
      }
      const r = await this.check(state, boundPorts);
      if (r === true || typeof r === "number") return this.ctx.record({ healthy: true, at: r === true ? Date.now() : r });
      if (typeof r === "object") return this.ctx.record({ healthy: false, detail: r.fatal });
      last = r;
      if (Date.now() >= deadline) {
        return this.ctx.record({ healthy: false, detail: `not healthy after ${this.startupTimeoutMs / 1000}s: ${last}` });
      }
      await sleep(POLL_MS, this.ctx.signal);
    }
  }
}

/** How long the engine may send no log bytes before the follow is given up, beyond the startup timeout. */
const LOG_IDLE_SLACK_MS = 5000;

/**
 * Waits for a log line the pattern matches, reading the container's logs through our own
 * bounded follow (LogLines: at most 64 KiB of a line is held, a longer line is matched on
 * its first 64 KiB), not testcontainers' log wait, which keeps a whole line however long
 * it grows and goes on reading after its timeout. The follow is destroyed as soon as the
 * wait ends: matched, timed out, the container gone, or aborted.
 */
class LogWait extends ProbeWait {
  constructor(
    private readonly pattern: UserRegex,
    private readonly ctx: WaitContext,
  ) {
    super();
  }

  override async waitUntilReady(container: Container): Promise<void> {
    const { signal } = this.ctx;
    signal.throwIfAborted();
    const timeoutMs = this.startupTimeoutMs;
    let stream: Readable | undefined;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let onAbort = () => undefined as void;
    try {
      const outcome = await new Promise<HealthVerdict>((resolve, reject) => {
        onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        timer = setTimeout(() => resolve({ healthy: false, detail: `no log line matched /${this.pattern.source}/ within ${timeoutMs / 1000}s` }), timeoutMs);
        const lines = new LogLines((line) => {
          if (this.pattern.test(line)) resolve({ healthy: true, at: Date.now() });
        });
        const failed = (err: unknown) => resolve({ healthy: false, detail: `reading its logs failed: ${(err as Error).message}` });
        // The engine also ends a follow while the container runs: json-file with
        // max-file=1 truncates the log at max-size, and the follower stops there. Only
        // a container that is no longer running has ended its output; else follow again
        // (from the current log on: a line read twice is matched twice, harmlessly).
        const ended = async () => {
          const state = await inspectContainer(this.ctx.engine, container.id);
          if (done) return;
          if (state.State.Running) {
            await sleep(50);
            if (!done) follow();
            return;
          }
          lines.end();
          resolve({ healthy: false, detail: `the container's output ended (it exited) and no line matched /${this.pattern.source}/` });
        };
        const follow = () =>
          followContainerLogs(this.ctx.engine, container.id, timeoutMs + LOG_IDLE_SLACK_MS).then((s) => {
            stream = s;
            if (done) s.destroy(); // the wait ended while the engine answered
            s.on("data", (chunk: Buffer) => lines.push(chunk));
            s.on("end", () => void ended().catch(failed));
            s.on("error", failed);
          }, failed);
        follow();
      });
      this.ctx.record(outcome);
    } finally {
      done = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      stream?.destroy();
    }
  }
}

export function waitStrategyFor(plan: HealthPlan, ctx: WaitContext): WaitStrategy {
  return plan.method === "log" ? new LogWait(plan.pattern, ctx) : new PollingWait(plan, ctx);
}
