/**
 * The daemon source end to end: images built offline in the real engine, read
 * through openDaemonImage, compared with what `docker image inspect` says.
 */
import { readdirSync, readlinkSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SourceError } from "../../src/errors.js";
import type { Image } from "../../src/inspect/image.js";
import { openDaemonImage } from "../../src/inspect/sources/daemon.js";
import { engineClient } from "../../src/engine/client.js";
import type { ImageInspect } from "../../src/engine/types.js";
import {
  BASE_PATH_ENV,
  buildScratchImage,
  ensureBusyboxBase,
  removeImages,
} from "../../fixtures/engine-images.js";

const client = engineClient();
const run = `${process.pid}-${Date.now().toString(36)}`;
const SCRATCH = `imgpolicy-test/daemon-scratch:${run}`;
const DERIVED = `imgpolicy-test/daemon-derived:${run}`;
const built: string[] = [];
let base = "";

beforeAll(async () => {
  base = await ensureBusyboxBase(client);
  const scratch = await buildScratchImage(
    client,
    SCRATCH,
    [
      { path: "etc/motd", content: "hello from scratch\n" },
      { path: "app/run", content: "#!/bin/sh\necho run\n", mode: 0o755 },
    ],
    ['ENV A=1 B="two words"', "USER 1000:1000", 'ENTRYPOINT ["/app/run"]', 'CMD ["--flag"]'].join("\n"),
  );
  built.push(scratch.id);
  const derived = await buildScratchImage(
    client,
    DERIVED,
    [],
    ["RUN mkdir /data && echo data > /data/file && rm /bin/vi", "USER nobody", "WORKDIR /data"].join("\n"),
    { from: base },
  );
  built.push(derived.id);
}, 300_000);

afterAll(async () => {
  await removeImages(client, built);
}, 120_000);

/** Descriptors of this process's open files that are deleted imgpolicy spool files. */
function openSpools(): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (/imgpolicy-[^/]+\/spool \(deleted\)$/.test(target)) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

async function drain(image: Image): Promise<{ bytes: number[]; tars: Buffer[] }> {
  const bytes: number[] = [];
  const tars: Buffer[] = [];
  for (const layer of await image.layers()) {
    const chunks: Buffer[] = [];
    for await (const chunk of await layer.uncompressed()) chunks.push(chunk as Buffer);
    const tar = Buffer.concat(chunks);
    bytes.push(tar.length);
    tars.push(tar);
  }
  return { bytes, tars };
}

async function expectMatchesInspect(image: Image, info: ImageInspect): Promise<void> {
  const cfg = await image.config();
  expect(cfg.os).toBe(info.Os);
  expect(cfg.architecture).toBe(info.Architecture);
  expect(cfg.config?.User ?? "").toBe(info.Config?.User ?? "");
  expect(cfg.config?.Entrypoint ?? null).toEqual(info.Config?.Entrypoint ?? null);
  expect(cfg.config?.Cmd ?? null).toEqual(info.Config?.Cmd ?? null);
  expect(cfg.config?.Env ?? []).toEqual(info.Config?.Env ?? []);
  expect(cfg.config?.WorkingDir ?? "").toBe(info.Config?.WorkingDir ?? "");
  expect(cfg.rootfs.diff_ids).toEqual(info.RootFS.Layers);
  const layers = await image.layers();
  expect(await Promise.all(layers.map((l) => l.diffId()))).toEqual(info.RootFS.Layers);
  // The config the reader hands out is the one the engine names the image by.
  expect(info.Id).toBe((await image.manifest()).config.digest);
}

describe("openDaemonImage", () => {
  it("reads the busybox base like docker image inspect describes it", async () => {
    const info = await client.imageInspect(base);
    const image = await openDaemonImage(base, { client });
    try {
      expect(image.reference).toBe(base);
      await expectMatchesInspect(image, info);
      expect((await image.config()).config?.Env).toContain(BASE_PATH_ENV);
      const { tars } = await drain(image);
      expect(tars.length).toBeGreaterThanOrEqual(2);
      expect(tars[0]!.includes(Buffer.from("bin/busybox"))).toBe(true);
      expect(tars.some((t) => t.includes(Buffer.from("bin/sh")))).toBe(true);
    } finally {
      await image.close();
    }
  });

  it("reads a scratch image with files, config and one layer", async () => {
    const info = await client.imageInspect(SCRATCH);
    expect(info.Config?.User).toBe("1000:1000");
    expect(info.Config?.Entrypoint).toEqual(["/app/run"]);
    expect(info.Config?.Env).toContain("B=two words");
    const image = await openDaemonImage(SCRATCH, { client });
    try {
      await expectMatchesInspect(image, info);
      const { tars } = await drain(image);
      expect(tars).toHaveLength(1);
      expect(tars[0]!.includes(Buffer.from("hello from scratch\n"))).toBe(true);
    } finally {
      await image.close();
    }
  });

  it("reads a multi-layer image built on the base, and the same image by ID", async () => {
    const info = await client.imageInspect(DERIVED);
    expect(info.Config?.User).toBe("nobody");
    for (const ref of [DERIVED, info.Id, info.Id.slice("sha256:".length, "sha256:".length + 12)]) {
      const image = await openDaemonImage(ref, { client });
      try {
        await expectMatchesInspect(image, info);
        const { bytes } = await drain(image);
        expect(bytes).toHaveLength(info.RootFS.Layers!.length);
      } finally {
        await image.close();
      }
    }
  });

  it("keeps the spooled export open until close(), which is safe twice", async () => {
    const before = openSpools();
    const image = await openDaemonImage(SCRATCH, { client });
    expect(openSpools()).toBe(before + 1);
    await image.close();
    await image.close();
    expect(openSpools()).toBe(before);
  });

  it("says plainly when the engine lacks the image or has it for another platform", async () => {
    const missing = `imgpolicy-test/absent:${run}`;
    await expect(openDaemonImage(missing, { client })).rejects.toThrow(
      new SourceError(`image '${missing}' is not in the local engine`, { engineStatus: 404 }),
    );
    const info = await client.imageInspect(SCRATCH);
    const other = info.Architecture === "arm64" ? "amd64" : "arm64";
    await expect(
      openDaemonImage(SCRATCH, { client, platform: { os: "linux", architecture: other } }),
    ).rejects.toThrow(new SourceError(`image '${SCRATCH}' in the local engine is for linux/${info.Architecture}, not linux/${other}`));
  });
});
