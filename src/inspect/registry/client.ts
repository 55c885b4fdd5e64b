/**
 * The registry API for one repository (OCI distribution spec): the /v2/ ping that
 * settles HTTPS or plain HTTP and learns the auth challenge, then GETs of
 * manifests and blobs with auth, redirects, and retries of 429, 5xx and dropped
 * connections. Every failure becomes one RegistryError line.
 *
 * Credentials (Basic, or a token got with them) go only to the registry's own
 * scheme, host and port; a request the registry redirects elsewhere (a storage
 * backend, a CDN) carries none, and a 401 from there is an error, not a challenge to
 * answer: only the registry's own challenges name where tokens come from (as the
 * docker client does; containerd's CVE-2020-15157 was the other way).
 */
import type { IncomingMessage } from "node:http";
import { parseChallenges } from "./challenge.js";
import { Authenticator } from "./auth.js";
import type { Credentials } from "./docker-config.js";
import { answerOf, BODY_WAIT_MS, connectionCause, describeAnswer, redactorOf, registryError, readBody, type RegistryContext } from "./error-body.js";
import { SentSecrets } from "./sent-secrets.js";
import { apiHost } from "./reference.js";
import { RetryBudget, parseRetryAfter, retryableError, retryableStatus, type RetryOptions } from "./retry.js";
import { BodyLimitError, readWhole, seconds, type Transport } from "./transport.js";

export interface ClientOptions {
  transport: Transport;
  /** Plain HTTP may be used (loopback hosts, --insecure-registry). */
  allowHttp: boolean;
  /** Whether credentials may go to a token server at this "host[:port]" in plain HTTP (default: a loopback one). */
  httpAllowed?: (host: string) => boolean;
  credentials: () => Promise<Credentials | undefined>;
  retry?: RetryOptions;
}

export interface FetchOptions {
  /** For messages: "tag 1.4.2", "blob sha256:…". */
  what: string;
  accept?: string;
  headers?: Record<string, string>;
  /** Shared by the attempts of one download. */
  budget?: RetryBudget;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

function isCertProblem(err: unknown): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS/i.test((err as NodeJS.ErrnoException)?.code ?? "");
}

/** An HTTPS attempt that met a server speaking something else (plain HTTP). */
function isTlsMismatch(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | undefined;
  return e?.code === "EPROTO" || /wrong version number|packet length too long|unknown protocol/i.test(e?.message ?? "");
}

export class RegistryClient {
  readonly ctx: RegistryContext & { repository: string };
  readonly auth: Authenticator;
  #base: Promise<string> | undefined;

  constructor(
    registry: string,
    readonly repository: string,
    private readonly opts: ClientOptions,
  ) {
    // what is sent to the registry stays out of every message about it (error-body.ts)
    this.ctx = { registry, repository, secrets: new SentSecrets() };
    this.auth = new Authenticator(this.ctx, {
      transport: opts.transport,
      credentials: opts.credentials,
      ...(opts.retry ? { retry: opts.retry } : {}),
      ...(opts.httpAllowed ? { httpAllowed: opts.httpAllowed } : {}),
    });
  }

  get transport(): Transport {
    return this.opts.transport;
  }

  newBudget(): RetryBudget {
    return new RetryBudget(this.opts.retry);
  }

