/** Shared pieces of the registry source tests. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildImage } from "../../fixtures/image-writer.js";
import { writeOciLayout } from "../../fixtures/oci-layout-writer.js";
import { randomImage } from "../../fixtures/random-image.js";
import type { BuiltImage } from "../../fixtures/image-spec.js";
import { afterAll, beforeAll } from "vitest";
import { haveRegistry, pushImage, registryTarget, startFaultProxy, startRegistry, stopAllRegistries, type FaultPlan, type FaultProxy, type ProxyHit, type RegistryServer } from "../../fixtures/registry/index.js";
import { inspectImage } from "../../src/inspect/facts/collect.js";
import type { Facts } from "../../src/inspect/facts/types.js";
import type { Image } from "../../src/inspect/image.js";
import { openImage } from "../../src/inspect/resolve.js";
import { openRegistryImage, type RegistryOpenOptions } from "../../src/inspect/registry/remote-image.js";

export const dirs: string[] = [];

export async function tempDir(prefix = "imgpolicy-reg-"): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** An environment with no docker config, no proxies and no extra CAs, and a cache dir of its own. */
export async function cleanEnv(extra: Record<string, string | undefined> = {}): Promise<Record<string, string | undefined>> {
  const home = await tempDir("imgpolicy-home-");
  return { HOME: home, DOCKER_CONFIG: join(home, ".docker"), XDG_CACHE_HOME: join(home, ".cache"), PATH: process.env.PATH, ...extra };
}

/** Retries quick enough for tests, still bounded. */
export const FAST_RETRY = { tries: 4, baseDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 5_000 };

export async function baseOptions(extra: RegistryOpenOptions = {}): Promise<RegistryOpenOptions> {
  return { env: await cleanEnv(), noCache: true, retry: FAST_RETRY, timeouts: { connectMs: 5_000, idleMs: 5_000 }, ...extra };
}

export function sampleImage(seed: number, extra: Partial<Parameters<typeof buildImage>[1]> = {}): BuiltImage {
  const spec = randomImage(seed, { layers: 3, filesPerLayer: 30, maxFileSize: 6000 });
  spec.config = { User: "65534", Entrypoint: ["/app"], Env: ["PATH=/bin"] };
  return buildImage(spec, extra);
}

/** Facts without the reference (which names the source). */
export function comparable(f: Facts): unknown {
  const { reference: _r, ...image } = f.image;
  return { ...f, image };
}

export async function factsOf(image: Image): Promise<Facts> {
  try {
    return await inspectImage(image, { now: new Date("2025-01-01T00:00:00Z") });
  } finally {
    await image.close();
  }
}

/** The facts of the same image read from an OCI layout. */
export async function layoutFacts(built: BuiltImage): Promise<Facts> {
  const d = await tempDir("imgpolicy-layout-");
  await writeOciLayout(d, [{ image: built, refName: "x" }]);
  return factsOf(await openImage(`oci:${d}:x`));
}

export async function pull(ref: string, opts: RegistryOpenOptions): Promise<Facts> {
  return factsOf(await openRegistryImage(ref, opts));
}

/** The error an operation fails with (or undefined). */
export async function failure(op: () => Promise<unknown>): Promise<Error | undefined> {
  try {
    await op();
    return undefined;
  } catch (err) {
    return err as Error;
  }
}

export const blobHits = (hits: ProxyHit[]) => hits.filter((h) => h.method === "GET" && h.path.includes("/blobs/"));

/**
 * A registry on 127.0.0.1 holding `built` as team/app:1, and fault proxies in front of
 * it, for a test file: started before its tests, stopped (proxies, registries, temp
 * dirs) after them. `through(plan)` starts a proxy with a fault plan.
 */
export function useFaultRegistry(built: BuiltImage): { readonly reg: RegistryServer; through(plan: FaultPlan, upstream?: string): Promise<FaultProxy> } {
  let reg: RegistryServer | undefined;
  const proxies: FaultProxy[] = [];
  beforeAll(async () => {
    if (!haveRegistry()) return;
    reg = await startRegistry({ auth: "none" });
    await pushImage(registryTarget(reg), "team/app", "1", built);
  });
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    await stopAllRegistries();
    await removeTempDirs();
  });
  return {
    get reg() {
      if (!reg) throw new Error("the registry is not started (no docker-registry here?)");
      return reg;
    },
    async through(plan, upstream) {
      const p = await startFaultProxy(upstream ?? this.reg.url, plan);
      proxies.push(p);
      return p;
    },
  };
}
