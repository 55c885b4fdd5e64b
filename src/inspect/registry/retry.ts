/**
 * Retries with exponential backoff and full jitter, bounded in tries and in the
 * time any one wait may take; a server's Retry-After is honoured up to a bound.
 */

export interface RetryOptions {
  /** Attempts in all, the first included (default 4). */
  tries?: number;
  /** The first backoff step (default 500 ms); step n is base·2ⁿ⁻¹, jittered. */
  baseDelayMs?: number;
  /** No backoff step is longer (default 8 s). */
  maxDelayMs?: number;
  /** The longest Retry-After honoured (default 30 s); a longer one fails at once. */
  maxRetryAfterMs?: number;
  /** For tests: how to wait, and where randomness comes from. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const DEFAULT_TRIES = 4;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The delay in milliseconds a Retry-After header asks for (seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]{3}/i.test(text)) return undefined; // an HTTP date names its month
  const when = Date.parse(text);
  if (Number.isNaN(when)) return undefined;
  return Math.max(0, when - now);
}

/** Status codes worth another try: too many requests, and server-side failures. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

const RETRYABLE_CODES = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNABORTED", "EAI_AGAIN", "ERR_STREAM_PREMATURE_CLOSE", "UND_ERR_SOCKET"]);

/** Whether a failure is a dropped or stalled connection (not a refused one, not a TLS or DNS failure). */
export function retryableError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if ((err as { retryable?: boolean }).retryable !== undefined) return Boolean((err as { retryable?: boolean }).retryable);
  const code = (err as NodeJS.ErrnoException).code;
  if (code && RETRYABLE_CODES.has(code)) return true;
  return /socket hang up|premature close|aborted/i.test(err.message);
}

/**
 * The attempts of one operation. `next()` says whether another attempt may be made
 * and waits the backoff first; it returns false when the tries are spent or the
 * server asks for a wait longer than allowed.
 */
export class RetryBudget {
  readonly tries: number;
  #attempt = 1;
  readonly #opts: RetryOptions;
  constructor(opts: RetryOptions = {}) {
    this.#opts = opts;
    this.tries = Math.max(1, opts.tries ?? DEFAULT_TRIES);
  }

  /** How many attempts have started. */
  get attempts(): number {
    return this.#attempt;
  }

  /** The wait before attempt n+1 (n ≥ 1), honouring `retryAfterMs` when given; undefined when it is too long. */
  delayFor(attempt: number, retryAfterMs?: number): number | undefined {
    const maxRetryAfter = this.#opts.maxRetryAfterMs ?? 30_000;
    if (retryAfterMs !== undefined) return retryAfterMs <= maxRetryAfter ? retryAfterMs : undefined;
    const base = this.#opts.baseDelayMs ?? 500;
    const cap = this.#opts.maxDelayMs ?? 8_000;
    const step = Math.min(cap, base * 2 ** (attempt - 1));
    const random = this.#opts.random ?? Math.random;
    return Math.round(step / 2 + (random() * step) / 2);
  }

  async next(retryAfterMs?: number): Promise<boolean> {
    if (this.#attempt >= this.tries) return false;
    const delay = this.delayFor(this.#attempt, retryAfterMs);
    if (delay === undefined) return false;
    await (this.#opts.sleep ?? sleep)(delay);
    this.#attempt++;
    return true;
  }
}
