/**
 * Images for the tests of failures during `check --runtime`: busybox images the probe can
 * run, loaded into the engine (`preload`) under the name a held registry serves them by
 * (held-registry.ts), whose layer download the test makes fail when it chooses.
 *
 * Every config carries imgpolicy.test=1 and a label unique to the run, so the engine
 * cannot have it from elsewhere and each run's loaded tag (imgpolicy-runtime/loaded:
 * CONFIGHEX12-…) is known.
 */
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { buildImage, writeDockerArchive, type BuiltImage, type ImageSpec } from "../../fixtures/image-writer.js";
import { TEST_LABELS } from "../../fixtures/engine-images.js";
import type { EngineClient } from "../../src/engine/client.js";

const PASSWD = "root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/nonexistent:/bin/false\n";
const RUN = `${process.pid}-${randomBytes(3).toString("hex")}`;

/**
 * busybox (Debian's busybox-static, as the other runtime tests use) running `command`
 * as nobody, a small filler layer, and more layers when given.
 */
export function busyboxImage(name: string, command: string[], more: ImageSpec["layers"] = []): BuiltImage {
  return buildImage({
    layers: [
      { files: [{ path: "/bin/busybox", content: BUSYBOX, mode: 0o755 }, { path: "/etc/passwd", content: PASSWD }], compression: "none" },
      { files: [{ path: "/data/small", size: 4096 }], compression: "none" },
      ...more,
    ],
    config: { User: "65534:65534", Entrypoint: command, Labels: { ...TEST_LABELS, "imgpolicy.test.run": `${name}-${RUN}` } },
  });
}

let BUSYBOX: Buffer;
export async function readBusybox(): Promise<void> {
  BUSYBOX = await readFile("/bin/busybox");
}

/** The temporary tags the probe gives an image it loads (repository:CONFIGHEX12-RANDOM). */
export function loadedTagPrefix(image: BuiltImage): string {
  return `imgpolicy-runtime/loaded:${image.configDigest.slice(7, 19)}-`;
}

/** Loads the good image into the engine under `tag` (a docker-archive, as `docker load`). */
export async function preload(engine: EngineClient, dir: string, image: BuiltImage, tag: string): Promise<void> {
  const path = join(dir, `${tag.replace(/[/:]/g, "_")}.tar`);
  await writeDockerArchive(path, [{ image, tags: [tag] }], { format: "classic" });
  await engine.imageLoad(createReadStream(path));
}
