/**
 * Layer blobs that are not what their descriptor says, from a hostile or broken
 * registry (the fault proxy in front of a real one): noise, zeros, the blob with
 * bytes after it, a body that never ends. Each read rejects in one line, soon, and
 * through the library's `inspect()` too (which once never settled: the download ran
 * and failed before the layer scan listened to it).
 */
import { describe, expect, it } from "vitest";
import { haveRegistry, type FaultPlan, type FaultProxy } from "../../fixtures/registry/index.js";
import { inspect } from "../../src/inspect/facts/collect.js";
import type { Layer } from "../../src/inspect/image.js";
import { openRegistryImage } from "../../src/inspect/registry/remote-image.js";
import { hasStoredTar, layerTar } from "../../src/inspect/layer/layer-tar.js";
import { baseOptions, blobHits, sampleImage, useFaultRegistry } from "./helpers.js";

const describeIf = haveRegistry() ? describe : describe.skip;
const built = sampleImage(401, { compression: "gzip" });
const big = built.layers.reduce((a, b) => (b.blob.length > a.blob.length ? b : a));
const blobPath = `/blobs/${big.digest}`;
const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

const rig = useFaultRegistry(built);

const through = (plan: FaultPlan, upstream?: string): Promise<FaultProxy> => rig.through(plan, upstream);

/** Settles within `ms`, or says it did not. */
function within<T>(p: Promise<T>, ms: number): Promise<{ value?: T; error?: Error; hung?: true }> {
  return Promise.race([
    p.then(
      (value) => ({ value }),
      (error: Error) => ({ error }),
    ),
    new Promise<{ hung: true }>((resolve) => setTimeout(() => resolve({ hung: true }), ms).unref()),
  ]);
}

async function layerOf(layers: Layer[], digest: string): Promise<Layer> {
  const digests = await Promise.all(layers.map((l) => l.digest()));
  return layers[digests.indexOf(digest)]!;
}

const cases: [string, FaultPlan, RegExp][] = [
  ["noise of the right size", [{ path: blobPath, fault: { kind: "replace", fill: "random" } }], /digest mismatch: got sha256:[0-9a-f]{64}$|cannot decompress: /],
  ["zeros of the right size", [{ path: blobPath, fault: { kind: "replace", fill: "zeros" } }], /digest mismatch: got sha256:[0-9a-f]{64}$|cannot decompress: /],
  ["the blob and 100 bytes more, counted in Content-Length", [{ path: blobPath, fault: { kind: "append", bytes: 100 } }], /more bytes than the \d+ its descriptor names$/],
  ["the blob and 100 bytes more, chunked", [{ path: blobPath, fault: { kind: "append", bytes: 100, contentLength: "none" } }], /more bytes than the \d+ its descriptor names$/],
  ["the blob, then zeros that never end", [{ path: blobPath, fault: { kind: "endless" } }], /more bytes than the \d+ its descriptor names$/],
  ["noise that never ends", [{ path: blobPath, fault: { kind: "endless", bare: true, fill: "random" } }], /more bytes than the \d+ its descriptor names$|cannot decompress: /],
];

describeIf("hostile layer blobs", () => {
  it("starts no download before the stream is read, so a failure cannot happen unheard", async () => {
    const proxy = await through([{ path: blobPath, fault: { kind: "replace", fill: "random" } }]);
    const img = await openRegistryImage(`${proxy.host}/team/app:1`, await baseOptions());
    try {
      const layer = await layerOf(await img.layers(), big.digest);
      if (!hasStoredTar(layer)) throw new Error("a registry layer hands over its stored bytes");
      const stored = await layer.storedTar();
      // a scan that starts late (its code still loading, a worker starting) must still hear the failure
      await new Promise((r) => setTimeout(r, 500));
      expect(blobHits(proxy.hits).filter((h) => h.path.endsWith(big.digest))).toEqual([]);
      const read = async () => {
        const { tar } = await layerTar(stored.stream, stored.check);
        for await (const _ of tar) void _;
      };
      const r = await within(read(), 10_000);
      expect(r.hung).toBeUndefined();
      expect(r.error?.message).toMatch(/digest mismatch|cannot decompress/);
    } finally {
      await img.close();
    }
  });

  for (const workers of [0, 2]) {
    for (const [name, plan, tail] of cases) {
      it(`inspect() rejects in one line: ${name} (${workers === 0 ? "scanned on the main thread" : "scan workers, when built"})`, async () => {
        const proxy = await through(plan);
        const t0 = Date.now();
        const r = await within(inspect(`docker://${proxy.host}/team/app:1`, { registry: await baseOptions(), workers }), 20_000);
        expect(r.hung).toBeUndefined();
        expect(r.error?.message).toMatch(new RegExp(`^${esc(proxy.host)}/team/app:1: layer \\d/3 \\(sha256:[0-9a-f]{12}\\): `));
        expect(r.error?.message).toMatch(tail);
        expect(r.error?.message).not.toContain("\n");
        expect(Date.now() - t0).toBeLessThan(15_000);
      });
    }
  }

  it("cuts a longer blob at the byte too many, and never retries it", async () => {
    const proxy = await through([{ path: blobPath, fault: { kind: "endless", bare: true } }]);
    const img = await openRegistryImage(`${proxy.host}/team/app:1`, await baseOptions());
    try {
      const s = await (await layerOf(await img.layers(), big.digest)).compressed();
      let got = 0;
      const r = await within(
        (async () => {
          for await (const c of s) got += (c as Buffer).length;
        })(),
        10_000,
      );
      expect(r.error?.message).toBe(`registry ${proxy.host}: repository team/app: blob ${big.digest}: more bytes than the ${big.size} its descriptor names`);
      expect(got).toBeLessThanOrEqual(big.size);
      expect(blobHits(proxy.hits).filter((h) => h.path.endsWith(big.digest))).toHaveLength(1);
    } finally {
      await img.close();
    }
  });

  it("refuses a Content-Length over the descriptor's size before reading the body", async () => {
    const proxy = await through([{ path: blobPath, fault: { kind: "append", bytes: 1 } }]);
    const img = await openRegistryImage(`${proxy.host}/team/app:1`, await baseOptions());
    try {
      const s = await (await layerOf(await img.layers(), big.digest)).compressed();
      const chunks: Buffer[] = [];
      const r = await within(
        (async () => {
          for await (const c of s) chunks.push(c as Buffer);
        })(),
        10_000,
      );
      expect(r.error?.message).toMatch(/more bytes than the \d+ its descriptor names$/);
      expect(chunks).toEqual([]);
    } finally {
      await img.close();
    }
  });
});
