import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage, buildIndex } from "../../fixtures/image-writer.js";
import { writeDockerArchive } from "../../fixtures/docker-archive-writer.js";
import { writeOciLayout } from "../../fixtures/oci-layout-writer.js";
import { randomImage } from "../../fixtures/random-image.js";
import { validateImage } from "../../fixtures/validate.js";
import { openImage } from "../../src/inspect/resolve.js";
import { inspectImage } from "../../src/inspect/facts/collect.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-formats-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spec = randomImage(7, { layers: 3, filesPerLayer: 40, maxFileSize: 4000 });
spec.config = { User: "65534", Entrypoint: ["/app"], Env: ["PATH=/bin"] };

async function roundTrip(ref: string, built = buildImage(spec)) {
  const img = await openImage(ref);
  try {
    expect(await validateImage(img)).toEqual([]);
    const cfg = await img.config();
    expect(cfg.rootfs.diff_ids).toEqual(built.layers.map((l) => l.diffId));
    expect(cfg.config?.User).toBe("65534");
    const facts = await inspectImage(img);
    expect(facts.image.layers).toHaveLength(built.layers.length);
    expect(facts.image.layers.map((l) => l.diffId)).toEqual(built.layers.map((l) => l.diffId));
    expect(facts.image.size.uncompressed).toBe(built.layers.reduce((n, l) => n + l.tar.length, 0));
    return facts;
  } finally {
    await img.close();
  }
}

describe("image formats", () => {
  it("reads a classic docker-archive (docker save before Docker 25)", async () => {
    const built = buildImage(spec, { compression: "none" });
    const p = join(dir, "classic.tar");
    await writeDockerArchive(p, [{ image: built, tags: ["app:1.0"] }], { format: "classic" });
    await roundTrip(`docker-archive:${p}`, built);
    await roundTrip(`docker-archive:${p}:app:1.0`, built);
    await roundTrip(p, built);
  });

  it("reads the hybrid docker-archive Docker 25+ writes, with the genuine manifest digest", async () => {
    const built = buildImage(spec, { compression: "none" });
    const p = join(dir, "hybrid.tar");
    await writeDockerArchive(p, [{ image: built, tags: ["app:1.0"] }], { format: "hybrid" });
    const facts = await roundTrip(`docker-archive:${p}`, built);
    expect(facts.image.digest).toBe(built.manifestDigest);
  });

  it("selects an image by tag in an archive holding several, and lists the tags otherwise", async () => {
    const a = buildImage(spec, { compression: "none" });
    const b = buildImage({ ...spec, seed: 2, config: { User: "65534", Cmd: ["/b"] } }, { compression: "none" });
    const p = join(dir, "two.tar");
    await writeDockerArchive(p, [{ image: a, tags: ["one:1"] }, { image: b, tags: ["docker.io/library/two:2"] }], { format: "classic" });
    const img = await openImage(`docker-archive:${p}:two:2`);
    expect((await img.config()).config?.Cmd).toEqual(["/b"]);
    await img.close();
    await expect(openImage(`docker-archive:${p}`)).rejects.toThrow(/holds 2 images; name one with :TAG \(tags: one:1, two:2\)/);
    await expect(openImage(`docker-archive:${p}:three`)).rejects.toThrow(/no image tagged 'three'/);
  });

  it("reads OCI layouts as a directory and as a tar, gzip, zstd and uncompressed layers", async () => {
    for (const compression of ["gzip", "zstd", "none"] as const) {
      const built = buildImage(spec, { compression });
      const d = join(dir, `layout-${compression}`);
      await writeOciLayout(d, [{ image: built, refName: "v1" }]);
      const facts = await roundTrip(`oci:${d}:v1`, built);
      expect(facts.image.digest).toBe(built.manifestDigest);
      await roundTrip(`oci:${d}`, built);
      const t = join(dir, `layout-${compression}.tar`);
      await writeOciLayout(t, [{ image: built, refName: "v1" }], { tar: true });
      await roundTrip(`oci:${t}:v1`, built);
    }
  });

  it("chooses a platform from an index, and lists the platforms when none matches", async () => {
    const amd = buildImage({ ...spec, platform: { os: "linux", architecture: "amd64" } });
    const arm = buildImage({ ...spec, seed: 3, platform: { os: "linux", architecture: "arm64", variant: "v8" } });
    const armv7 = buildImage({ ...spec, seed: 4, platform: { os: "linux", architecture: "arm", variant: "v7" } });
    const d = join(dir, "multi");
    await writeOciLayout(d, [{ index: buildIndex([amd, arm, armv7]), refName: "latest" }]);
    const pick = async (platform?: { os: string; architecture: string; variant?: string }) => {
      const img = await openImage(`oci:${d}:latest`, platform ? { platform } : {});
      const digest = await img.digest();
      await img.close();
      return digest;
    };
    expect(await pick({ os: "linux", architecture: "arm64" })).toBe(arm.manifestDigest);
    expect(await pick({ os: "linux", architecture: "arm", variant: "v7" })).toBe(armv7.manifestDigest);
    expect(await pick({ os: "linux", architecture: "amd64" })).toBe(amd.manifestDigest);
    await expect(pick({ os: "linux", architecture: "s390x" })).rejects.toThrow(
      /no image for platform linux\/s390x; platforms present: linux\/amd64, linux\/arm64\/v8, linux\/arm\/v7/,
    );
  });
});

