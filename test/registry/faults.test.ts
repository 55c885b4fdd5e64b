/**
 * The registry source against a fault-injecting proxy in front of a real registry:
 * each fault either succeeds after a bounded retry or fails in one line, and
 * nothing hangs (times are asserted with generous bounds, never exactly).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { haveRegistry, type FaultPlan, type FaultProxy } from "../../fixtures/registry/index.js";
import { RegistryError } from "../../src/errors.js";
import { openRegistryImage } from "../../src/inspect/registry/remote-image.js";
import { baseOptions, blobHits, comparable, failure, layoutFacts, pull, sampleImage, useFaultRegistry } from "./helpers.js";

const describeIf = haveRegistry() ? describe : describe.skip;
const built = sampleImage(201, { compression: "gzip" });
const bigLayer = built.layers.reduce((a, b) => (b.blob.length > a.blob.length ? b : a));
const blobPath = `/blobs/${bigLayer.digest}`;

const rig = useFaultRegistry(built);

const through = (plan: FaultPlan, upstream?: string): Promise<FaultProxy> => rig.through(plan, upstream);

/** Pulls through a proxy with `plan`; returns the facts (or the error), the proxy, and how long it took. */
async function attempt(plan: FaultPlan, idleMs = 5_000) {
  const proxy = await through(plan);
  const t0 = Date.now();
  const opts = await baseOptions({ timeouts: { connectMs: 2_000, idleMs } });
  const result = await pull(`${proxy.host}/team/app:1`, opts).then(
    (facts) => ({ facts, error: undefined }),
    (error: Error) => ({ facts: undefined, error }),
  );
  return { ...result, proxy, ms: Date.now() - t0 };
}

describeIf("faults that a retry gets past", () => {
  let expected: unknown;
  beforeAll(async () => {
    expected = comparable(await layoutFacts(built));
  });

  const cases: [string, FaultPlan, (p: FaultProxy) => void][] = [
    [
      "a connection dropped in the middle of a blob (resumed with Range)",
      [{ path: blobPath, times: 1, fault: { kind: "drop", afterBytes: Math.floor(bigLayer.blob.length / 2) } }],
      (p) => expect(blobHits(p.hits).filter((h) => h.path.endsWith(bigLayer.digest)).map((h) => h.status)).toEqual([200, 206]),
    ],
    ["a connection dropped before any answer", [{ path: "/manifests/", times: 1, fault: { kind: "drop" } }], () => {}],
    [
      "a 500, then the answer",
      [
        { path: "/manifests/", times: 1, fault: { kind: "status", status: 500 } },
        { path: "/blobs/", times: 1, fault: { kind: "status", status: 503 } },
      ],
      (p) => expect(p.fired()).toEqual([1, 1]),
    ],
    ["a 429 with Retry-After: 1", [{ path: blobPath, times: 1, fault: { kind: "throttle", retryAfter: 1 } }], () => {}],
    ["a blob request that stalls before answering", [{ path: blobPath, times: 1, fault: { kind: "stall" } }], () => {}],
    ["a blob that stalls after some bytes", [{ path: blobPath, times: 2, fault: { kind: "stall", afterBytes: 100 } }], () => {}],
    ["a slow answer within the idle timeout", [{ path: blobPath, times: 1, fault: { kind: "delay", ms: 300 } }], () => {}],
  ];
  for (const [name, plan, check] of cases) {
    it(name, async () => {
      const r = await attempt(plan, 800);
      expect(r.error).toBeUndefined();
      expect(comparable(r.facts!)).toEqual(expected);
      check(r.proxy);
      expect(r.ms).toBeLessThan(20_000);
    });
  }

  it("waits as long as Retry-After asks", async () => {
    const r = await attempt([{ path: "/manifests/", times: 1, fault: { kind: "throttle", retryAfter: 1 } }]);
    expect(r.error).toBeUndefined();
    expect(r.ms).toBeGreaterThanOrEqual(900);
  });
});

describeIf("streaming", () => {
  it("hands a blob's first bytes to the reader before the rest has arrived", async () => {
    const proxy = await through([{ path: blobPath, fault: { kind: "stall", afterBytes: 1000 } }]);
    const img = await openRegistryImage(`${proxy.host}/team/app:1`, await baseOptions({ timeouts: { idleMs: 10_000 } }));
    try {
      const layers = await img.layers();
      const digests = await Promise.all(layers.map((l) => l.digest()));
      const layer = layers[digests.indexOf(bigLayer.digest)]!;
      const t0 = Date.now();
      const s = await layer.compressed();
      const first = await new Promise<Buffer>((resolve, reject) => {
        s.once("data", resolve);
        s.once("error", reject);
      });
      expect(first.length).toBeGreaterThan(0);
      expect(first.length).toBeLessThanOrEqual(1000);
      expect(Date.now() - t0).toBeLessThan(5_000); // long before the idle timeout could end the stall
      s.destroy();
    } finally {
      await img.close();
    }
  });
});

