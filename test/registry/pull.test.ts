/**
 * Pulling from a real Distribution registry over plain HTTP: single images in OCI
 * and Docker media types, multi-platform indexes, digest pins, and the one-line
 * errors for what is not there. Facts must equal those of the same image read
 * from an OCI layout.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage, buildIndex } from "../../fixtures/image-writer.js";
import { haveRegistry, pushImage, putManifest, registryTarget, startFaultProxy, startRegistry, stopAllRegistries, type RegistryServer } from "../../fixtures/registry/index.js";
import { MediaTypes } from "../../src/inspect/image.js";
import { openRegistryImage } from "../../src/inspect/registry/remote-image.js";
import { baseOptions, comparable, failure, layoutFacts, pull, removeTempDirs, sampleImage } from "./helpers.js";

const describeIf = haveRegistry() ? describe : describe.skip;

let reg: RegistryServer;
beforeAll(async () => {
  if (haveRegistry()) reg = await startRegistry({ auth: "none" });
});
afterAll(async () => {
  await stopAllRegistries();
  await removeTempDirs();
});

describeIf("a plain-HTTP registry", () => {
  it("reads a single image with the same facts as its OCI layout, in OCI and Docker media types and every compression", async () => {
    for (const [i, [mediaTypes, compression]] of ([["oci", "gzip"], ["docker", "gzip"], ["oci", "zstd"], ["oci", "none"]] as const).entries()) {
      const built = sampleImage(10 + i, { mediaTypes, compression });
      await pushImage(registryTarget(reg), "team/app", `v${i}`, built);
      const ref = `${reg.host}/team/app:v${i}`;
      const facts = await pull(ref, await baseOptions());
      expect(facts.image.reference).toBe(ref);
      expect(facts.image.digest).toBe(built.manifestDigest);
      expect(facts.image.mediaType).toBe(built.manifestMediaType);
      expect(facts.image.layers.map((l) => l.diffId)).toEqual(built.layers.map((l) => l.diffId));
      expect(comparable(facts)).toEqual(comparable(await layoutFacts(built)));
    }
  });

  it("chooses the platform from an OCI index or a Docker manifest list, and lists what is there otherwise", async () => {
    const amd = sampleImage(21, { mediaTypes: "docker" });
    const arm = buildImage({ ...amd.spec, seed: 22, platform: { os: "linux", architecture: "arm64", variant: "v8" } }, { mediaTypes: "docker" });
    const armv7 = buildImage({ ...amd.spec, seed: 23, platform: { os: "linux", architecture: "arm", variant: "v7" } }, { mediaTypes: "docker" });
    await pushImage(registryTarget(reg), "team/multi", "oci", buildIndex([amd, arm, armv7]));
    await pushImage(registryTarget(reg), "team/multi", "list", buildIndex([amd, arm, armv7], { mediaTypes: "docker" }));
    for (const tag of ["oci", "list"]) {
      const ref = `${reg.host}/team/multi:${tag}`;
      const pick = async (platform: { os: string; architecture: string; variant?: string }) => {
        const img = await openRegistryImage(ref, await baseOptions({ platform }));
        try {
          return { digest: await img.digest(), arch: (await img.config()).architecture };
        } finally {
          await img.close();
        }
      };
      expect(await pick({ os: "linux", architecture: "arm64" })).toEqual({ digest: arm.manifestDigest, arch: "arm64" });
      expect(await pick({ os: "linux", architecture: "arm", variant: "v7" })).toEqual({ digest: armv7.manifestDigest, arch: "arm" });
      expect(await pick({ os: "linux", architecture: "amd64" })).toEqual({ digest: amd.manifestDigest, arch: "amd64" });
      const facts = await pull(ref, await baseOptions({ platform: { os: "linux", architecture: "arm64" } }));
      expect(comparable(facts)).toEqual(comparable(await layoutFacts(arm)));
      const err = await failure(async () => openRegistryImage(ref, await baseOptions({ platform: { os: "linux", architecture: "s390x" } })));
      expect(err?.message).toBe(`${ref}: no image for platform linux/s390x; platforms present: linux/amd64, linux/arm64/v8, linux/arm/v7`);
    }
  });

  it("verifies a digest-pinned reference, with or without a tag beside it", async () => {
    const built = sampleImage(31);
    await pushImage(registryTarget(reg), "team/pinned", "1", built);
    const img = await openRegistryImage(`${reg.host}/team/pinned@${built.manifestDigest}`, await baseOptions());
    expect(await img.digest()).toBe(built.manifestDigest);
    await img.close();
    // Docker ignores the tag when a digest is given
    const both = await openRegistryImage(`${reg.host}/team/pinned:nosuchtag@${built.manifestDigest}`, await baseOptions());
    expect(await both.digest()).toBe(built.manifestDigest);
    await both.close();
    const other = "sha256:" + "0".repeat(64);
    const err = await failure(async () => openRegistryImage(`${reg.host}/team/pinned@${other}`, await baseOptions()));
    expect(err?.message).toBe(`registry ${reg.host}: repository team/pinned: manifest unknown (digest ${other})`);
  });

  it("fails in one line for an unknown tag or repository, naming the reference", async () => {
    await pushImage(registryTarget(reg), "team/app", "1.0", sampleImage(41));
    const cases: [string, string][] = [
      [`${reg.host}/team/app:1.4.2`, `registry ${reg.host}: repository team/app: manifest unknown (tag 1.4.2)`],
      [`${reg.host}/team/nosuch:1`, `registry ${reg.host}: repository team/nosuch: `],
    ];
    for (const [ref, want] of cases) {
      const err = await failure(async () => openRegistryImage(ref, await baseOptions()));
      expect(err?.name).toBe("RegistryError");
      expect(err?.message.startsWith(want)).toBe(true);
      expect(err?.message).toMatch(/unknown|not known/);
      expect(err?.message).not.toContain("\n");
    }
  });

  it("refuses an unknown manifest media type and a schema 1 manifest in one line", async () => {
    const built = sampleImage(51);
    await pushImage(registryTarget(reg), "team/odd", "1", built);
    const odd = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.example.thing.v1+json", config: {}, layers: [] }));
    const schema1 = Buffer.from(JSON.stringify({ schemaVersion: 1, name: "team/odd", tag: "1", fsLayers: [], history: [] }));
    const proxy = await startFaultProxy(reg.url, [
      { path: "/manifests/odd", fault: { kind: "status", status: 200, headers: { "Content-Type": "application/vnd.example.thing.v1+json" }, body: odd } },
      { path: "/manifests/old", fault: { kind: "status", status: 200, headers: { "Content-Type": "application/vnd.docker.distribution.manifest.v1+prettyjws" }, body: schema1 } },
    ]);
    try {
      const e1 = await failure(async () => openRegistryImage(`${proxy.host}/team/odd:odd`, await baseOptions()));
      expect(e1?.message).toBe(`registry ${proxy.host}: repository team/odd: unknown manifest media type application/vnd.example.thing.v1+json (tag odd)`);
      const e2 = await failure(async () => openRegistryImage(`${proxy.host}/team/odd:old`, await baseOptions()));
      expect(e2?.message).toMatch(new RegExp(`^registry ${proxy.host}: repository team/odd: tag old is a Docker schema 1 manifest`));
    } finally {
      await proxy.stop();
    }
  });

  it("checks a tag's manifest against Docker-Content-Digest", async () => {
    const built = sampleImage(61);
    await pushImage(registryTarget(reg), "team/dcd", "1", built);
    const lie = "sha256:" + "1".repeat(64);
    const proxy = await startFaultProxy(reg.url, [
      { path: "/manifests/1", fault: { kind: "status", status: 200, headers: { "Content-Type": built.manifestMediaType, "Docker-Content-Digest": lie }, body: built.manifest } },
    ]);
    try {
      const err = await failure(async () => openRegistryImage(`${proxy.host}/team/dcd:1`, await baseOptions()));
      expect(err?.message).toBe(
        `registry ${proxy.host}: repository team/dcd: manifest digest mismatch (tag 1): expected ${lie} (its Docker-Content-Digest header), got ${built.manifestDigest}`,
      );
    } finally {
      await proxy.stop();
    }
  });

  it("reads a manifest pushed under a media type the registry sends only as Content-Type", async () => {
    // an OCI manifest without a mediaType field: the Content-Type header says what it is
    const built = sampleImage(71);
    const manifest = JSON.parse(built.manifest.toString("utf8")) as Record<string, unknown>;
    delete manifest.mediaType;
    const raw = Buffer.from(JSON.stringify(manifest));
    await pushImage(registryTarget(reg), "team/bare", "base", built);
    const digest = await putManifest(registryTarget(reg), "team/bare", "1", raw, MediaTypes.ociManifest);
    const img = await openRegistryImage(`${reg.host}/team/bare:1`, await baseOptions());
    expect(await img.digest()).toBe(digest);
    expect((await img.config()).rootfs.diff_ids).toEqual(built.layers.map((l) => l.diffId));
    await img.close();
  });
});
