/**
 * The container calls of the Engine API the runtime probe makes (create, start, inspect,
 * logs, stats, changes, archive, stop, kill), through the one EngineClient: its engine,
 * API version and timeouts, with every body bounded. (Containers the probe runs as a
 * service are started by testcontainers; see src/runtime/testcontainers-engine.ts.)
 */
import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { EngineError } from "../errors.js";
import type { EngineClient } from "./client.js";
import { engineStream, errorMessage, pathName, readBody, readJson, type QueryValue } from "./transport.js";

export interface ContainerState {
  Status: string;
  Running: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  Health?: { Status: string; FailingStreak?: number; Log?: { ExitCode: number; Output: string }[] };
}

export interface ContainerInspect {
  Id: string;
  State: ContainerState;
  RestartCount: number;
  Config: { Labels?: Record<string, string> | null; StopSignal?: string };
  NetworkSettings?: { Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> };
}

/** One entry of GET /containers/{id}/changes: Kind 0 changed, 1 added, 2 deleted. */
export interface ContainerChange {
  Path: string;
  Kind: 0 | 1 | 2;
}

export interface MemoryStats {
  usage?: number;
  max_usage?: number;
  limit?: number;
}

type Method = "GET" | "POST";

function call(
  engine: EngineClient,
  method: Method,
  path: string,
  action: string,
  query?: Record<string, QueryValue>,
  timeoutMs?: number,
  json?: unknown,
): Promise<IncomingMessage> {
  const body = json === undefined ? {} : { body: Buffer.from(JSON.stringify(json)), contentType: "application/json" };
  return engine.request(method, path, { action, ...(query ? { query } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...body });
}

/** Throws a NotFound-flavoured EngineError for 404, another EngineError for other failures. */
async function ok(res: IncomingMessage, action: string, accept: number[] = []): Promise<IncomingMessage> {
  const status = res.statusCode ?? 0;
  if ((status >= 200 && status < 300) || accept.includes(status)) return res;
  const message = await errorMessage(res, action);
  throw new EngineError(`cannot ${action}: ${message}`, { cause: { status } });
}

/** Whether an error from these calls is the engine's 404 (no such container, no such file). */
export function isNotFound(err: unknown): boolean {
  return err instanceof EngineError && (err.cause as { status?: number } | undefined)?.status === 404;
}

const c = (id: string) => `/containers/${pathName(id)}`;

export async function inspectContainer(engine: EngineClient, id: string): Promise<ContainerInspect> {
  const action = `inspect container ${id.slice(0, 12)}`;
  return readJson<ContainerInspect>(await ok(await call(engine, "GET", `${c(id)}/json`, action), action), action);
}

/** The last `tail` lines of stdout and stderr, demultiplexed (the probe never allocates a TTY). */
export async function containerLogTail(engine: EngineClient, id: string, tail = 20): Promise<string[]> {
  const action = `read the logs of container ${id.slice(0, 12)}`;
  const res = await ok(await call(engine, "GET", `${c(id)}/logs`, action, { stdout: true, stderr: true, tail: String(tail) }), action);
  const body = await readBody(res, action, 4 * 1024 * 1024);
  return splitLines(demultiplex(body)).slice(-tail);
}

/**
 * The container's stdout and stderr as the engine sends them (multiplexed frames: see
 * LogLines), following until the container ends or the caller destroys the stream.
 * `idleMs` is how long the engine may send nothing (a quiet container is not an error
 * before the caller's own deadline).
 */
export async function followContainerLogs(engine: EngineClient, id: string, idleMs: number): Promise<Readable> {
  const action = `follow the logs of container ${id.slice(0, 12)}`;
  const res = await ok(await call(engine, "GET", `${c(id)}/logs`, action, { follow: true, stdout: true, stderr: true }, idleMs), action);
  return engineStream(res, action);
}

/**
 * The engine's default logging driver (`docker info`'s LoggingDriver), which a container
 * gets unless it names one: undefined when the engine does not say.
 */
export async function defaultLoggingDriver(engine: EngineClient): Promise<string | undefined> {
  const action = "ask the Docker engine its logging driver";
  const info = await readJson<{ LoggingDriver?: unknown }>(await ok(await call(engine, "GET", "/info", action), action), action);
  return typeof info.LoggingDriver === "string" ? info.LoggingDriver : undefined;
}

/** Strips the 8-byte frame headers of a non-TTY log stream; a body without them is returned as is. */
export function demultiplex(body: Buffer): string {
  const parts: Buffer[] = [];
  let off = 0;
  while (off + 8 <= body.length) {
    const stream = body[off];
    if ((stream !== 0 && stream !== 1 && stream !== 2) || body[off + 1] !== 0 || body[off + 2] !== 0 || body[off + 3] !== 0) {
      return body.toString("utf8"); // not multiplexed
    }
    const size = body.readUInt32BE(off + 4);
    parts.push(body.subarray(off + 8, off + 8 + size));
    off += 8 + size;
  }
  return Buffer.concat(parts).toString("utf8");
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  return lines.map((l) => (l.length > 500 ? `${l.slice(0, 499)}…` : l));
}

/** POST /containers/create of `config` (the API's container config); the new container's id. Never pulls. */
export async function createContainer(engine: EngineClient, config: unknown, action: string): Promise<string> {
  const res = await ok(await call(engine, "POST", "/containers/create", action, undefined, undefined, config), action);
  return (await readJson<{ Id: string }>(res, action)).Id;
}

export async function startContainer(engine: EngineClient, id: string, action = `start container ${id.slice(0, 12)}`): Promise<void> {
  (await ok(await call(engine, "POST", `${c(id)}/start`, action), action)).resume();
}

/** The whole output of a stopped container as the engine sends it (multiplexed frames), at most `limit` bytes. */
export async function containerOutput(engine: EngineClient, id: string, limit: number, action = `read the output of container ${id.slice(0, 12)}`): Promise<Buffer> {
  const res = await ok(await call(engine, "GET", `${c(id)}/logs`, action, { stdout: true, stderr: true }), action);
  return readBody(res, action, limit);
}

/** One stats sample without waiting for a second CPU reading (one-shot, API ≥ 1.41). */
export async function memoryStats(engine: EngineClient, id: string): Promise<MemoryStats | undefined> {
  const action = `read the stats of container ${id.slice(0, 12)}`;
  const res = await ok(await call(engine, "GET", `${c(id)}/stats`, action, { stream: false, "one-shot": true }), action);
  const stats = await readJson<{ memory_stats?: MemoryStats }>(res, action);
  return stats.memory_stats;
}

export async function containerChanges(engine: EngineClient, id: string): Promise<ContainerChange[]> {
  const action = `list the changes of container ${id.slice(0, 12)}`;
  const res = await ok(await call(engine, "GET", `${c(id)}/changes`, action), action);
  return (await readJson<ContainerChange[] | null>(res, action)) ?? [];
}

/** A tar of one path in the container (GET /containers/{id}/archive), bounded. */
export async function containerArchive(engine: EngineClient, id: string, path: string, limit = 1 << 20): Promise<Buffer> {
  const action = `copy ${path} out of container ${id.slice(0, 12)}`;
  const res = await ok(await call(engine, "GET", `${c(id)}/archive`, action, { path }), action);
  return readBody(res, action, limit);
}

/**
 * POST /containers/{id}/stop: the engine sends the container's StopSignal, waits
 * `graceSeconds`, then SIGKILL. An already stopped container (304) is fine.
 */
export async function stopContainer(engine: EngineClient, id: string, graceSeconds: number): Promise<void> {
  const action = `stop container ${id.slice(0, 12)}`;
  const res = await call(engine, "POST", `${c(id)}/stop`, action, { t: String(graceSeconds) }, engine.timeoutMs + graceSeconds * 1000);
  (await ok(res, action, [304])).resume();
}

export async function killContainer(engine: EngineClient, id: string, signal = "SIGKILL"): Promise<void> {
  const action = `kill container ${id.slice(0, 12)}`;
  const res = await call(engine, "POST", `${c(id)}/kill`, action, { signal });
  (await ok(res, action, [409])).resume(); // 409: not running
}
