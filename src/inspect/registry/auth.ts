/**
 * Registry authentication (the Docker token spec): anonymous; Basic; Bearer tokens
 * from the challenge's realm for scope repository:NAME:pull, with Basic credentials
 * or an identity (refresh) token, kept until `expires_in` runs out and fetched anew
 * when the registry refuses one. Secrets go into headers only, never into messages.
 * Challenges come from the registry's own answers only (client.ts): the realm that
 * gets the credentials is one the registry named, never one a redirect target did.
 * A token answer is bounded in size and time, as every small answer is.
 */
import type { Credentials } from "./docker-config.js";
import { pickChallenge, type Challenge } from "./challenge.js";
import { answerOf, BODY_WAIT_MS, connectionCause, describeAnswer, oneLine, readBody, redactorOf, registryError, type Answer, type RegistryContext } from "./error-body.js";
import { isLoopback } from "./reference.js";
import { RetryBudget, parseRetryAfter, retryableError, retryableStatus, type RetryOptions } from "./retry.js";
import { BodyLimitError, readWhole, seconds, type Transport } from "./transport.js";

export interface AuthDeps {
  transport: Transport;
  /** Looked up once, the first time the registry asks for credentials. */
  credentials: () => Promise<Credentials | undefined>;
  retry?: RetryOptions;
  now?: () => number;
  /**
   * Whether credentials may go to a token server at this "host[:port]" in plain HTTP:
   * by default only a loopback one (the registry's options add --insecure-registry hosts).
   */
  httpAllowed?: (host: string) => boolean;
}

interface Token {
  value: string;
  /** When to stop using it (ms since the epoch). */
  expires: number;
}

/** Tokens are dropped this long before they expire. */
const EXPIRY_MARGIN_MS = 5_000;
/** What the spec says to assume when the token server names no lifetime. */
const DEFAULT_EXPIRES_IN_S = 60;
/** Most of a token answer we read (containers/image allows as much). */
const TOKEN_LIMIT = 1 << 20;

export function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

export class Authenticator {
  #challenge: Challenge | undefined;
  #token: Token | undefined;
  #pending: Promise<Token> | undefined;
  #creds: Promise<Credentials | undefined> | undefined;
  readonly #now: () => number;

  constructor(
    readonly ctx: RegistryContext & { repository: string },
    private readonly deps: AuthDeps,
  ) {
    this.#now = deps.now ?? Date.now;
  }

  get scope(): string {
    return `repository:${this.ctx.repository}:pull`;
  }

  /** Takes the challenge of a 401 answer (or of the /v2/ ping). */
  setChallenge(challenges: Challenge[]): void {
    const picked = pickChallenge(challenges);
    if (picked) this.#challenge = picked;
  }

  get scheme(): string | undefined {
    return this.#challenge?.scheme;
  }

