/**
 * One HTTP exchange with a registry or token server over node:http(s): kept-alive
 * agents, extra CA certificates, proxies (CONNECT tunnels for HTTPS), a connect
 * timeout, an idle timeout while waiting for the answer and for body chunks, and a
 * deadline for a whole answer (its headers always; the body too for the small
 * answers read whole: manifests, configs, tokens, error bodies).
 * No retries, redirects or auth here (see client.ts and auth.ts).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from "node:https";
import { createSecureContext, rootCertificates, type SecureContext } from "node:tls";
import { proxyAuthorization, proxyFor, TunnelAgent, type Env } from "./proxy.js";

export interface TransportOptions {
  /** Extra trusted CA certificates (PEM texts), added to Node's bundled roots. */
  caCerts?: string[];
  /** Hosts ("host[:port]") whose TLS certificates are not verified (--insecure-registry). */
  skipVerify?: (host: string) => boolean;
  env?: Env;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** The longest a whole small answer (headers and body) may take (default 60 s). */
  requestTimeoutMs?: number;
  userAgent?: string;
}

export interface HttpRequest {
  url: URL;
  method?: "GET" | "HEAD" | "POST";
  headers?: Record<string, string>;
  body?: Buffer;
  /** When the answer's headers must be in (ms since the epoch); default: now + the request timeout. */
  deadline?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export function timeoutError(message: string): Error {
  return Object.assign(new Error(message), { code: "ETIMEDOUT" });
}

export function seconds(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000}s` : `${ms} ms`;
}

export class Transport {
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly #opts: TransportOptions;
  readonly #env: Env;
  /**
   * Node's roots plus the extra CAs, parsed once, at the first HTTPS request: a `ca` list per
   * request would be parsed again for every connection, and a plain-HTTP registry needs none
   * (parsing the roots took 92 ms of a pull from 127.0.0.1).
   */
  #secureContext: SecureContext | undefined;
  readonly #http = new HttpAgent({ keepAlive: true, maxSockets: 16 });
  readonly #https = new HttpsAgent({ keepAlive: true, maxSockets: 16 });
  readonly #tunnels = new Map<string, TunnelAgent>();

  constructor(opts: TransportOptions = {}) {
    this.#opts = opts;
    this.#env = opts.env ?? process.env;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  #extraCas(): SecureContext | undefined {
    const extra = this.#opts.caCerts;
    if (extra === undefined || extra.length === 0) return undefined;
    return (this.#secureContext ??= createSecureContext({ ca: [...rootCertificates, ...extra] }));
  }

  #tunnel(proxy: URL): TunnelAgent {
    let agent = this.#tunnels.get(proxy.href);
    if (!agent) {
      agent = new TunnelAgent(proxy, { keepAlive: true, maxSockets: 16, connectTimeoutMs: this.connectTimeoutMs });
      this.#tunnels.set(proxy.href, agent);
    }
    return agent;
  }

  /** Sends one request; resolves with the response, whatever its status, once its headers arrive. */
  send(req: HttpRequest): Promise<IncomingMessage> {
    const { url } = req;
    const https = url.protocol === "https:";
    const proxy = proxyFor(url, this.#env);
    const headers: OutgoingHttpHeaders = { "User-Agent": this.#opts.userAgent ?? "imgpolicy", ...(req.headers ?? {}) };
    if (req.body) headers["Content-Length"] = req.body.length;
    const hostname = url.hostname.replace(/^\[|\]$/g, "");
    const port = Number(url.port || (https ? 443 : 80));
    let options: RequestOptions;
    if (https) {
      const secureContext = this.#extraCas();
      options = {
        host: hostname,
        port,
        path: url.pathname + url.search,
        agent: proxy ? this.#tunnel(proxy) : this.#https,
        rejectUnauthorized: !(this.#opts.skipVerify?.(url.host) ?? false),
        ...(secureContext ? ({ secureContext } as RequestOptions) : {}),
      };
    } else if (proxy) {
      // plain HTTP through a proxy: the absolute URL goes to the proxy
      const auth = proxyAuthorization(proxy);
      if (auth) headers["Proxy-Authorization"] = auth;
      headers.Host = url.host;
      options = { host: proxy.hostname, port: Number(proxy.port || 80), path: url.href, agent: this.#http };
    } else {
      options = { host: hostname, port, path: url.pathname + url.search, agent: this.#http };
    }
    options.method = req.method ?? "GET";
    options.headers = headers;

    const deadline = req.deadline ?? Date.now() + this.requestTimeoutMs;
    return new Promise<IncomingMessage>((resolve, reject) => {
      let settled = false;
      const r = (https ? httpsRequest : httpRequest)(options);
      const connectTimer = setTimeout(() => {
        r.destroy(timeoutError(`could not connect within ${seconds(this.connectTimeoutMs)}`));
      }, this.connectTimeoutMs);
      // headers trickled a byte at a time never leave the socket idle: the deadline ends them
      const deadlineTimer = setTimeout(() => {
        r.destroy(timeoutError(`no complete answer within ${seconds(this.requestTimeoutMs)}`));
      }, Math.max(0, deadline - Date.now()));
      const connected = () => {
        clearTimeout(connectTimer);
        r.setTimeout(this.idleTimeoutMs, () =>
          r.destroy(Object.assign(timeoutError(`no answer within ${seconds(this.idleTimeoutMs)}`), { retryable: true })),
        );
      };
      r.once("socket", (socket) => {
        // a kept-alive socket is connected already; a new one is once TCP (and TLS) are up
        if (r.reusedSocket) connected();
        else socket.once(https ? "secureConnect" : "connect", connected);
      });
      r.on("error", (err) => {
        clearTimeout(connectTimer);
        clearTimeout(deadlineTimer);
        if (settled) return;
        settled = true;
        reject(err);
      });
      r.once("response", (res) => {
        clearTimeout(connectTimer);
        clearTimeout(deadlineTimer);
        r.setTimeout(0);
        settled = true;
        resolve(res);
      });
      r.end(req.body);
    });
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.#http.destroy();
    this.#https.destroy();
    for (const agent of this.#tunnels.values()) agent.destroy();
  }
}

/**
 * Below this many bytes a second over a whole idle period, a body is given up (as curl's
 * --speed-limit): a server sending a byte now and then never trips the idle timer, and
 * would hold a download open for ever.
 */
export const LOW_SPEED_BYTES_PER_S = 1024;

/**
 * The chunks of a response body; fails (retryable) when nothing arrives for `idleMs`
 * while a chunk is awaited, and (not retryable) when fewer than LOW_SPEED_BYTES_PER_S a
 * second came while chunks were awaited for `idleMs` in all (time the consumer spends
 * between chunks counts for neither).
 */
export async function* bodyChunks(res: IncomingMessage, idleMs: number): AsyncGenerator<Buffer> {
  const it = res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let waited = 0;
  let bytes = 0;
  try {
    for (;;) {
      const asked = Date.now();
      const timer = setTimeout(
        () => res.destroy(Object.assign(timeoutError(`the registry sent nothing for ${seconds(idleMs)}`), { retryable: true })),
        idleMs,
      );
      let step: IteratorResult<Buffer>;
      try {
        step = await it.next();
      } finally {
        clearTimeout(timer);
      }
      if (step.done) return;
      bytes += step.value.length;
      waited += Date.now() - asked;
      if (waited >= idleMs) {
        // (judged as a rate: a window that ran past idleMs, waiting for a late chunk, must not lower the bar)
        if (bytes * 1000 < waited * LOW_SPEED_BYTES_PER_S) {
          throw Object.assign(timeoutError(`the registry sent ${bytes} bytes in ${seconds(waited)}, slower than ${LOW_SPEED_BYTES_PER_S} bytes a second`), { retryable: false });
        }
        waited = bytes = 0;
      }
      yield step.value;
    }
  } finally {
    if (!res.complete) res.destroy();
  }
}

/** Why a whole-body read stopped short: too big, or too slow. */
export class BodyLimitError extends Error {
  constructor(
    message: string,
    readonly reason: "size" | "deadline",
    /** Bytes received before it stopped. */
    readonly received: number,
  ) {
    super(message);
    this.name = "BodyLimitError";
  }
}

export interface WholeBodyOptions {
  /** Most bytes accepted; one more fails at once (as does a Content-Length over it). */
  limit: number;
  /** No chunk for this long fails (retryable, as a stalled connection is). */
  idleMs: number;
  /** The whole body must be in by then (ms since the epoch); after it, the read fails. */
  deadline: number;
}

/**
 * A small answer's body, whole: bounded in size (a declared or a received length over
 * `limit` fails) and in time (idle, and an overall deadline), so that neither a huge
 * nor a trickled answer is waited for or held. The response is destroyed on failure.
 */
export async function readWhole(res: IncomingMessage, o: WholeBodyOptions): Promise<Buffer> {
  const declared = Number(res.headers["content-length"]);
  if (declared > o.limit) {
    res.destroy();
    throw new BodyLimitError(`the answer is ${declared} bytes, more than the ${o.limit} allowed`, "size", 0);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    res.destroy();
  }, Math.max(0, o.deadline - Date.now()));
  try {
    for await (const chunk of bodyChunks(res, o.idleMs)) {
      size += chunk.length;
      if (size > o.limit) throw new BodyLimitError(`the answer is more than the ${o.limit} bytes allowed`, "size", size);
      chunks.push(chunk);
    }
    if (late) throw new Error("cut at the deadline");
    return Buffer.concat(chunks);
  } catch (err) {
    if (late) throw new BodyLimitError(`the answer was still incomplete at the deadline (${size} bytes in)`, "deadline", size);
    throw err;
  } finally {
    clearTimeout(timer);
    if (!res.complete) res.destroy();
  }
}
