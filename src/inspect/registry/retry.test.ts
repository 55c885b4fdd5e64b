import { describe, expect, it } from "vitest";
import { parseRetryAfter, retryableError, retryableStatus, RetryBudget } from "./retry.js";

describe("parseRetryAfter", () => {
  const now = Date.parse("2024-05-01T12:00:00Z");
  it.each([
    ["3", 3000],
    [" 0 ", 0],
    ["Wed, 01 May 2024 12:00:07 GMT", 7000],
    ["Wed, 01 May 2024 11:00:00 GMT", 0],
    ["soon", undefined],
    ["-1", undefined],
    [undefined, undefined],
  ])("%s → %s", (value, want) => expect(parseRetryAfter(value, now)).toBe(want));
});

describe("what is retried", () => {
  it("retries 429, 408 and 5xx gateway-ish failures, not 4xx", () => {
    for (const s of [408, 429, 500, 502, 503, 504]) expect(retryableStatus(s), String(s)).toBe(true);
    for (const s of [400, 401, 403, 404, 501]) expect(retryableStatus(s), String(s)).toBe(false);
  });
  it("retries dropped connections but not refused ones or TLS failures", () => {
    const e = (code: string, message = code) => Object.assign(new Error(message), { code });
    expect(retryableError(e("ECONNRESET"))).toBe(true);
    expect(retryableError(e("EPIPE"))).toBe(true);
    expect(retryableError(new Error("socket hang up"))).toBe(true);
    expect(retryableError(e("ECONNREFUSED"))).toBe(false);
    expect(retryableError(e("ENOTFOUND"))).toBe(false);
    expect(retryableError(e("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate"))).toBe(false);
    expect(retryableError(Object.assign(e("ECONNRESET"), { retryable: false }))).toBe(false);
    expect(retryableError("text")).toBe(false);
  });
});

describe("RetryBudget", () => {
  const recorder = () => {
    const waits: number[] = [];
    return { waits, sleep: async (ms: number) => void waits.push(ms) };
  };

  it("backs off exponentially with jitter, capped, for a bounded number of tries", async () => {
    const { waits, sleep } = recorder();
    let r = 0;
    const randoms = [0, 1, 0.5, 0.25];
    const b = new RetryBudget({ tries: 5, baseDelayMs: 100, maxDelayMs: 300, sleep, random: () => randoms[r++]! });
    const results: boolean[] = [];
    for (let i = 0; i < 6; i++) results.push(await b.next());
    expect(results).toEqual([true, true, true, true, false, false]);
    // steps 100, 200, 300 (capped), 300: each in [step/2, step]
    expect(waits).toEqual([50, 200, 225, 188]);
    expect(b.attempts).toBe(5);
  });

  it("keeps every wait within [step/2, step]", () => {
    const b = new RetryBudget({ baseDelayMs: 10, maxDelayMs: 1000 });
    for (let attempt = 1; attempt <= 10; attempt++) {
      const step = Math.min(1000, 10 * 2 ** (attempt - 1));
      for (let k = 0; k < 20; k++) {
        const d = b.delayFor(attempt)!;
        expect(d).toBeGreaterThanOrEqual(step / 2);
        expect(d).toBeLessThanOrEqual(step);
      }
    }
  });

  it("honours Retry-After up to its bound and gives up beyond it", async () => {
    const { waits, sleep } = recorder();
    const b = new RetryBudget({ tries: 4, maxRetryAfterMs: 2000, sleep });
    expect(await b.next(1500)).toBe(true);
    expect(await b.next(0)).toBe(true);
    expect(await b.next(2001)).toBe(false);
    expect(waits).toEqual([1500, 0]);
  });

  it("really waits, briefly", async () => {
    const b = new RetryBudget({ tries: 3, baseDelayMs: 20, maxDelayMs: 40 });
    const t0 = Date.now();
    while (await b.next());
    const took = Date.now() - t0;
    // 10..20 ms then 20..40 ms
    expect(took).toBeGreaterThanOrEqual(25);
    expect(took).toBeLessThan(1000);
  });

  it("one try means no retry", async () => {
    expect(await new RetryBudget({ tries: 1 }).next()).toBe(false);
  });
});