describeIf("faults that fail in one line", () => {
  const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  // a layer's failure comes wrapped in what the layer reader says about the layer
  const inLayer = (host: string) => `(?:${esc(host)}/team/app:1: layer \\d/3 \\(sha256:[0-9a-f]{12}\\): (?:cannot decompress: )?)?`;
  const blob = `blob ${bigLayer.digest}`;
  const cases: [string, FaultPlan, (host: string) => string, number?][] = [
    ["a registry that always answers 500", [{ path: "/manifests/", fault: { kind: "status", status: 500 } }], () => "injected 500 (tag 1, after 4 tries)"],
    ["a Retry-After longer than we wait", [{ path: "/manifests/", fault: { kind: "throttle", retryAfter: 3600 } }], () => "too many requests (tag 1, asked to retry after 3600s)"],
    ["an HTML page where the manifest should be", [{ path: "/manifests/", fault: { kind: "html" } }], () => 'answered with an HTML page, not the registry API (HTTP 200, title "502 Bad Gateway") (tag 1)'],
    ["an HTML error page", [{ path: "/manifests/", fault: { kind: "html", status: 404 } }], () => 'answered with an HTML page, not the registry API (HTTP 404, title "502 Bad Gateway") (tag 1)'],
    ["a request that never gets an answer", [{ path: "/manifests/", fault: { kind: "stall" } }], () => "tag 1: no answer within 400 ms (after 4 tries)", 400],
  ];
  const layerCases: [string, FaultPlan, string | RegExp, number?][] = [
    ["a blob whose bytes do not match its digest", [{ path: blobPath, fault: { kind: "corrupt" } }], /digest mismatch: got sha256:[0-9a-f]{64}/],
    ["an HTML page where a blob should be", [{ path: blobPath, fault: { kind: "html" } }], "answered with an HTML page, not the blob (HTTP 200)"],
    ["a blob that always stalls", [{ path: blobPath, fault: { kind: "stall", afterBytes: 10 } }], "download failed: the registry sent nothing for 400 ms (after 4 tries)", 400],
    // (a byte every 20 ms never leaves the connection idle for 400 ms: the low-speed limit ends it, at once, without retries)
    ["a blob trickled a byte at a time", [{ path: blobPath, fault: { kind: "trickle", everyMs: 20 } }], /download failed: the registry sent \d{1,3} bytes in \d+ ms, slower than 1024 bytes a second/, 400],
    ["a connection dropped mid-blob every time", [{ path: blobPath, fault: { kind: "drop", afterBytes: 10 } }], "download failed: the connection was dropped (after 4 tries)"],
  ];
  for (const [name, plan, tail, idleMs] of cases) {
    it(name, async () => {
      const r = await attempt(plan, idleMs ?? 5_000);
      expect(r.error?.message).toBe(`registry ${r.proxy.host}: repository team/app: ${tail(r.proxy.host)}`);
      expect(r.error!.name).toBe("RegistryError");
      expect(r.ms).toBeLessThan(30_000);
    });
  }
  for (const [name, plan, tail, idleMs] of layerCases) {
    it(name, async () => {
      const r = await attempt(plan, idleMs ?? 5_000);
      const t = typeof tail === "string" ? esc(tail) : tail.source;
      expect(r.error?.message).toMatch(new RegExp(`^${inLayer(r.proxy.host)}registry ${esc(r.proxy.host)}: repository team/app: ${blob}: ${t}$`));
      expect(r.error?.message).not.toContain("\n");
      expect(r.ms).toBeLessThan(30_000);
    });
  }

  it("says the status and distribution codes of the answer that failed, whatever its words", async () => {
    const answer = (err: Error | undefined) => ({ status: (err as RegistryError).status, codes: (err as RegistryError).codes });
    const throttled = await attempt([{ path: "/manifests/", fault: { kind: "throttle", retryAfter: 3600 } }]);
    expect(throttled.error).toBeInstanceOf(RegistryError);
    expect(answer(throttled.error)).toEqual({ status: 429, codes: ["TOOMANYREQUESTS"] });
    expect(answer((await attempt([{ path: "/manifests/", fault: { kind: "status", status: 500 } }])).error)).toEqual({ status: 500, codes: ["UNKNOWN"] });
    expect(answer((await attempt([{ path: "/manifests/", fault: { kind: "html", status: 404 } }])).error)).toEqual({ status: 404, codes: [] });
    const denied = JSON.stringify({ errors: [{ code: "DENIED", message: "requested access to the resource is denied" }] });
    const refused = await attempt([{ path: "/manifests/", fault: { kind: "status", status: 403, headers: { "Content-Type": "application/json" }, body: denied } }]);
    expect(answer(refused.error)).toEqual({ status: 403, codes: ["DENIED"] });
    expect(refused.error?.message).toBe(`registry ${refused.proxy.host}: repository team/app: requested access to the resource is denied (tag 1)`);
  });

  it("does not retry a digest mismatch, and does not stop on the first bad layer silently", async () => {
    const r = await attempt([{ path: blobPath, fault: { kind: "corrupt" } }]);
    expect(r.error?.message).toMatch(/digest mismatch/);
    expect(blobHits(r.proxy.hits).filter((h) => h.path.endsWith(bigLayer.digest))).toHaveLength(1);
  });

  it("fails in one line when nothing listens", async () => {
    const proxy = await through([]);
    const host = proxy.host;
    await proxy.stop();
    const err = await failure(async () => openRegistryImage(`${host}/team/app:1`, await baseOptions()));
    expect(err?.message).toBe(`registry ${host}: cannot connect: connection refused`);
  });
});
