/**
 * Small answers from a hostile or broken registry (the fault proxy in front of a real
 * one): error bodies that stall, a manifest, config or token trickled a byte at a
 * time, and manifests, indexes and configs that are malformed (absurd sizes, bad
 * digests, an index served for its own entry, deep nesting). Each fails in one line
 * and in bounded time; nothing is waited for without a deadline.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DEFAULT_SERVICE, haveRegistry, pushBlob, pushImage, putManifest, registryTarget, startRegistry, type FaultPlan, type FaultProxy } from "../../fixtures/registry/index.js";
import { MediaTypes } from "../../src/inspect/image.js";
import { openRegistryImage, type RegistryOpenOptions } from "../../src/inspect/registry/remote-image.js";
import { baseOptions, comparable, failure, layoutFacts, pull, sampleImage, useFaultRegistry } from "./helpers.js";

const describeIf = haveRegistry() ? describe : describe.skip;
const built = sampleImage(701);
const sha256 = (b: Buffer | string) => "sha256:" + createHash("sha256").update(b).digest("hex");
const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const LINUX_AMD64 = { os: "linux", architecture: "amd64" };

const rig = useFaultRegistry(built);

const through = (plan: FaultPlan, upstream?: string): Promise<FaultProxy> => rig.through(plan, upstream);

/** Pulls `ref` (a tag of team/app, by default "1") through a proxy with `plan`: the error (or none) and how long it took. */
async function attempt(plan: FaultPlan, extra: RegistryOpenOptions = {}, tag = "1") {
  const proxy = await through(plan);
  const t0 = Date.now();
  const error = await failure(async () => pull(`${proxy.host}/team/app:${tag}`, await baseOptions(extra)));
  return { error, proxy, ms: Date.now() - t0 };
}

const json = (v: unknown) => JSON.stringify(v);
/** A manifest body served for the tag "bad" (the registry never sees it). */
const served = (body: string, type: string = MediaTypes.ociManifest): FaultPlan => [
  { path: "/manifests/bad", fault: { kind: "status", status: 200, headers: { "Content-Type": type }, body } },
];
const layer = built.layers[0]!;
const desc = (over: Record<string, unknown> = {}) => ({ mediaType: layer.mediaType, digest: layer.digest, size: layer.size, ...over });
const manifest = (config: unknown, layers: unknown) => json({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers });
const config = (over: Record<string, unknown> = {}) => ({ mediaType: MediaTypes.ociConfig, digest: built.configDigest, size: built.config.length, ...over });

