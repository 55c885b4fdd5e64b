/**
 * One HTTP exchange with the Docker engine over node:http, or node:https with the
 * endpoint's TLS settings: a connect deadline (TCP and TLS handshake) and an idle
 * timeout, connection and TLS failures turned into one-line EngineErrors naming the
 * endpoint and the cause, bodies read as JSON or streamed on.
 */
import { request, type IncomingMessage } from "node:http";
import { request as tlsRequest } from "node:https";
import { isIP } from "node:net";
import { PassThrough, type Readable } from "node:stream";
import { EngineError, causeText } from "../errors.js";
import type { EngineEndpoint } from "./address.js";
import { connectCause, isTlsFailure } from "./failures.js";
import { oneLine } from "./one-line.js";

export type QueryValue = string | string[] | number | boolean | undefined;

export interface EngineRequest {
  method: "GET" | "POST" | "DELETE" | "HEAD";
  /** Path, already prefixed with the API version where needed. */
  path: string;
  query?: Record<string, QueryValue>;
  body?: Buffer | Readable;
  contentType?: string;
  /** Idle timeout: connecting, waiting for the answer, and any pause in the body. */
  timeoutMs: number;
  /** Deadline for the connection (TCP and the TLS handshake; default 15 s, at most timeoutMs). */
  connectTimeoutMs?: number;
  /** What we were doing, for messages: "inspect image 'x'". */
  action: string;
}

/** Most of an error body we read before giving up on it. */
const ERROR_BODY_LIMIT = 64 * 1024;

export function withQuery(path: string, query: Record<string, QueryValue> | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, item);
    else params.append(key, typeof value === "boolean" ? (value ? "1" : "0") : String(value));
  }
  const text = params.toString();
  return text === "" ? path : `${path}?${text}`;
}

