/**
 * Memory-bound smoke check: a 200 MB file and a 40 MB ELF-ish file go through
 * `inspectImage` while the process's RSS stays far below their size, because the
 * layer scan streams and keeps only what the facts need.
 *
 * The fixture writer builds blobs in memory, so the image is built and written
 * as an OCI layout first, then released, and only then is the baseline taken;
 * the layout is read back from disk in ordinary chunks.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, expect, it } from "vitest";
import { buildImage, writeOciLayout } from "../../fixtures/image-writer.js";
import { seededBytes } from "../../fixtures/prng.js";
import { inspectImage } from "../../src/inspect/facts/collect.js";
import { openImage } from "../../src/inspect/resolve.js";

const MB = 1 << 20;
const BIG = 200 * MB;
const ELF_SIZE = 40 * MB;

let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (() => void) | undefined;
  gc?.();
  gc?.();
}

/** An ELF head (a real small binary when the host has one) followed by seeded bytes up to `size`. */
function elfish(size: number): Buffer {
  const out = seededBytes(1, "elfish", size);
  const head = existsSync("/bin/true") ? readFileSync("/bin/true") : Buffer.from("\x7fELF\x02\x01\x01", "latin1");
  head.copy(out, 0, 0, Math.min(head.length, size));
  return out;
}

it("inspects an image with a 200 MB file and a 40 MB ELF file without holding them in memory", async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-large-"));
  const layout = join(dir, "layout");
  {
    const built = buildImage({
      layers: [
        {
          compression: "gzip",
          files: [
            { path: "etc/passwd", content: "root:x:0:0:root:/root:/sbin/nologin\napp:x:1000:1000::/home/app:/sbin/nologin\n" },
            { path: "etc/os-release", content: "ID=large\n" },
          ],
        },
        { compression: "none", files: [{ path: "var/lib/data/big.bin", size: BIG }] },
        { compression: "none", files: [{ path: "opt/app/bin/huge", content: elfish(ELF_SIZE), mode: 0o755 }] },
      ],
      config: { User: "app", Entrypoint: ["/opt/app/bin/huge"] },
    });
    await writeOciLayout(layout, [{ image: built, refName: "large" }]);
  }
  collectGarbage();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);

  const started = Date.now();
  const image = await openImage(`oci:${layout}:large`);
  let facts;
  try {
    facts = await inspectImage(image);
  } finally {
    await image.close();
    clearInterval(sampler);
  }
  const after = process.memoryUsage().rss;
  peak = Math.max(peak, after);
  const seconds = (Date.now() - started) / 1000;
  const growth = (peak - before) / MB;
  console.log(
    `inspect-large: ${seconds.toFixed(1)} s; RSS before ${(before / MB).toFixed(0)} MB, after ${(after / MB).toFixed(0)} MB, ` +
      `peak ${(peak / MB).toFixed(0)} MB (growth ${growth.toFixed(0)} MB)`,
  );

  expect(facts.image.layers.map((l) => l.files)).toEqual([2, 1, 1]);
  expect(facts.image.layers[1]!.uncompressedSize).toBeGreaterThan(BIG);
  expect(facts.image.size.uncompressed).toBeGreaterThan(BIG + ELF_SIZE);
  expect(facts.filesystem.files).toBe(4);
  expect(facts.users.user).toMatchObject({ uid: 1000, resolved: true });
  expect(facts.filesystem.osRelease?.id).toBe("large");
  // the ELF file is parsed from a bounded capture, the big file is not kept
  expect(facts.binaries.map((b) => [b.path, b.size])).toEqual([["/opt/app/bin/huge", ELF_SIZE]]);
  expect(facts.entrypoint).toMatchObject({ found: true, executable: true, resolved: { path: "/opt/app/bin/huge", layer: 2 } });
  expect(facts.entrypoint.elf).toBeDefined();
  expect(facts.entrypoint.elf!.class).toBe(64);
  // loose: the two files alone are 240 MB
  expect(growth).toBeLessThan(300);
}, 120_000);