  /** The credentials, each known to ctx.secrets (kept out of messages) before it is ever sent. */
  credentials(): Promise<Credentials | undefined> {
    return (this.#creds ??= this.deps.credentials().then((c) => {
      const secrets = this.ctx.secrets;
      if (c && secrets) {
        if (c.username !== undefined) secrets.addBasic(c.username, c.password ?? "");
        secrets.add(c.password, c.identityToken, c.registryToken);
      }
      return c;
    }));
  }

  /** Forgets the token, so that the next request fetches a fresh one. */
  invalidate(): void {
    this.#token = undefined;
  }

  /** The Authorization header for the next registry request, if any. */
  async header(): Promise<string | undefined> {
    const ch = this.#challenge;
    if (!ch) return undefined;
    if (ch.scheme === "basic") {
      const c = await this.credentials();
      return c?.username !== undefined ? basicHeader(c.username, c.password ?? "") : undefined;
    }
    if (ch.scheme !== "bearer") {
      throw registryError(this.ctx, `asks for ${ch.scheme} authentication, which imgpolicy does not speak`);
    }
    if (this.#token && this.#token.expires > this.#now()) return `Bearer ${this.#token.value}`;
    this.#pending ??= this.#fetchToken(ch).finally(() => (this.#pending = undefined));
    this.#token = await this.#pending;
    return `Bearer ${this.#token.value}`;
  }

  /** Says why a 401 stayed a 401 (`answer`): missing or rejected credentials. */
  async unauthorized(detail: string, answer: Answer): Promise<Error> {
    const c = await this.credentials();
    return c
      ? registryError(this.ctx, `authentication failed: the registry refused the credentials (${detail})`, { answer })
      : registryError(this.ctx, `authentication required (${detail}); log in with docker login, or pass --username and --password-stdin`, { answer });
  }

  async #fetchToken(ch: Challenge): Promise<Token> {
    const realm = ch.params.realm;
    let url: URL;
    try {
      url = new URL(realm ?? "");
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("not http(s)");
    } catch {
      throw registryError(this.ctx, `the auth challenge names no usable token realm (${oneLine(redactorOf(this.ctx)(realm ?? "none"), 80)})`);
    }
    const creds = await this.credentials();
    if (creds?.registryToken) return { value: creds.registryToken, expires: Number.POSITIVE_INFINITY };
    const where = `the token server ${url.protocol}//${url.host}`;
    const sendsSecret = creds?.identityToken !== undefined || creds?.username !== undefined;
    if (url.protocol === "http:" && sendsSecret && !(this.deps.httpAllowed ?? isLoopback)(url.host)) {
      throw registryError(this.ctx, `${where}, which the registry's challenge names, is plain HTTP: the credentials are not sent in clear (a loopback host, or one named with --insecure-registry, may be plain HTTP)`);
    }
    const service = ch.params.service;
    const budget = new RetryBudget(this.deps.retry);
    for (;;) {
      let req: { url: URL; method: "GET" | "POST"; headers: Record<string, string>; body?: Buffer };
      if (creds?.identityToken) {
        const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: creds.identityToken, client_id: "imgpolicy", scope: this.scope });
        if (service) form.set("service", service);
        req = { url, method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: Buffer.from(form.toString()) };
      } else {
        const u = new URL(url.href);
        if (service) u.searchParams.set("service", service);
        u.searchParams.set("scope", this.scope);
        const headers: Record<string, string> = {};
        if (creds?.username !== undefined) headers.Authorization = basicHeader(creds.username, creds.password ?? "");
        req = { url: u, method: "GET", headers };
      }
      const transport = this.deps.transport;
      const deadline = Date.now() + transport.requestTimeoutMs;
      let res;
      let body: Buffer | undefined;
      try {
        res = await transport.send({ ...req, deadline });
        if (res.statusCode === 200) body = await readWhole(res, { limit: TOKEN_LIMIT, idleMs: transport.idleTimeoutMs, deadline });
      } catch (err) {
        if (err instanceof BodyLimitError) {
          const why = err.reason === "size" ? err.message : `not complete within ${seconds(transport.requestTimeoutMs)}`;
          throw registryError(this.ctx, `cannot get a token from ${where}: ${why}`);
        }
        if (retryableError(err) && (await budget.next())) continue;
        throw registryError(this.ctx, `cannot get a token from ${where}: ${connectionCause(err)}`, { cause: err });
      }
      const status = res.statusCode ?? 0;
      if (body) return this.#parseToken(body, where);
      body = await readBody(res, undefined, Math.min(BODY_WAIT_MS, transport.idleTimeoutMs));
      if (retryableStatus(status) && (await budget.next(parseRetryAfter(res.headers["retry-after"] as string | undefined)))) continue;
      const said = describeAnswer(status, res.headers["content-type"], body, redactorOf(this.ctx));
      const answer = answerOf(status, body);
      if (status === 401 || status === 403) {
        throw creds
          ? registryError(this.ctx, `authentication failed: ${where} refused the credentials (${said})`, { answer })
          : registryError(this.ctx, `${where} refused an anonymous token (${said}); log in with docker login, or pass --username and --password-stdin`, { answer });
      }
      throw registryError(this.ctx, `cannot get a token from ${where}: ${said}`, { answer });
    }
  }

  #parseToken(body: Buffer, where: string): Token {
    let json: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
    try {
      json = JSON.parse(body.toString("utf8")) as typeof json;
    } catch {
      throw registryError(this.ctx, `${where} answered with something that is not JSON`);
    }
    const value = typeof json.token === "string" && json.token ? json.token : typeof json.access_token === "string" ? json.access_token : "";
    if (!value) throw registryError(this.ctx, `${where} answered without a token`);
    this.ctx.secrets?.add(value);
    const lifetime = typeof json.expires_in === "number" && json.expires_in > 0 ? json.expires_in : DEFAULT_EXPIRES_IN_S;
    const issued = typeof json.issued_at === "string" ? Date.parse(json.issued_at) : Number.NaN;
    // a server clock ahead of ours must not make the token look fresher than it is
    const start = Number.isNaN(issued) ? this.#now() : Math.min(issued, this.#now());
    const margin = Math.min(EXPIRY_MARGIN_MS, (lifetime * 1000) / 4);
    return { value, expires: start + lifetime * 1000 - margin };
  }
}