/** A path segment for an image or container name: escaped, but keeping "/" readable. */
export function pathName(name: string): string {
  return encodeURIComponent(name).replace(/%2F/gi, "/").replace(/%3A/gi, ":").replace(/%40/g, "@");
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

/** How long a connection may take to be made (TCP, then the TLS handshake) unless told otherwise. */
export const CONNECT_TIMEOUT_MS = 15_000;

export function unreachable(endpoint: EngineEndpoint, err: unknown): EngineError {
  const { cause, hint } = connectCause(endpoint, err);
  return new EngineError(`cannot reach the Docker engine at ${endpoint.display}: ${cause} (${hint})`, { cause: err, unreachable: true });
}

/** The engine closed the connection before answering a request that sent it nothing. */
function isClosedEarly(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ECONNRESET" || code === "EPIPE";
}

/** Sends one request; resolves with the response whatever its status. */
export function send(endpoint: EngineEndpoint, req: EngineRequest): Promise<IncomingMessage> {
  const headers: Record<string, string | number> = { Accept: "application/json" };
  if (req.contentType) headers["Content-Type"] = req.contentType;
  if (Buffer.isBuffer(req.body)) headers["Content-Length"] = req.body.length;
  const target =
    endpoint.kind === "unix" ? { socketPath: endpoint.socketPath } : { host: endpoint.host, port: endpoint.port };
  const tls = endpoint.kind === "tcp" ? endpoint.tls : undefined;
  const tlsOptions = tls
    ? {
        secureContext: tls.secureContext,
        rejectUnauthorized: tls.verify,
        ...(endpoint.kind === "tcp" && isIP(endpoint.host) === 0 ? { servername: endpoint.host } : {}),
      }
    : {};
  const connectMs = Math.min(req.connectTimeoutMs ?? CONNECT_TIMEOUT_MS, req.timeoutMs);

  return new Promise<IncomingMessage>((resolve, reject) => {
    let connected = false;
    let response: IncomingMessage | undefined;
    let settled = false;
    const fail = (err: Error) => {
      clearTimeout(deadline);
      if (settled) return;
      settled = true;
      reject(err);
    };
    const r = (tls ? tlsRequest : request)({
      ...target,
      ...tlsOptions,
      method: req.method,
      path: withQuery(req.path, req.query),
      headers,
      agent: false,
      timeout: req.timeoutMs,
    });
    // the connection (and its TLS handshake) has its own deadline, whatever the idle timeout
    const deadline = setTimeout(() => {
      r.destroy(unreachable(endpoint, new Error(`no connection within ${seconds(connectMs)}${tls ? " (TCP and TLS handshake)" : ""}`)));
    }, connectMs);
    r.on("close", () => clearTimeout(deadline));
    r.on("socket", (socket) => {
      const made = () => {
        connected = true;
        clearTimeout(deadline);
      };
      if (tls) socket.once("secureConnect", made);
      else if (!socket.connecting) made();
      else socket.once("connect", made);
    });
    r.on("timeout", () => {
      const err = !connected
        ? unreachable(endpoint, new Error(`no answer within ${seconds(req.timeoutMs)}`))
        : new EngineError(
            response
              ? `cannot ${req.action}: the Docker engine at ${endpoint.display} sent nothing for ${seconds(req.timeoutMs)}`
              : `cannot ${req.action}: the Docker engine at ${endpoint.display} did not answer within ${seconds(req.timeoutMs)}`,
          );
      if (response) response.destroy(err);
      r.destroy(err);
    });
    r.on("error", (err) => {
      if (response) return; // the response stream reports its own failure
      if (err instanceof EngineError) fail(err);
      // a TLS failure can come after the handshake: with TLS 1.3 the engine refuses a client certificate then
      else if (!connected || isTlsFailure(err) || (req.body === undefined && isClosedEarly(err))) fail(unreachable(endpoint, err));
      else fail(new EngineError(`cannot ${req.action}: the connection to the Docker engine broke: ${causeText(err)}`, { cause: err }));
    });
    r.on("response", (res) => {
      clearTimeout(deadline);
      response = res;
      if (settled) {
        res.destroy();
        return;
      }
      settled = true;
      resolve(res);
    });

    const body = req.body;
    if (body === undefined) r.end();
    else if (Buffer.isBuffer(body)) r.end(body);
    else {
      body.on("error", (err) => {
        const wrapped = new EngineError(`cannot ${req.action}: reading the data to send failed: ${causeText(err)}`, {
          cause: err,
        });
        fail(wrapped);
        r.destroy(wrapped);
      });
      body.pipe(r);
    }
  });
}

/** Wraps a response body so its failures are EngineErrors naming the action; consumers may destroy it early. */
export function engineStream(res: IncomingMessage, action: string): Readable {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  res.on("error", (err) => {
    out.destroy(
      err instanceof EngineError
        ? err
        : new EngineError(`cannot ${action}: the connection to the Docker engine broke: ${causeText(err)}`, { cause: err }),
    );
  });
  out.on("close", () => {
    if (!res.complete) res.destroy();
  });
  res.pipe(out);
  return out;
}

/** Reads a whole body, refusing more than `limit` bytes. */
export async function readBody(res: IncomingMessage, action: string, limit = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of engineStream(res, action)) {
    total += (chunk as Buffer).length;
    if (total > limit) throw new EngineError(`cannot ${action}: the Docker engine's answer exceeds ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJson<T>(res: IncomingMessage, action: string): Promise<T> {
  const text = (await readBody(res, action)).toString("utf8");
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new EngineError(`cannot ${action}: the Docker engine's answer is not JSON`);
  }
}

/** The engine's message for a failed request: the `message` of its JSON body, or the status. */
export async function errorMessage(res: IncomingMessage, action: string): Promise<string> {
  let text = "";
  try {
    text = (await readBody(res, action, ERROR_BODY_LIMIT)).toString("utf8").trim();
  } catch {
    // An unreadable error body still has a status line.
  }
  if (text !== "") {
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === "string" && parsed.message.trim() !== "") return oneLine(parsed.message);
    } catch {
      return oneLine(text);
    }
  }
  return `HTTP ${res.statusCode} ${res.statusMessage ?? ""}`.trim();
}

/** Throws an EngineError naming the action when the status is not 2xx. */
export async function expectOk(res: IncomingMessage, action: string): Promise<void> {
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) return;
  throw new EngineError(`cannot ${action}: ${await errorMessage(res, action)}`);
}
