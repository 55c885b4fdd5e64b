/**
 * The registry API for one repository (OCI distribution spec): the /v2/ ping that
 * settles HTTPS or plain HTTP and learns the auth challenge, then GETs of
 * manifests and blobs with auth, redirects, and retries of 429, 5xx and dropped
 * connections. Every failure becomes one RegistryError line.
 */
import type { IncomingMessage } from "node:http";
import { RegistryError } from "../../errors.js";
import { parseChallenges } from "./challenge.js";
import { Authenticator } from "./auth.js";
import type { Credentials } from "./docker-config.js";
import { connectionCause, describeAnswer, registryError, readBody, type RegistryContext } from "./error-body.js";
import { apiHost } from "./reference.js";
import { RetryBudget, parseRetryAfter, retryableError, retryableStatus, type RetryOptions } from "./retry.js";
import { bodyChunks, type Transport } from "./transport.js";

export interface ClientOptions {
  transport: Transport;
  /** Plain HTTP may be used (loopback hosts, --insecure-registry). */
  allowHttp: boolean;
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
    this.ctx = { registry, repository };
    this.auth = new Authenticator(this.ctx, { transport: opts.transport, credentials: opts.credentials, ...(opts.retry ? { retry: opts.retry } : {}) });
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
        throw registryError({ registry: this.ctx.registry }, connectionCause(shown), { cause: shown });
      }
      const status = res.statusCode ?? 0;
      if (status === 200) {
        res.resume();
        return base;
      }
      const body = await readBody(res);
      if (status === 401) {
        this.auth.setChallenge(parseChallenges(res.headers["www-authenticate"]));
        return base;
      }
      if (retryableStatus(status) && (await budget.next(parseRetryAfter(res.headers["retry-after"] as string | undefined)))) continue;
      const said = describeAnswer(status, res.headers["content-type"], body);
      throw registryError({ registry: this.ctx.registry }, status === 404 ? `not a registry (GET /v2/: ${said})` : said);
    }
    throw registryError({ registry: this.ctx.registry }, "cannot connect");
  }

  /** A successful (2xx) answer for `path`, or a RegistryError saying why not. */
  async get(path: string, fo: FetchOptions): Promise<IncomingMessage> {
    const base = await this.base();
    const budget = fo.budget ?? this.newBudget();
    let reauthorized = false;
    for (;;) {
      const authorization = await this.auth.header();
      let url = new URL(base + path);
      let res: IncomingMessage | undefined;
      for (let hops = 0; ; hops++) {
        const headers: Record<string, string> = { ...(fo.headers ?? {}) };
        if (fo.accept) headers.Accept = fo.accept;
        // credentials go to the registry only, never to where it redirects
        if (authorization && url.origin === base) headers.Authorization = authorization;
        try {
          res = await this.transport.send({ url, headers });
        } catch (err) {
          if (retryableError(err) && (await budget.next())) break;
          const tries = budget.attempts > 1 ? ` (after ${budget.attempts} tries)` : "";
          throw registryError(this.ctx, `${fo.what}: ${connectionCause(err)}${tries}`, { cause: err });
        }
        const location = res.headers.location;
        if (!REDIRECTS.has(res.statusCode ?? 0) || !location) break;
        res.resume();
        if (hops >= MAX_REDIRECTS) throw registryError(this.ctx, `${fo.what}: too many redirects`);
        url = new URL(location, url);
        res = undefined;
      }
      if (!res) continue; // a dropped connection, retried
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) return res;
      const body = await readBody(res);
      const said = describeAnswer(status, res.headers["content-type"], body);
      if (status === 401) {
        if (!reauthorized) {
          reauthorized = true;
          this.auth.setChallenge(parseChallenges(res.headers["www-authenticate"]));
          this.auth.invalidate();
          continue;
        }
        throw await this.auth.unauthorized(`${said}, ${fo.what}`);
      }
      const retryAfter = parseRetryAfter(res.headers["retry-after"] as string | undefined);
      if (retryableStatus(status) && (await budget.next(retryAfter))) continue;
      const tries = budget.attempts > 1 ? `, after ${budget.attempts} tries` : "";
      const wait = retryAfter !== undefined && retryableStatus(status) ? `, asked to retry after ${Math.ceil(retryAfter / 1000)}s` : "";
      throw registryError(this.ctx, `${said} (${fo.what}${tries}${wait})`);
    }
  }

  /** A whole small answer (a manifest), retried when the body is cut off. */
  async bytes(path: string, fo: FetchOptions, limit: number): Promise<{ body: Buffer; res: IncomingMessage }> {
    const budget = fo.budget ?? this.newBudget();
    for (;;) {
      const res = await this.get(path, { ...fo, budget });
      const declared = Number(res.headers["content-length"]);
      if (declared > limit) {
        res.destroy();
        throw registryError(this.ctx, `${fo.what}: the answer is ${declared} bytes, more than the ${limit} allowed`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of bodyChunks(res, this.transport.idleTimeoutMs)) {
          size += chunk.length;
          if (size > limit) throw registryError(this.ctx, `${fo.what}: the answer is more than the ${limit} bytes allowed`, { retryable: false });
          chunks.push(chunk);
        }
        return { body: Buffer.concat(chunks), res };
      } catch (err) {
        if (retryableError(err) && (await budget.next())) continue;
        if (err instanceof RegistryError) throw err;
        throw registryError(this.ctx, `${fo.what}: ${connectionCause(err)}`, { cause: err });
      }
    }
  }
}
