/**
 * Layer scans in worker threads, through the compiled code in dist/: a worker
 * thread cannot start from the TypeScript sources vitest runs (readLayers then
 * scans on the main thread), so this file needs `npm run build` first (`npm test`
 * does it). It checks that the workers read exactly what the main thread reads,
 * that every failure comes back as the one-line SourceError naming the layer,
 * and that no worker outlives the read.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeDockerArchive } from "../../../fixtures/docker-archive-writer.js";
import { buildImage, haveZstd, type ImageSpec } from "../../../fixtures/image-writer.js";
import { writeOciLayout } from "../../../fixtures/oci-layout-writer.js";
import { seededBytes } from "../../../fixtures/prng.js";
import { checkOf, sha256, storedLayer, type TestLayer } from "../../../fixtures/stored-layer.js";
import { tarBuffer } from "../../../fixtures/tar-writer.js";
import type * as FactsInterest from "../facts/interest.js";
import type * as ReadLayers from "../read-layers.js";
import type * as Resolve from "../resolve.js";
import type * as Pool from "./worker-pool.js";
import type { InterestSpec } from "./interest-spec.js";
import type { TarCheck } from "../layer/layer-tar.js";

const DIST = fileURLToPath(new URL("../../../dist/", import.meta.url));
const built = existsSync(join(DIST, "inspect", "scan", "scan-worker.js"));
const load = <T>(rel: string) => import(pathToFileURL(join(DIST, rel)).href) as Promise<T>;

let dist: { readLayers: typeof ReadLayers.readLayers; openImage: typeof Resolve.openImage; factsInterest: typeof FactsInterest.factsInterest; WorkerPool: typeof Pool.WorkerPool };
let dir: string;

beforeAll(async () => {
  if (!built) throw new Error(`no compiled layer-scan worker in ${DIST}: run \`npm run build\` first`);
  const [rl, rs, fi, wp] = await Promise.all([
    load<typeof ReadLayers>("inspect/read-layers.js"),
    load<typeof Resolve>("inspect/resolve.js"),
    load<typeof FactsInterest>("inspect/facts/interest.js"),
    load<typeof Pool>("inspect/scan/worker-pool.js"),
  ]);
  dist = { readLayers: rl.readLayers, openImage: rs.openImage, factsInterest: fi.factsInterest, WorkerPool: wp.WorkerPool };
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-workers-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n";
const spec: ImageSpec = {
  layers: [
    {
      compression: "gzip",
      files: [
        { path: "etc/passwd", content: "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n" },
        { path: "etc/os-release", content: "ID=test\n" },
        { path: "etc/ssl/certs/ca.pem", content: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" },
        ...(existsSync("/bin/true") ? [{ path: "bin/true", content: readFileSync("/bin/true"), mode: 0o755 }] : []),
      ],
    },
    {
      compression: "none",
      files: [
        { path: "data/big.bin", size: 3 * 1024 * 1024 + 17 },
        { path: "home/app/.ssh/id_ed25519", content: KEY, mode: 0o600 },
        { path: "opt/" + "n".repeat(130) + "/long-name", content: "pax" },
      ],
    },
    { compression: haveZstd() ? "zstd" : "gzip", files: [{ path: "etc/passwd", type: "whiteout" }, { path: "srv/x", content: "x" }] },
  ],
};

async function withImage<T>(ref: string, fn: (img: Awaited<ReturnType<typeof Resolve.openImage>>) => Promise<T>): Promise<T> {
  const img = await dist.openImage(ref);
  try {
    return await fn(img);
  } finally {
    await img.close();
  }
}

async function readBoth(ref: string) {
  return withImage(ref, async (img) => {
    const interest = dist.factsInterest(await img.config());
    const main = await dist.readLayers(img, interest, { workers: 0 });
    const workers = await dist.readLayers(img, interest, { workers: 2 });
    return { main, workers };
  });
}

describe("layer scans in worker threads (dist/)", () => {
  it("read an OCI layout (gzip, plain and zstd layers) exactly as the main thread does", async () => {
    const p = join(dir, "layout");
    await writeOciLayout(p, [{ image: buildImage(spec), refName: "t" }]);
    const { main, workers } = await readBoth(`oci:${p}:t`);
    expect(workers.indexes).toEqual(main.indexes);
    expect(workers.layers).toEqual(main.layers);
    expect(workers.indexes[0]!.files.find((f) => f.path === "/etc/passwd")!.content).toBeInstanceOf(Buffer);
    expect(workers.indexes[1]!.privateKeys).toContainEqual({ path: "/home/app/.ssh/id_ed25519", kind: "openssh-private-key" });
  });

  it("read a classic docker archive (uncompressed layers, no blob digests) exactly as the main thread does", async () => {
    const p = join(dir, "classic.tar");
    await writeDockerArchive(p, [{ image: buildImage(spec, { compression: "none" }), tags: ["x:1"] }], { format: "classic" });
    const { main, workers } = await readBoth(`docker-archive:${p}`);
    expect(workers.indexes).toEqual(main.indexes);
    expect(workers.layers).toEqual(main.layers);
  });

  // big enough for workers of their own choosing (32 MiB stored)
  const bigSpec: ImageSpec = {
    layers: [...spec.layers.map((l) => ({ ...l, compression: "none" as const })), { compression: "none", files: [{ path: "data/bigger.bin", size: 33 * 1024 * 1024 }] }],
  };

  it("read a docker archive with the workers chosen exactly as the main thread does", async () => {
    const p = join(dir, "chosen.tar");
    await writeDockerArchive(p, [{ image: buildImage(bigSpec, { compression: "none" }), tags: ["x:1"] }], { format: "classic" });
    await withImage(`docker-archive:${p}`, async (img) => {
      const interest = dist.factsInterest(await img.config());
      const main = await dist.readLayers(img, interest, { workers: 0 });
      const chosen = await dist.readLayers(img, interest);
      expect(chosen.indexes).toEqual(main.indexes);
      expect(chosen.layers).toEqual(main.layers);
    });
    const bad = join(dir, "chosen-bad.tar");
    for (const layer of [3, 1]) {
      await writeDockerArchive(bad, [{ image: buildImage(bigSpec, { compression: "none", faults: { wrongDiffId: layer } }), tags: ["x:1"] }], { format: "classic" });
      const err = await withImage(`docker-archive:${bad}`, async (img) => dist.readLayers(img, dist.factsInterest(await img.config()))).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.name).toBe("SourceError");
      expect(err?.message).toMatch(new RegExp(`layer ${layer + 1}/4.*does not match the config's diff_id`));
      expect(err?.message).not.toContain("\n");
    }
  });

  it("keep the checks pending at once within the capacity: 12 layers read with deferred checks, as inspect reads them, warn of nothing", async () => {
    const many: ImageSpec = {
      layers: [{ compression: "none", files: [{ path: "data/big.bin", size: 40 * 1024 * 1024 }] }, ...Array.from({ length: 11 }, (_, i) => ({ compression: "none" as const, files: [{ path: `srv/f${i}`, content: `layer ${i}\n` }] }))],
    };
    const p = join(dir, "many.tar");
    await writeDockerArchive(p, [{ image: buildImage(many, { compression: "none" }), tags: ["x:1"] }], { format: "classic" });
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      await withImage(`docker-archive:${p}`, async (img) => {
        const interest = dist.factsInterest(await img.config());
        const main = await dist.readLayers(img, interest, { workers: 0 });
        const deferred = await dist.readLayers(img, interest, { deferChecks: true });
        await deferred.checked;
        expect(deferred.indexes).toEqual(main.indexes);
      });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.map((w) => w.name)).toEqual([]);
  });

  async function fails(built: ReturnType<typeof buildImage>, re: RegExp, archive = false): Promise<void> {
    const p = join(dir, `fault-${Math.random().toString(36).slice(2)}`);
    if (archive) await writeDockerArchive(p, [{ image: built, tags: ["x:1"] }], { format: "classic" });
    else await writeOciLayout(p, [{ image: built, refName: "t" }]);
    // the same error with the checks deferred (inspect's way: the index first, the digests' verdict after)
    for (const deferChecks of [false, true]) {
      const err = await withImage(archive ? `docker-archive:${p}` : `oci:${p}:t`, async (img) => {
        const read = await dist.readLayers(img, dist.factsInterest(await img.config()), { workers: 2, deferChecks });
        await read.checked;
      }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.name).toBe("SourceError");
      expect(err?.message, err?.message).toMatch(re);
      expect(err?.message).not.toContain("\n");
    }
  }

  it("fail as the main thread does: diff_id and blob digest mismatches, a truncated gzip layer, a missing blob", async () => {
    await fails(buildImage(spec, { faults: { wrongDiffId: 0 } }), /layer 1\/3.*does not match the config's diff_id/);
    await fails(buildImage(spec, { faults: { wrongDiffId: 1 } }), /layer 2\/3.*the blob is an uncompressed tar but its digest/);
    await fails(buildImage(spec, { faults: { wrongBlobDigest: 0 } }), /layer 1\/3.*digest mismatch/);
    await fails(buildImage(spec, { faults: { wrongLayerSize: 0 } }), /layer 1\/3.*size mismatch/);
    await fails(buildImage(spec, { compression: "gzip", faults: { truncateLayer: 2 } }), /layer 3\/3.*cannot decompress: truncated gzip stream/);
    await fails(buildImage(spec, { faults: { missingBlob: 1 } }), /blobs\/sha256\/[a-f0-9]+ is missing/);
    await fails(buildImage(spec, { compression: "none", faults: { wrongDiffId: 0 } }), /layer 1\/3.*does not match the config's diff_id/, true);
  });

  describe("the pool", () => {
    const what = "test: layer 1/1";
    const interest: InterestSpec = { exact: ["/etc/passwd"], rules: [], maxSize: 1 << 20 };
    const never = new AbortController().signal;
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => {
          throw new Error("expected a failure");
        },
        (e: Error) => e,
      );
    const good = tarBuffer([
      { name: "etc/", type: "dir" },
      { name: "etc/passwd", content: "root:x:0:0::/:/bin/sh\n" },
      { name: "data", content: seededBytes(3, "data", 2_500_000) },
      { name: "z", content: "z" },
    ]);
    const check = checkOf(good, what);

    it("splits a plain tar in a local file over two workers, with the one-pass scan's index and errors", async () => {
      const inFile = (bytes: Buffer, chk: TarCheck): TestLayer => {
        const p = join(dir, `plain-${Math.random().toString(36).slice(2)}`);
        writeFileSync(p, Buffer.concat([Buffer.alloc(100, 7), bytes]));
        const base = storedLayer(bytes, 1 << 20, chk);
        return { ...base, storedTar: async () => ({ ...(await base.storedTar()), file: { path: p, start: 100, end: 100 + bytes.length } }) };
      };
      const pool = new dist.WorkerPool(interest, 2);
      const onePass = new dist.WorkerPool(interest, 1);
      try {
        const want = await onePass.scan(storedLayer(good, 1 << 20, check), 0, what, never);
        const layer = inFile(good, check);
        expect(await pool.scan(layer, 0, what, never)).toEqual(want);
        expect(layer.learned).toEqual(["none", "none"]);
        // a bad header mid-way, and a wrong diff_id: the tar's error; cut short: the digest's
        const badHeader = Buffer.from(good);
        badHeader[1536] ^= 0xff;
        const cut = good.subarray(0, 2048 + 1000);
        for (const bytes of [badHeader, cut]) {
          const once = await failure(onePass.scan(inFile(bytes, check), 0, what, never));
          const split = await failure(pool.scan(inFile(bytes, check), 0, what, never));
          expect(split.message).toBe(once.message);
          expect(split.name).toBe("SourceError");
        }
        expect((await failure(pool.scan(inFile(cut, check), 0, what, never))).message).toMatch(/does not match the config's diff_id/);
        expect((await failure(pool.scan(inFile(badHeader, check), 0, what, never))).message).not.toMatch(/diff_id/);
      } finally {
        await pool.close();
        await onePass.close();
      }
    });

    it("scans chunks of any size, copied or moved, plain or compressed", async () => {
      const pool = new dist.WorkerPool(interest, 2);
      try {
        const plain = await pool.scan(storedLayer(good, 1 << 20, check, { transferable: true }), 0, what, never);
        expect(plain.tarBytes).toBe(good.length);
        expect(plain.index.files.map((f) => f.path)).toEqual(["/etc", "/etc/passwd", "/data", "/z"]);
        expect(plain.index.files[1]!.content).toBeInstanceOf(Buffer);
        expect(plain.index.files[1]!.content?.toString()).toBe("root:x:0:0::/:/bin/sh\n");
        for (const chunk of [1000, 4096 + 3, 3 << 20]) {
          const r = await pool.scan(storedLayer(good, chunk, check), 0, what, never);
          expect(r.index).toEqual(plain.index);
        }
        const gz = gzipSync(good);
        const layer = storedLayer(gz, 7777, { ...check, blob: { digest: sha256(gz), what: `${what}: blob` } });
        const r = await pool.scan(layer, 0, what, never);
        expect(r.index).toEqual(plain.index);
        expect(layer.learned).toEqual(["gzip"]);
      } finally {
        await pool.close();
      }
    });

    it("turns bad tars, bad digests and a crashed worker into one-line SourceErrors naming the layer", async () => {
      const pool = new dist.WorkerPool(interest, 1);
      try {
        const escape = tarBuffer([{ name: "../x", content: "x" }]);
        let e = await failure(pool.scan(storedLayer(escape, 1 << 20, checkOf(escape, what)), 0, what, never));
        expect(e.message).toMatch(/^test: layer 1\/1: .*'\.\.\/x'.*escapes the image root/);
        const cut = good.subarray(0, 1536 + 100);
        e = await failure(pool.scan(storedLayer(cut, 1 << 20, checkOf(cut, what)), 0, what, never));
        expect(e.message).toMatch(/^test: layer 1\/1: .*truncated/i);
        e = await failure(pool.scan(storedLayer(good, 65536, checkOf(Buffer.from("other"), what)), 0, what, never));
        expect(e.message).toMatch(/^test: layer 1\/1: uncompressed content does not match the config's diff_id: digest mismatch/);
        // an interest the worker cannot use makes it throw outside any scan: the thread dies
        const broken = new dist.WorkerPool({ exact: 5 } as unknown as InterestSpec, 1);
        try {
          e = await failure(broken.scan(storedLayer(good, 1 << 20, check), 0, what, never));
          expect(e.name).toBe("SourceError");
          expect(e.message).toMatch(/^test: layer 1\/1: the layer scan failed/);
        } finally {
          await broken.close();
        }
        // the pool goes on with the next layer
        expect((await pool.scan(storedLayer(good, 1 << 20, check), 0, what, never)).tarBytes).toBe(good.length);
      } finally {
        await pool.close();
      }
    });

    it("reads a blob that does not inflate to its end, to say it is not what its digest says", async () => {
      const pool = new dist.WorkerPool(interest, 1);
      try {
        const tar = tarBuffer([{ name: "data", content: seededBytes(4, "data", 6_000_000) }]);
        const gz = gzipSync(tar, { level: 1 });
        const bad = Buffer.from(gz);
        bad[3] = 0xff; // header flags no gunzip knows: it fails at once, with megabytes still to come
        const blobCheck = (of: Buffer) => ({ ...checkOf(tar, what), blob: { digest: sha256(of), size: of.length, what: `${what}: blob` } });
        let e = await failure(pool.scan(storedLayer(bad, 65536, blobCheck(gz)), 0, what, never));
        expect(e.message).toMatch(/^test: layer 1\/1: blob: digest mismatch: expected sha256:/);
        e = await failure(pool.scan(storedLayer(bad, 65536, blobCheck(bad), { transferable: true }), 0, what, never));
        expect(e.message).toBe("test: layer 1/1: cannot decompress: unknown header flags set");
      } finally {
        await pool.close();
      }
    });

    it("stops at once when told to, and lets go of the stream", async () => {
      const pool = new dist.WorkerPool(interest, 1);
      try {
        const stream = new Readable({ read() {} });
        stream.push(good.subarray(0, 4096));
        const stop = new AbortController();
        const p = failure(pool.scan(storedLayer(good, 1 << 20, check, { stream }), 0, what, stop.signal));
        setTimeout(() => stop.abort(new Error("another layer failed")), 50);
        expect((await p).message).toBe("another layer failed");
        expect(stream.destroyed).toBe(true);
      } finally {
        await pool.close();
      }
    });
  });

  it("leaves no worker behind: the process ends by itself after a read, and after a failed one", async () => {
    const p = join(dir, "exit-layout");
    await writeOciLayout(p, [{ image: buildImage(spec), refName: "t" }]);
    const bad = join(dir, "exit-bad");
    await writeOciLayout(bad, [{ image: buildImage(spec, { faults: { wrongDiffId: 2 } }), refName: "t" }]);
    const script = `
      const { openImage } = await import(${JSON.stringify(pathToFileURL(join(DIST, "inspect/resolve.js")).href)});
      const { readLayers } = await import(${JSON.stringify(pathToFileURL(join(DIST, "inspect/read-layers.js")).href)});
      const { factsInterest } = await import(${JSON.stringify(pathToFileURL(join(DIST, "inspect/facts/interest.js")).href)});
      for (const ref of process.argv.slice(1)) {
        const img = await openImage(ref);
        try {
          const r = await readLayers(img, factsInterest(await img.config()), { workers: 2 });
          console.log("ok", r.layers.length);
        } catch (e) {
          console.log("failed", e.message.includes("diff_id"));
        } finally {
          await img.close();
        }
      }`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script, `oci:${p}:t`, `oci:${bad}:t`], { encoding: "utf8", timeout: 30_000 });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim().split("\n")).toEqual(["ok 3", "failed true"]);
    expect(r.status).toBe(0);
  });
});
