/**
 * The ~900 MB bench image: a Debian-based Go builder image, made of this host's own Debian
 * files (as bench/build-image.js does), laid out the way `FROM debian:12` + apt-get + a Go
 * build would be:
 *
 *   base      /etc, /var/lib/dpkg, /bin → usr/bin…, /usr/bin, /usr/sbin, the multiarch libraries   (~14 %)
 *   toolchain RUN apt-get install golang-1.19-go gcc libc6-dev make git: /usr/lib/go-*, /usr/lib/gcc,
 *             /usr/include, /usr/libexec, git, perl, the rest of the multiarch libraries          (~62 %)
 *   share     RUN apt-get install … (docs, locales, the rest of /usr/share)                        (the rest)
 *   app       COPY the go-scratch bench service to /usr/local/bin, and its config
 *
 * Written as a docker-archive (uncompressed layers; bench/docker-archive.js), cached under
 * bench/.work/debian-KEY/: reruns reuse it.
 *
 * Usage: node bench/debian-image.js   (build or reuse, print the metadata; builds the go-scratch image first)
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ARCH, MULTIARCH, WORK, planLayers, pool, tarLayer } from "./build-image.js";
import { tarStage, writeDockerArchive } from "./docker-archive.js";
import { buildGoScratchImage } from "./go-scratch-image.js";

/** Bump when what is built changes: old caches are then ignored. */
export const DEBIAN_VERSION = "v1";
export const DEBIAN_TAG = "imgpolicy-bench/debian-go:1";
const TARGET_BYTES = 875e6;

function layerSpecs() {
  return [
    {
      name: "base",
      createdBy: "ADD rootfs.tar.xz / # debian:12",
      always: ["bin", "sbin", "lib", "lib64", "usr/lib64", "etc", "var/lib/dpkg", "usr/lib/os-release", "usr/share/zoneinfo", "usr/share/ca-certificates"],
      roots: ["usr/bin", "usr/sbin", `usr/lib/${MULTIARCH}`],
      share: 0.14,
    },
    {
      name: "toolchain",
      createdBy: "RUN apt-get update && apt-get install -y --no-install-recommends golang-1.19-go gcc libc6-dev make git && rm -rf /var/lib/apt/lists/*",
      roots: ["usr/lib/go-*", "usr/lib/gcc", "usr/include", "usr/libexec", "usr/lib/git-core", "usr/share/perl*", "usr/lib/python3*", `usr/lib/${MULTIARCH}`],
      share: 0.62,
    },
    {
      name: "share",
      createdBy: "RUN apt-get install -y --no-install-recommends locales man-db && rm -rf /var/lib/apt/lists/*",
      roots: ["usr/share", "usr/lib"],
      last: true,
    },
  ];
}

/**
 * Builds (or reuses) the Debian bench image. Returns its metadata (also in meta.json):
 * { key, archive: { path, ref, bytes }, configDigest, layers, totals, reused }.
 */
export async function buildDebianImage({ log = (s) => console.error(s) } = {}) {
  const key = `${DEBIAN_VERSION}-${ARCH}`;
  const dir = path.join(WORK, `debian-${key}`);
  const metaFile = path.join(dir, "meta.json");
  if (fs.existsSync(metaFile)) {
    const meta = JSON.parse(fs.readFileSync(metaFile, "utf8"));
    if (fs.existsSync(meta.archive.path)) {
      log(`debian image ${key}: reusing ${path.relative(process.cwd(), dir)}`);
      return { ...meta, reused: true };
    }
  }
  const service = await buildGoScratchImage({ log });
  const t0 = Date.now();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  log(`debian image ${key}: planning ${(TARGET_BYTES / 1e6).toFixed(0)} MB of layers from this host's Debian files`);
  const { layers: plans } = planLayers(TARGET_BYTES, layerSpecs());
  const tars = await pool(plans, 2, async (p, i) => {
    const out = path.join(dir, `layer${i}.tar`);
    await tarLayer(p, path.join(dir, `layer${i}.list`), out);
    fs.rmSync(path.join(dir, `layer${i}.list`));
    return { file: out, createdBy: p.createdBy, name: p.name, entries: p.paths.length, files: p.files };
  });
  const stage = path.join(dir, "stage-app");
  fs.mkdirSync(path.join(stage, "usr", "local", "bin"), { recursive: true });
  fs.mkdirSync(path.join(stage, "etc", "bench-service"), { recursive: true });
  fs.copyFileSync(service.binary, path.join(stage, "usr", "local", "bin", "bench-service"));
  fs.chmodSync(path.join(stage, "usr", "local", "bin", "bench-service"), 0o755);
  fs.writeFileSync(path.join(stage, "etc", "bench-service", "config.yaml"), "listen: :8080\nlog: info\n");
  tars.push({ file: await tarStage(stage, path.join(dir, "layer-app.tar")), createdBy: "COPY bench-service /usr/local/bin/ # buildkit", name: "app", entries: 7, files: 2 });
  fs.rmSync(stage, { recursive: true, force: true });

  const config = {
    architecture: ARCH,
    os: "linux",
    config: {
      Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/go-1.19/bin", "GOPATH=/go"],
      ExposedPorts: { "8080/tcp": {} },
      Entrypoint: ["/usr/local/bin/bench-service"],
      WorkingDir: "/",
      Labels: { "org.opencontainers.image.title": "imgpolicy bench Debian Go image", "org.opencontainers.image.version": "1.0.0" },
    },
  };
  log(`debian image ${key}: writing the docker-archive`);
  const archive = await writeDockerArchive({ workDir: dir, archivePath: path.join(dir, "image.tar"), tag: DEBIAN_TAG, config, layers: tars });
  const meta = {
    key,
    builtAt: new Date().toISOString(),
    buildSeconds: (Date.now() - t0) / 1000,
    archive: { path: archive.path, ref: archive.ref, bytes: archive.bytes },
    configDigest: archive.configDigest,
    layers: archive.layers.map((l, i) => ({ name: tars[i].name, entries: tars[i].entries, files: tars[i].files, ...l })),
    totals: { files: tars.reduce((a, t) => a + t.files, 0), entries: tars.reduce((a, t) => a + t.entries, 0) },
  };
  fs.writeFileSync(metaFile, JSON.stringify(meta, null, 2) + "\n");
  log(`debian image ${key}: ${(meta.archive.bytes / 1e6).toFixed(0)} MB archive built in ${meta.buildSeconds.toFixed(1)} s`);
  return { ...meta, reused: false };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await buildDebianImage(), null, 2));
}