  /** "https://host" or "http://host", settled once by pinging /v2/. */
  base(): Promise<string> {
    this.#base ??= this.#ping().catch((err: unknown) => {
      this.#base = undefined;
      throw err;
    });
    return this.#base;
  }

  async #ping(): Promise<string> {
    const host = apiHost(this.ctx.registry);
    const schemes = this.opts.allowHttp ? ["https", "http"] : ["https"];
    const budget = this.newBudget();
    let firstError: unknown;
    for (let i = 0; i < schemes.length; ) {
      const base = `${schemes[i]}://${host}`;
      let res: IncomingMessage;
      try {
        res = await this.transport.send({ url: new URL(`${base}/v2/`) });
      } catch (err) {
        // HTTPS before a plain-HTTP fallback is tried once: a plain server may just hang up on it
        if (i === schemes.length - 1 && retryableError(err) && (await budget.next())) continue;
        firstError ??= err;
        // a certificate problem means the registry does speak HTTPS: say so rather than try HTTP
        if (!isCertProblem(err) && ++i < schemes.length) continue;
        const shown = isTlsMismatch(firstError) ? err : firstError;
        throw registryError({ registry: this.ctx.registry, secrets: this.ctx.secrets }, connectionCause(shown), { cause: shown });
      }
      const status = res.statusCode ?? 0;
      const body = await readBody(res, undefined, this.#bodyWait());
      if (status === 200) return base;
      if (status === 401) {
        this.auth.setChallenge(parseChallenges(res.headers["www-authenticate"]));
        return base;
      }
      if (retryableStatus(status) && (await budget.next(parseRetryAfter(res.headers["retry-after"] as string | undefined)))) continue;
      const said = describeAnswer(status, res.headers["content-type"], body, redactorOf(this.ctx));
      const answer = answerOf(status, body);
      throw registryError({ registry: this.ctx.registry, secrets: this.ctx.secrets }, status === 404 ? `not a registry (GET /v2/: ${said})` : said, { answer });
    }
    throw registryError({ registry: this.ctx.registry, secrets: this.ctx.secrets }, "cannot connect");
  }

  /** A successful (2xx) answer for `path`, or a RegistryError saying why not. */
  async get(path: string, fo: FetchOptions): Promise<IncomingMessage> {
    return (await this.#attempts(path, fo)).res;
  }

  /**
   * `get`, and the deadline of the attempt that succeeded: each attempt (its redirects
   * and the wait for its answer) has the request timeout, from when it starts.
   */
  async #attempts(path: string, fo: FetchOptions): Promise<{ res: IncomingMessage; deadline: number }> {
    const base = await this.base();
    // the registry's origin as URL spells it (a default port dropped): only it gets credentials
    const registry = new URL(base).origin;
    const budget = fo.budget ?? this.newBudget();
    let reauthorized = false;
    for (;;) {
      const authorization = await this.auth.header();
      const deadline = Date.now() + this.transport.requestTimeoutMs;
      let url = new URL(base + path);
      let res: IncomingMessage | undefined;
      for (let hops = 0; ; hops++) {
        const headers: Record<string, string> = { ...(fo.headers ?? {}) };
        if (fo.accept) headers.Accept = fo.accept;
        // credentials go to the registry only, never to where it redirects
        if (authorization && url.origin === registry) headers.Authorization = authorization;
        try {
          res = await this.transport.send({ url, headers, deadline });
        } catch (err) {
          if (retryableError(err) && (await budget.next())) break;
          const tries = budget.attempts > 1 ? ` (after ${budget.attempts} tries)` : "";
          throw registryError(this.ctx, `${fo.what}: ${connectionCause(err)}${tries}`, { cause: err });
        }
        const location = res.headers.location;
        if (!REDIRECTS.has(res.statusCode ?? 0) || !location) break;
        await readBody(res, undefined, this.#bodyWait());
        if (hops >= MAX_REDIRECTS) throw registryError(this.ctx, `${fo.what}: too many redirects`);
        url = redirectTarget(location, url, this.ctx, fo.what);
        res = undefined;
      }
      if (!res) continue; // a dropped connection, retried
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) return { res, deadline };
      const body = await readBody(res, undefined, this.#bodyWait());
      const said = describeAnswer(status, res.headers["content-type"], body, redactorOf(this.ctx));
      const answer = answerOf(status, body);
      if (status === 401 && url.origin !== registry) {
        // a challenge from where the registry redirected is not the registry's: nothing is sent there
        throw registryError(this.ctx, `${fo.what}: ${url.host}, where the registry redirected, asks for authentication (${said}); credentials are sent to the registry only`, { answer });
      }
      if (status === 401) {
        if (!reauthorized) {
          reauthorized = true;
          this.auth.setChallenge(parseChallenges(res.headers["www-authenticate"]));
          this.auth.invalidate();
          continue;
        }
        throw await this.auth.unauthorized(`${said}, ${fo.what}`, answer);
      }
      const retryAfter = parseRetryAfter(res.headers["retry-after"] as string | undefined);
      if (retryableStatus(status) && (await budget.next(retryAfter))) continue;
      const tries = budget.attempts > 1 ? `, after ${budget.attempts} tries` : "";
      const wait = retryAfter !== undefined && retryableStatus(status) ? `, asked to retry after ${Math.ceil(retryAfter / 1000)}s` : "";
      throw registryError(this.ctx, `${said} (${fo.what}${tries}${wait})`, { answer });
    }
  }

  /** How long an error body is waited for: it only adds words to a message. */
  #bodyWait(): number {
    return Math.min(BODY_WAIT_MS, this.transport.idleTimeoutMs);
  }

  /**
   * A whole small answer (a manifest), retried when the connection drops; each attempt
   * has the request deadline for all of it, and `limit` bytes at most.
   */
  async bytes(path: string, fo: FetchOptions, limit: number): Promise<{ body: Buffer; res: IncomingMessage }> {
    const budget = fo.budget ?? this.newBudget();
    const within = this.transport.requestTimeoutMs;
    for (;;) {
      const { res, deadline } = await this.#attempts(path, { ...fo, budget });
      try {
        const body = await readWhole(res, { limit, idleMs: this.transport.idleTimeoutMs, deadline });
        return { body, res };
      } catch (err) {
        if (err instanceof BodyLimitError) {
          throw registryError(
            this.ctx,
            err.reason === "size" ? `${fo.what}: ${err.message}` : `${fo.what}: not received within ${seconds(within)} (${err.received} bytes came)`,
          );
        }
        if (retryableError(err) && (await budget.next())) continue;
        throw registryError(this.ctx, `${fo.what}: ${connectionCause(err)}`, { cause: err });
      }
    }
  }
}

/** Where a redirect leads: an http(s) URL, resolved against the request's. */
function redirectTarget(location: string, from: URL, ctx: RegistryContext, what: string): URL {
  let url: URL;
  try {
    url = new URL(location, from);
  } catch {
    throw registryError(ctx, `${what}: the registry redirected to an invalid URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw registryError(ctx, `${what}: the registry redirected to a ${url.protocol} URL`);
  return url;
}