describeIf("answers that stall or trickle", () => {
  const quick = { timeouts: { connectMs: 2_000, idleMs: 1_000, requestMs: 3_000 } };

  it("does not wait for a 500's body that declares a length, sends a byte and stalls", async () => {
    const r = await attempt([{ path: "/manifests/", fault: { kind: "status", status: 500, stallAfterBytes: 1 } }], quick);
    expect(r.error?.message).toBe(`registry ${r.proxy.host}: repository team/app: HTTP 500 server error: { (tag 1, after 4 tries)`);
    expect(r.ms).toBeLessThan(15_000);
  });

  it("does not wait for a 401's stalled body, at the ping or later", async () => {
    const challenge = { "WWW-Authenticate": 'Basic realm="test"' };
    const r = await attempt(
      [
        { path: /^\/v2\/$/, times: 1, fault: { kind: "status", status: 401, headers: challenge, stallAfterBytes: 1 } },
        { path: "/manifests/", times: 1, fault: { kind: "status", status: 401, headers: challenge, stallAfterBytes: 1 } },
      ],
      quick,
    );
    // no credentials to give: the second try goes without, and the registry (open) answers
    expect(r.error).toBeUndefined();
    expect(r.proxy.fired()).toEqual([1, 1]);
    expect(r.ms).toBeLessThan(10_000);
  });

  it("gives a manifest trickled a byte a second the request deadline, not the idle timeout", async () => {
    const r = await attempt([{ path: "/manifests/", fault: { kind: "trickle", everyMs: 1_000 } }], { timeouts: { idleMs: 5_000, requestMs: 3_000 } });
    expect(r.error?.message).toMatch(new RegExp(`^registry ${esc(r.proxy.host)}: repository team/app: tag 1: not received within 3s \\([1-4] bytes came\\)$`));
    expect(r.ms).toBeLessThan(10_000);
  });

  it("gives a trickled config the request deadline too", async () => {
    const r = await attempt([{ path: `/blobs/${built.configDigest}`, fault: { kind: "trickle", everyMs: 1_000 } }], { timeouts: { idleMs: 5_000, requestMs: 3_000 } });
    expect(r.error?.message).toMatch(new RegExp(`blob ${built.configDigest}: not received within 3s \\([1-4] bytes came\\)$`));
    expect(r.ms).toBeLessThan(10_000);
  });

  it("gives a trickled token answer the request deadline", async () => {
    const tokenReg = await startRegistry({ auth: "token" });
    await pushImage(registryTarget(tokenReg, "pusher"), "team/app", "1", built);
    const tokens = await through([{ path: "/token", fault: { kind: "trickle", everyMs: 1_000 } }], tokenReg.token!.url);
    const front = await through(
      [{ path: /^\/v2\/$/, fault: { kind: "status", status: 401, headers: { "WWW-Authenticate": `Bearer realm="${tokens.url}/token",service="${DEFAULT_SERVICE}"` } } }],
      tokenReg.url,
    );
    const t0 = Date.now();
    const err = await failure(async () => pull(`${front.host}/team/app:1`, await baseOptions({ username: "puller", password: "puller-secret", timeouts: { idleMs: 5_000, requestMs: 3_000 } })));
    expect(err?.message).toBe(`registry ${front.host}: repository team/app: cannot get a token from the token server ${tokens.url}: not complete within 3s`);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});

describeIf("malformed manifests, indexes and configs", () => {
  const cases: [string, FaultPlan, string | RegExp][] = [
    ["a layer of size -1", served(manifest(config(), [desc({ size: -1 })])), `layer 1 (${layer.digest}) has an invalid size -1`],
    ["a layer of size 1.5", served(manifest(config(), [desc({ size: 1.5 })])), `layer 1 (${layer.digest}) has an invalid size 1.5`],
    ["a layer of size 1e300", served(manifest(config(), [desc({ size: 1e300 })])), `layer 1 (${layer.digest}) has an invalid size 1e+300`],
    ["a layer whose size is a string", served(manifest(config(), [desc({ size: "12" })])), `layer 1 (${layer.digest}) has an invalid size '12'`],
    ["a layer without a size", served(manifest(config(), [desc({ size: undefined })])), `layer 1 (${layer.digest}) has an invalid size undefined`],
    ["a malformed layer digest", served(manifest(config(), [desc({ digest: "sha256:xyz" })])), "layer 1 has an invalid digest 'sha256:xyz'"],
    ["a layer digest that is an object", served(manifest(config(), [desc({ digest: { a: 1 } })])), "layer 1 has an invalid digest an object"],
    ["a config of a terabyte", served(manifest(config({ size: 2 ** 40 }), [desc()])), `config ${built.configDigest} is 1099511627776 bytes, more than the 4194304 imgpolicy reads`],
    ["a config that is a string", served(manifest("config", [desc()])), "config is a string where the engine reads an object, and refuses the image"],
    ["a blob given two sizes", served(manifest(config(), [desc(), desc({ size: layer.size + 1 })])), `gives ${layer.digest} two sizes`],
    ["layers that are not a list", served(manifest(config(), { a: 1 })), "layers is an object where the engine reads a list, and refuses the image"],
  ];
  for (const [name, plan, tail] of cases) {
    it(`refuses ${name} in one line`, async () => {
      const r = await attempt(plan, {}, "bad");
      const msg = r.error?.message ?? "";
      expect(msg).toMatch(new RegExp(`^registry ${esc(r.proxy.host)}: repository team/app: `));
      if (typeof tail === "string") expect(msg.endsWith(tail)).toBe(true);
      else expect(msg).toMatch(tail);
      expect(r.proxy.hits.filter((h) => h.path.includes("/blobs/"))).toEqual([]);
    });
  }

  it("refuses an index entry with a bad size before fetching it", async () => {
    const entry = { mediaType: built.manifestMediaType, digest: built.manifestDigest, size: -5 };
    const body = json({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [entry] });
    const r = await attempt(served(body, MediaTypes.ociIndex), {}, "bad");
    expect(r.error?.message).toBe(`registry ${r.proxy.host}: repository team/app: index ${sha256(body)}: entry 1 (${built.manifestDigest}) has an invalid size -5`);
  });

  it("fails in one line on an index served again for its own entry (a would-be cycle)", async () => {
    const self = sha256("not the index");
    const body = json({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [{ mediaType: MediaTypes.ociIndex, digest: self, size: 400, platform: LINUX_AMD64 }] });
    const plan: FaultPlan = [
      { path: "/manifests/bad", fault: { kind: "status", status: 200, headers: { "Content-Type": MediaTypes.ociIndex }, body } },
      { path: `/manifests/${self}`, fault: { kind: "status", status: 200, headers: { "Content-Type": MediaTypes.ociIndex }, body } },
    ];
    const r = await attempt(plan, {}, "bad");
    expect(r.error?.message).toMatch(/: (manifest digest mismatch \(digest sha256:[0-9a-f]{64}\)|the answer is more than the 400 bytes allowed|manifest sha256:[0-9a-f]{64}: size mismatch)/);
    expect(r.proxy.hits.filter((h) => h.path.includes(self))).toHaveLength(1);
  });

  it("stops at indexes nested five deep", async () => {
    const plan: FaultPlan = [];
    let below = { mediaType: built.manifestMediaType, digest: built.manifestDigest, size: built.manifest.length, platform: LINUX_AMD64 };
    for (let level = 0; level < 5; level++) {
      const body = json({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [below] });
      const digest = sha256(body);
      plan.push({ path: `/manifests/${level === 4 ? "bad" : digest}`, fault: { kind: "status", status: 200, headers: { "Content-Type": MediaTypes.ociIndex }, body } });
      below = { mediaType: MediaTypes.ociIndex, digest, size: Buffer.byteLength(body), platform: LINUX_AMD64 };
    }
    const r = await attempt(plan, {}, "bad");
    expect(r.error?.message).toBe(`registry ${r.proxy.host}: repository team/app: image indexes nested too deeply`);
  });

  it("refuses a config nested 100000 deep in one line (it once overflowed the stack)", async () => {
    const deep = 100_000;
    const cfg = Buffer.from(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":${"[".repeat(deep)}${"]".repeat(deep)}}}`);
    const target = registryTarget(rig.reg);
    await pushBlob(target, "team/app", cfg);
    for (const l of built.layers) await pushBlob(target, "team/app", l.blob);
    const m = manifest(config({ digest: sha256(cfg), size: cfg.length }), built.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })));
    await putManifest(target, "team/app", "deep-config", Buffer.from(m), MediaTypes.ociManifest);
    const err = await failure(async () => pull(`${rig.reg.host}/team/app:deep-config`, await baseOptions()));
    expect(err?.name).toBe("SourceError");
    expect(err?.message).toBe(`${rig.reg.host}/team/app:deep-config: config: not read: the JSON is nested more than 100 levels deep`);
  });

  it("still reads the image itself through all of this", async () => {
    const img = await openRegistryImage(`${rig.reg.host}/team/app:1`, await baseOptions());
    await img.close();
    expect(comparable(await pull(`${rig.reg.host}/team/app:1`, await baseOptions()))).toEqual(comparable(await layoutFacts(built)));
  });
});
