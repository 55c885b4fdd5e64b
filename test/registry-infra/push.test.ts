import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { buildImage, buildIndex } from "../../fixtures/image-builder.js";
import { haveZstd } from "../../fixtures/compression.js";
import { TempDirs } from "../../fixtures/test-tools.js";
import { parseChallenge, pushImage, registryTarget, RegistryHttpError, RegistrySession } from "../../fixtures/registry/push.js";
import { REGISTRY_MISSING, haveRegistry, startRegistry, stopAllRegistries, type RegistryServer } from "../../fixtures/registry/server.js";
import { runAsync, runAsyncOk, skopeoFlags } from "../../fixtures/registry/tools.js";
import { cleanupCurl, curl, haveCurl, haveSkopeo, pidAlive, registryProcessesFor, smallImage } from "./helpers.js";

const registry = haveRegistry();
if (!registry) console.warn(`${REGISTRY_MISSING}; the push tests are skipped`);
if (!haveSkopeo) console.warn("skopeo is not installed: the push tests are skipped");

const temps = new TempDirs();
const registries: RegistryServer[] = [];
async function start(opts: Parameters<typeof startRegistry>[0] = {}): Promise<RegistryServer> {
  const s = await startRegistry(opts);
  registries.push(s);
  return s;
}

afterAll(async () => {
  await cleanupCurl();
  await temps.cleanup();
  await stopAllRegistries();
  for (const r of registries) {
    expect(pidAlive(r.pid)).toBe(false);
    expect(await registryProcessesFor(r)).toBe("");
  }
});

describe("parseChallenge", () => {
  it("reads quoted parameters holding commas, and bare ones", () => {
    expect(parseChallenge('Bearer realm="http://127.0.0.1:1/token",service="svc",scope="repository:a/b:pull,push",error="insufficient_scope"')).toEqual({
      scheme: "bearer",
      params: { realm: "http://127.0.0.1:1/token", service: "svc", scope: "repository:a/b:pull,push", error: "insufficient_scope" },
    });
    expect(parseChallenge('Basic realm="a \\"quoted\\" realm", charset=UTF-8')).toEqual({
      scheme: "basic",
      params: { realm: 'a "quoted" realm', charset: "UTF-8" },
    });
  });
});

async function skopeoRaw(server: RegistryServer, ref: string, user?: string): Promise<string> {
  return runAsyncOk("skopeo", ["inspect", "--raw", ...skopeoFlags(server, user), `docker://${server.host}/${ref}`]);
}