describe("a tag two images of one archive carry", () => {
  it("names the last of them, as docker load leaves it", async () => {
    const a = buildImage({ ...spec, config: { User: "65534", Cmd: ["/a"] } }, { compression: "none" });
    const b = buildImage({ ...spec, seed: 2, config: { User: "0", Cmd: ["/b"] } }, { compression: "none" });
    const p = join(dir, "dup.tar");
    await writeDockerArchive(p, [{ image: a, tags: ["app:dup"] }, { image: b, tags: ["app:dup"] }], { format: "classic" });
    const img = await openImage(`docker-archive:${p}:app:dup`);
    expect((await img.config()).config?.User).toBe("0");
    await img.close();
  });
});

describe("a platform asked of a single image", () => {
  it("is checked against its config: an amd64 archive or layout is no arm64 image", async () => {
    const built = buildImage({ ...spec, platform: { os: "linux", architecture: "amd64" } }, { compression: "none" });
    const archive = join(dir, "amd64.tar");
    await writeDockerArchive(archive, [{ image: built, tags: ["one:1"] }], { format: "classic" });
    const layout = join(dir, "amd64-layout");
    await writeOciLayout(layout, [{ image: built, refName: "v1" }]);
    for (const ref of [`docker-archive:${archive}`, `oci:${layout}:v1`]) {
      await expect(openImage(ref, { platform: { os: "linux", architecture: "arm64" } })).rejects.toThrow(/is for linux\/amd64, not linux\/arm64$/);
      const img = await openImage(ref, { platform: { os: "linux", architecture: "amd64" } });
      expect((await img.config()).architecture).toBe("amd64");
      await img.close();
    }
  });
});

describe("bad input", () => {
  const cases: [string, () => Promise<string>, RegExp][] = [
    ["an empty file", async () => { const p = join(dir, "empty.tar"); await writeFile(p, ""); return p; }, /not a tar archive/],
    ["a file that is not an image", async () => { const p = join(dir, "text.txt"); await writeFile(p, "hello world\n".repeat(100)); return p; }, /not a tar archive/],
    ["a missing file", async () => join(dir, "nope.tar"), /no such file or directory/],
  ];
  for (const [name, make, re] of cases) {
    it(`rejects ${name} with one line`, async () => {
      const ref = `docker-archive:${await make()}`;
      const err = await openImage(ref).then((i) => i.close(), (e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(re);
      expect((err as Error).message).not.toContain("\n");
    });
  }

  async function inspectFails(built: ReturnType<typeof buildImage>, re: RegExp, archive = false) {
    const p = join(dir, `fault-${Math.random().toString(36).slice(2)}`);
    if (archive) await writeDockerArchive(p, [{ image: built, tags: ["x:1"] }], { format: "classic" });
    else await writeOciLayout(p, [{ image: built, refName: "t" }]);
    const ref = archive ? `docker-archive:${p}` : `oci:${p}:t`;
    const err = await (async () => {
      const img = await openImage(ref);
      try {
        await inspectImage(img);
      } finally {
        await img.close();
      }
    })().then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(re);
    expect(err?.message).not.toContain("\n");
  }

  it("a diff_id mismatch", () => inspectFails(buildImage(spec, { faults: { wrongDiffId: 1 } }), /layer 2\/3.*does not match the config's diff_id/));
  it("a blob digest mismatch", () => inspectFails(buildImage(spec, { faults: { wrongBlobDigest: 0 } }), /layer 1\/3.*digest mismatch/));
  it("a truncated gzip layer", () => inspectFails(buildImage(spec, { faults: { truncateLayer: 2 } }), /layer 3\/3.*(truncated gzip|cannot decompress)/));
  it("a manifest naming a missing blob", () => inspectFails(buildImage(spec, { faults: { missingBlob: 1 } }), /blobs\/sha256\/[a-f0-9]+ is missing/));
  it("a missing config", () => inspectFails(buildImage(spec, { faults: { missingBlob: "config" } }), /is missing/));
  it("a config digest mismatch", () => inspectFails(buildImage(spec, { faults: { wrongConfigDigest: true } }), /config blob: digest mismatch/));
  it("more diff_ids than layers", () => inspectFails(buildImage(spec, { faults: { extraDiffId: true } }), /lists 3 layers but the config has 4 diff_ids/));
  it("a diff_id mismatch in a docker-archive", () =>
    inspectFails(buildImage(spec, { compression: "none", faults: { wrongDiffId: 0 } }), /layer 1\/3.*does not match the config's diff_id/, true));
});