describe.skipIf(!registry || !haveSkopeo || !haveCurl)("pushImage to a plain registry", () => {
  let r: RegistryServer;
  beforeAll(async () => {
    r = await start();
  });

  it("pushes a single image that skopeo then reads back byte for byte", async () => {
    const image = smallImage();
    const result = await pushImage({ url: r.url }, "lib/single", "v1", image);
    expect(result).toEqual({
      digest: image.manifestDigest,
      mediaType: image.manifestMediaType,
      size: image.manifest.length,
      uploaded: 3,
      skipped: 0,
    });
    expect(await skopeoRaw(r, "lib/single:v1")).toBe(image.manifest.toString("utf8"));
    const info = JSON.parse(await runAsyncOk("skopeo", ["inspect", ...skopeoFlags(r), `docker://${r.host}/lib/single:v1`])) as {
      Digest: string;
      Architecture: string;
      Layers: string[];
    };
    expect(info.Digest).toBe(image.manifestDigest);
    expect(info.Architecture).toBe("amd64");
    expect(info.Layers).toEqual(image.layers.map((l) => l.digest));

    // Pushing again uploads nothing.
    const again = await pushImage({ url: r.url }, "lib/single", "v1-again", image);
    expect(again).toMatchObject({ uploaded: 0, skipped: 3 });
  });

  it("pushes a multi-platform index (amd64 + arm64), each image by digest", async () => {
    const amd = smallImage("amd64");
    const arm = smallImage("arm64");
    const index = buildIndex([amd, arm]);
    const result = await pushImage({ url: r.url }, "lib/multi", "latest", index);
    expect(result.digest).toBe(index.digest);
    expect(result.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(await skopeoRaw(r, "lib/multi:latest")).toBe(index.index.toString("utf8"));
    expect(await skopeoRaw(r, `lib/multi@${arm.manifestDigest}`)).toBe(arm.manifest.toString("utf8"));
    const armInfo = JSON.parse(
      await runAsyncOk("skopeo", ["--override-arch", "arm64", "inspect", ...skopeoFlags(r), `docker://${r.host}/lib/multi:latest`]),
    ) as { Digest: string; Architecture: string };
    expect(armInfo).toMatchObject({ Architecture: "arm64" });
  });

  it("is copied by skopeo to an OCI layout with digests intact", async () => {
    const image = smallImage("amd64", "copy me");
    await pushImage({ url: r.url }, "lib/copy", "v1", image);
    const dir = join(await temps.make("imgpolicy-registry-copy-"), "layout");
    await runAsyncOk("skopeo", ["copy", "--quiet", ...skopeoFlags(r, undefined, "src"), `docker://${r.host}/lib/copy:v1`, `oci:${dir}:v1`]);
    const layoutIndex = JSON.parse(await readFile(join(dir, "index.json"), "utf8")) as { manifests: { digest: string }[] };
    expect(layoutIndex.manifests.map((m) => m.digest)).toEqual([image.manifestDigest]);
    const hex = (d: string) => d.slice("sha256:".length);
    expect(await readFile(join(dir, "blobs", "sha256", hex(image.layers[1]!.digest)))).toEqual(image.layers[1]!.blob);

    const index = buildIndex([smallImage("amd64", "all"), smallImage("arm64", "all")]);
    await pushImage({ url: r.url }, "lib/copy-all", "v1", index);
    const allDir = join(await temps.make("imgpolicy-registry-copy-"), "layout");
    await runAsyncOk("skopeo", ["copy", "--quiet", "--all", ...skopeoFlags(r, undefined, "src"), `docker://${r.host}/lib/copy-all:v1`, `oci:${allDir}:v1`]);
    const allIndex = JSON.parse(await readFile(join(allDir, "index.json"), "utf8")) as { manifests: { digest: string }[] };
    expect(allIndex.manifests.map((m) => m.digest)).toEqual([index.digest]);
  });

  it("pushes Docker schema 2 media types and a manifest list", async () => {
    const amd = buildImage(smallImage("amd64").spec, { mediaTypes: "docker" });
    const arm = buildImage(smallImage("arm64").spec, { mediaTypes: "docker" });
    const list = buildIndex([amd, arm], { mediaTypes: "docker" });
    await pushImage({ url: r.url }, "lib/docker", "v1", list);
    const raw = JSON.parse(await skopeoRaw(r, "lib/docker:v1")) as { mediaType: string };
    expect(raw.mediaType).toBe("application/vnd.docker.distribution.manifest.list.v2+json");
    const manifest = await curl(`${r.url}/v2/lib/docker/manifests/${amd.manifestDigest}`, ["-H", `Accept: ${amd.manifestMediaType}`]);
    expect(manifest.headers["content-type"]).toBe("application/vnd.docker.distribution.manifest.v2+json");
    expect(manifest.headers["docker-content-digest"]).toBe(amd.manifestDigest);
  });

  it.skipIf(!haveZstd())("pushes zstd layers", async () => {
    const image = buildImage(smallImage().spec, { compression: "zstd" });
    await pushImage({ url: r.url }, "lib/zstd", "v1", image);
    expect(await skopeoRaw(r, "lib/zstd:v1")).toBe(image.manifest.toString("utf8"));
  });

  it("fails with the registry's error when a blob is missing", async () => {
    const image = buildImage(smallImage().spec, { faults: { missingBlob: 0 } });
    const push = pushImage({ url: r.url }, "lib/broken", "v1", image);
    await expect(push).rejects.toBeInstanceOf(RegistryHttpError);
    await expect(push).rejects.toMatchObject({ status: 400 });
    await expect(push).rejects.toThrow(/MANIFEST_BLOB_UNKNOWN/);
  });

  it("offers raw authenticated requests through a session", async () => {
    const session = new RegistrySession({ url: r.url }, "lib/single");
    const tags = await session.request("GET", "/v2/lib/single/tags/list");
    expect(tags.status).toBe(200);
    expect(JSON.parse(tags.body.toString("utf8"))).toEqual({ name: "lib/single", tags: ["v1", "v1-again"] });
  });
});

describe.skipIf(!registry || !haveSkopeo || !haveCurl)("pushImage with TLS and auth", () => {
  it("pushes over TLS with htpasswd, and skopeo reads with --cert-dir and --creds", async () => {
    const r = await start({ tls: true, auth: "htpasswd" });
    const image = smallImage();
    await pushImage(registryTarget(r, "pusher"), "secure/app", "v1", image);
    expect(await skopeoRaw(r, "secure/app:v1", "pusher")).toBe(image.manifest.toString("utf8"));
    // skopeo without credentials is refused.
    const anon = await runAsync("skopeo", ["inspect", "--raw", ...skopeoFlags(r), `docker://${r.host}/secure/app:v1`]);
    expect(anon.status).not.toBe(0);
    expect(anon.stderr).toMatch(/unauthorized|authentication required/i);
    // And the push client without credentials says why.
    await expect(pushImage({ url: r.url, ca: r.caFile! }, "secure/app", "v2", image)).rejects.toThrow(/Basic auth/);
  });

  it("pushes with Bearer tokens, and skopeo pulls as the pull-only user", async () => {
    const r = await start({ auth: "token" });
    const index = buildIndex([smallImage("amd64"), smallImage("arm64")]);
    await pushImage(registryTarget(r, "pusher"), "tok/app", "v1", index);
    expect(r.token!.issuedByUser.get("pusher")).toBe(1);
    expect(await skopeoRaw(r, "tok/app:v1", "puller")).toBe(index.index.toString("utf8"));
    expect(r.token!.issuedByUser.get("puller")).toBeGreaterThan(0);
    const dir = join(await temps.make("imgpolicy-registry-copy-"), "layout");
    await runAsyncOk("skopeo", ["copy", "--quiet", "--all", ...skopeoFlags(r, "puller", "src"), `docker://${r.host}/tok/app:v1`, `oci:${dir}:v1`]);
  });

  it("pushes over TLS with tokens from a TLS token server", async () => {
    const r = await start({ auth: "token", tls: true });
    const image = smallImage();
    await pushImage(registryTarget(r, "pusher"), "tls-tok/app", "v1", image);
    expect(await skopeoRaw(r, "tls-tok/app:v1", "puller")).toBe(image.manifest.toString("utf8"));
  });
});
