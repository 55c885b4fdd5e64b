/**
 * Builds the bench image from this machine's own Debian userland and stores it two ways:
 *
 *   docker-archive  bench/.work/image-KEY/image.tar   classic `docker save` form:
 *                   <id>/layer.tar (uncompressed), <id>/json, <id>/VERSION,
 *                   <config>.json, manifest.json, repositories
 *   OCI layout      bench/.work/image-KEY/oci/        gzip -1 (or pigz -1) blobs of the same layer tars
 *
 * Layers are GNU tar archives of host directories (/etc, /var/lib/dpkg, /usr/bin, /usr/share,
 * large binaries from the Go toolchain and the multiarch library directory, more libraries),
 * filled up to BENCH_SIZE_GB (GiB, default 1) of uncompressed tar bytes, plus a small
 * layer of whiteouts. Files that are not world-readable (shadow, private keys…) are left out.
 *
 * Everything is cached under bench/.work/ keyed by BUILD_VERSION, the size and the arch:
 * reruns reuse it. The archive is also `docker load`ed as imgpolicy-bench:1 when an engine
 * answers (for the `docker save` comparison in run.js).
 *
 * Usage: node bench/build-image.js            (build or reuse, print the metadata)
 *        import { buildBenchImage } from "./build-image.js"
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Bump when the layout of the built artefacts changes: old caches are then ignored. */
export const BUILD_VERSION = "v1";
export const BENCH_TAG = "imgpolicy-bench:1";
export const OCI_TAG = "1";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const WORK = path.join(HERE, ".work");
const GiB = 2 ** 30;
const MiB = 2 ** 20;
export const CREATED = "2024-01-01T00:00:00Z";

export const ARCH = { x64: "amd64", arm64: "arm64", ppc64: "ppc64le", s390x: "s390x", arm: "arm" }[process.arch] ?? process.arch;
export const MULTIARCH = { x64: "x86_64-linux-gnu", arm64: "aarch64-linux-gnu", ppc64: "powerpc64le-linux-gnu", s390x: "s390x-linux-gnu" }[
  process.arch
] ?? "x86_64-linux-gnu";

export function benchSizeGB() {
  const raw = process.env.BENCH_SIZE_GB ?? "1";
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`BENCH_SIZE_GB=${raw}: want a positive number of GiB`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// processes

/**
 * Runs a command; resolves { code, stdout, stderr } (stdout captured unless redirected).
 * `ok` lists the exit codes that count as success (GNU tar exits 1 for "file changed as we read it").
 */
export function run(cmd, args, { ok = [0], stdoutFile, stdin = "ignore", capture = true, env, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const out = stdoutFile ? fs.openSync(stdoutFile, "w") : capture ? "pipe" : "ignore";
    const child = spawn(cmd, args, { stdio: [stdin, out, "pipe"], env: env ?? process.env, cwd });
    if (typeof out === "number") fs.closeSync(out);
    const chunks = [];
    let err = "";
    child.stdout?.on("data", (d) => chunks.push(d));
    child.stderr.on("data", (d) => {
      err += d;
      if (err.length > 64 * 1024) err = err.slice(-32 * 1024);
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const res = { code: code ?? 128, signal, stdout: Buffer.concat(chunks).toString("utf8"), stderr: err };
      if (ok.includes(res.code)) resolve(res);
      else {
        const e = new Error(`${cmd} ${args.join(" ")} exited ${signal ?? code}: ${err.trim().split("\n").slice(-5).join(" | ")}`);
        e.result = res;
        reject(e);
      }
    });
  });
}

/** bash -c SCRIPT with pipefail; extra args become $1, $2… (so paths need no quoting). */
export function bash(script, args = [], opts = {}) {
  return run("bash", ["-c", `set -euo pipefail; ${script}`, "bench", ...args], opts);
}

export async function have(cmd) {
  try {
    await bash('command -v "$1" >/dev/null', [cmd]);
    return true;
  } catch {
    return false;
  }
}

export async function pool(items, n, fn) {
  const results = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return results;
}

export async function sha256File(file) {
  const { stdout } = await run("openssl", ["dgst", "-sha256", "-r", file]);
  const hex = stdout.trim().split(/\s+/)[0];
  if (!/^[a-f0-9]{64}$/.test(hex ?? "")) throw new Error(`openssl dgst ${file}: unexpected output '${stdout.trim()}'`);
  return hex;
}

export const sha256Hex = (buf) => createHash("sha256").update(buf).digest("hex");

// ---------------------------------------------------------------------------------------------
// choosing files

/** Bytes a tar entry takes: header, GNU long-name header when needed, data padded to 512. */
function tarBytes(rel, size) {
  const pad = (n) => Math.ceil(n / 512) * 512;
  const longName = Buffer.byteLength(rel) >= 100 ? 512 + pad(Buffer.byteLength(rel) + 1) : 0;
  return 512 + longName + pad(size);
}

function lstatOrNull(abs) {
  try {
    return fs.lstatSync(abs);
  } catch {
    return null;
  }
}

/** Expands "usr/lib/go-*" (a trailing * only) to existing relative paths, sorted. */
function expandRoot(root) {
  if (!root.endsWith("*")) return lstatOrNull("/" + root) ? [root] : [];
  const dir = path.posix.dirname(root);
  const prefix = path.posix.basename(root).slice(0, -1);
  let names = [];
  try {
    names = fs.readdirSync("/" + dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(prefix))
    .sort()
    .map((n) => `${dir}/${n}`);
}

/**
 * Pre-order walk below `rel` (relative to /), sorted by name. Yields { rel, kind, size } for
 * directories, regular files and symlinks that everyone can read; skips sockets, fifos, devices,
 * names with newlines and anything that is not world-readable.
 */
export function* walk(rel) {
  const st = lstatOrNull("/" + rel);
  if (!st) return;
  if (rel.includes("\n")) return;
  if (st.isSymbolicLink()) {
    yield { rel, kind: "l", size: 0 };
  } else if (st.isFile()) {
    if ((st.mode & 0o004) === 0) return;
    yield { rel, kind: "f", size: st.size };
  } else if (st.isDirectory()) {
    if ((st.mode & 0o005) !== 0o005) return;
    yield { rel, kind: "d", size: 0 };
    let names;
    try {
      names = fs.readdirSync("/" + rel);
    } catch {
      return;
    }
    names.sort();
    for (const n of names) yield* walk(`${rel}/${n}`);
  }
}

/** One layer being planned: an ordered list of relative paths, with every parent directory first. */
class LayerPlan {
  constructor(name, createdBy) {
    this.name = name;
    this.createdBy = createdBy;
    this.paths = [];
    this.dirs = new Set();
    this.bytes = 1024; // end-of-archive blocks
    this.files = 0;
  }
  addParents(rel) {
    const parts = rel.split("/");
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join("/");
      if (!this.dirs.has(d)) {
        this.dirs.add(d);
        this.paths.push(d);
        this.bytes += tarBytes(d + "/", 0);
      }
    }
  }
  add(e) {
    if (e.kind === "d" && this.dirs.has(e.rel)) return;
    this.addParents(e.rel);
    if (e.kind === "d") this.dirs.add(e.rel);
    this.paths.push(e.rel);
    this.bytes += tarBytes(e.rel, e.size);
    if (e.kind === "f") this.files++;
  }
}

/**
 * The layer plan for a target size. Each layer has a share of the target; within a layer
 * each root gets an equal part of what is left of the layer's budget, and what a root does
 * not use passes on to the next. The last layer takes whatever the target still needs.
 */
export function planLayers(targetBytes, specs = benchLayerSpecs()) {
  const taken = new Set();
  const layers = [];
  let total = 0;
  for (const spec of specs) {
    const L = new LayerPlan(spec.name, spec.createdBy);
    const take = (e) => {
      if (e.kind !== "d" && taken.has(e.rel)) return false;
      if (spec.minFileSize && !(e.kind === "f" && e.size >= spec.minFileSize)) return false;
      L.add(e);
      if (e.kind !== "d") taken.add(e.rel);
      return true;
    };
    for (const a of spec.always ?? []) for (const e of walk(a)) take(e);
    const budget = spec.last ? Math.max(0, targetBytes - total - L.bytes) + L.bytes : spec.share * targetBytes;
    const roots = spec.roots.flatMap(expandRoot);
    for (let r = 0; r < roots.length; r++) {
      const rootBudget = L.bytes + (budget - L.bytes) / (roots.length - r);
      if (L.bytes >= budget) break;
      for (const e of walk(roots[r])) {
        if (L.bytes >= rootBudget) break;
        take(e);
      }
    }
    total += L.bytes;
    layers.push(L);
  }
  return { layers, total };
}

/** The layers of the 1 GiB bench image (see planLayers). */
function benchLayerSpecs() {
  return [
    {
      name: "base",
      createdBy: "ADD host:/etc /var/lib/dpkg /usr/sbin /usr/bin in /",
      always: ["bin", "sbin", "lib", "lib64", "usr/lib64", "etc", "var/lib/dpkg", "usr/lib/os-release"],
      roots: ["usr/sbin", "usr/bin"],
      share: 0.3,
    },
    { name: "share", createdBy: "ADD host:/usr/share in /usr/share", roots: ["usr/share"], share: 0.35 },
    {
      name: "large-binaries",
      createdBy: `ADD host:/usr/lib/go-* host:/usr/lib/${MULTIARCH} (files >= 4 MiB) in /usr/lib`,
      roots: ["usr/lib/go-*", `usr/lib/${MULTIARCH}`, "usr/lib/llvm-*", "usr/lib/jvm"],
      minFileSize: 4 * MiB,
      share: 0.2,
    },
    {
      name: "libs",
      createdBy: `ADD host:/usr/lib/${MULTIARCH} host:/usr/lib/python3* host:/usr/lib/gcc in /usr/lib`,
      roots: ["usr/lib/python3*", "usr/lib/gcc", `usr/lib/${MULTIARCH}`, "usr/lib", "usr/libexec", "usr/include", "usr/share"],
      share: 0.15,
      last: true,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// building

export async function tarLayer(plan, listFile, outFile) {
  fs.writeFileSync(listFile, plan.paths.map((p) => p + "\0").join(""));
  await run(
    "tar",
    [
      "-C", "/",
      "--null", "--no-recursion", "--hard-dereference", "--ignore-failed-read",
      "--format=gnu", "--numeric-owner",
      "-cf", outFile,
      "-T", listFile,
    ],
    { ok: [0, 1], capture: false },
  );
}

/** The last layer: whiteouts for a few files of the base layer and one replaced file. */
async function tarCleanupLayer(stage, outFile, basePaths) {
  fs.rmSync(stage, { recursive: true, force: true });
  const base = new Set(basePaths);
  const gone = ["etc/motd", "etc/issue.net", "etc/debian_version", "var/lib/dpkg/status-old"].filter((p) => base.has(p));
  const entries = new Set();
  for (const p of gone) {
    const wh = `${path.posix.dirname(p)}/.wh.${path.posix.basename(p)}`;
    fs.mkdirSync(path.join(stage, path.posix.dirname(p)), { recursive: true });
    fs.writeFileSync(path.join(stage, wh), "");
    entries.add(path.posix.dirname(p).split("/")[0]);
  }
  fs.mkdirSync(path.join(stage, "etc"), { recursive: true });
  fs.writeFileSync(path.join(stage, "etc/hostname"), "imgpolicy-bench\n");
  entries.add("etc");
  await run("tar", [
    "-C", stage,
    "--sort=name", "--format=gnu", "--numeric-owner", "--owner=0", "--group=0", `--mtime=${CREATED}`,
    "-cf", outFile,
    ...[...entries].sort(),
  ]);
  const { stdout } = await run("tar", ["-tf", outFile]);
  return { whiteouts: gone, files: gone.length + 1, paths: stdout.split("\n").filter(Boolean) };
}

function legacyLayerJson(id, parent, isLast, config) {
  const j = { id, ...(parent ? { parent } : {}), created: CREATED, container_config: { Cmd: null }, os: "linux" };
  if (isLast) Object.assign(j, { architecture: config.architecture, config: config.config });
  return JSON.stringify(j);
}

/**
 * Builds (or reuses) the bench image. Returns its metadata (also in meta.json of the cache dir).
 * `log` receives progress lines.
 */
export async function buildBenchImage({ sizeGB = benchSizeGB(), log = (s) => console.error(s), load = true } = {}) {
  const key = `${BUILD_VERSION}-${sizeGB}g-${ARCH}`;
  const dir = path.join(WORK, `image-${key}`);
  const metaFile = path.join(dir, "meta.json");
  let meta;
  if (fs.existsSync(metaFile)) {
    meta = JSON.parse(fs.readFileSync(metaFile, "utf8"));
    const missing = [meta.archive.path, path.join(meta.oci.path, "index.json")].filter((p) => !fs.existsSync(p));
    if (missing.length === 0) {
      log(`bench image ${key}: reusing ${path.relative(process.cwd(), dir)} (built ${meta.builtAt})`);
      meta.reused = true;
    } else meta = undefined;
  }
  if (!meta) {
    const t0 = Date.now();
    meta = await build(dir, key, sizeGB, log);
    meta.buildSeconds = (Date.now() - t0) / 1000;
    fs.writeFileSync(metaFile, JSON.stringify(meta, null, 2) + "\n");
    meta.reused = false;
    log(`bench image ${key}: built in ${meta.buildSeconds.toFixed(1)} s`);
  }
  meta.docker = load ? await dockerLoad(meta, log) : { loaded: false, note: "not asked to load" };
  return meta;
}

async function build(dir, key, sizeGB, log) {
  fs.rmSync(dir, { recursive: true, force: true });
  const tmp = path.join(dir, "tmp");
  const archiveDir = path.join(dir, "archive");
  const ociDir = path.join(dir, "oci");
  const blobs = path.join(ociDir, "blobs", "sha256");
  for (const d of [tmp, archiveDir, blobs]) fs.mkdirSync(d, { recursive: true });

  const targetBytes = Math.ceil(sizeGB * GiB);
  log(`bench image ${key}: planning ${sizeGB} GiB of layers from this host's userland`);
  const { layers: plans } = planLayers(targetBytes);

  log(`bench image ${key}: writing ${plans.length + 1} layer tars (GNU tar)`);
  const tarFiles = await pool([...plans, null], 2, async (p, i) => {
    const out = path.join(tmp, `layer${i}.tar`);
    if (p) await tarLayer(p, path.join(tmp, `layer${i}.list`), out);
    else {
      const cleanup = await tarCleanupLayer(path.join(tmp, "cleanup"), out, plans[0].paths);
      const by = `RUN rm -f ${cleanup.whiteouts.map((w) => "/" + w).join(" ")} && echo imgpolicy-bench > /etc/hostname`;
      p = Object.assign(new LayerPlan("cleanup", by), cleanup);
    }
    return { plan: p, file: out };
  });

  const gz = (await have("pigz")) ? "pigz" : "gzip";
  log(`bench image ${key}: diff_ids (openssl) and ${gz} -1 blobs`);
  const layers = await pool(tarFiles, 2, async ({ plan, file }, i) => {
    const diffHex = await sha256File(file);
    const gzTmp = path.join(tmp, `layer${i}.tar.gz`);
    await bash(`${gz} -1 -n -c -- "$1" > "$2"`, [file, gzTmp]);
    const gzHex = await sha256File(gzTmp);
    fs.renameSync(gzTmp, path.join(blobs, gzHex));
    return {
      name: plan.name,
      createdBy: plan.createdBy,
      entries: plan.paths.length,
      files: plan.files,
      ...(plan.whiteouts ? { whiteouts: plan.whiteouts } : {}),
      bytes: fs.statSync(file).size,
      diffId: `sha256:${diffHex}`,
      gzDigest: `sha256:${gzHex}`,
      gzSize: fs.statSync(path.join(blobs, gzHex)).size,
      tmpFile: file,
    };
  });

  // the image config, shared by both forms
  const config = {
    architecture: ARCH,
    os: "linux",
    created: CREATED,
    config: {
      Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      Cmd: ["/bin/bash"],
      WorkingDir: "/",
      Labels: { "org.opencontainers.image.title": "imgpolicy bench image", "imgpolicy.bench.version": key },
    },
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    history: [
      ...layers.map((l) => ({ created: CREATED, created_by: `/bin/sh -c #(nop) ${l.createdBy}`, comment: "imgpolicy bench" })),
      { created: CREATED, created_by: '/bin/sh -c #(nop)  CMD ["/bin/bash"]', empty_layer: true },
    ],
  };
  const configRaw = Buffer.from(JSON.stringify(config));
  const configHex = sha256Hex(configRaw);

  // docker-archive, classic form: <id>/layer.tar beside <config>.json, manifest.json, repositories
  let parent = "";
  const layerPaths = [];
  for (const [i, l] of layers.entries()) {
    const id = sha256Hex(`${parent}\n${l.diffId}`);
    fs.mkdirSync(path.join(archiveDir, id));
    fs.renameSync(l.tmpFile, path.join(archiveDir, id, "layer.tar"));
    fs.writeFileSync(path.join(archiveDir, id, "VERSION"), "1.0");
    fs.writeFileSync(path.join(archiveDir, id, "json"), legacyLayerJson(id, parent, i === layers.length - 1, config));
    l.layerTar = path.join(archiveDir, id, "layer.tar");
    l.blob = path.join(blobs, l.gzDigest.slice(7));
    delete l.tmpFile;
    layerPaths.push(`${id}/layer.tar`);
    parent = id;
  }
  const [repo, tag] = BENCH_TAG.split(":");
  fs.writeFileSync(path.join(archiveDir, `${configHex}.json`), configRaw);
  fs.writeFileSync(path.join(archiveDir, "manifest.json"), JSON.stringify([{ Config: `${configHex}.json`, RepoTags: [BENCH_TAG], Layers: layerPaths }]));
  fs.writeFileSync(path.join(archiveDir, "repositories"), JSON.stringify({ [repo]: { [tag]: parent } }) + "\n");
  const archive = path.join(dir, "image.tar");
  log(`bench image ${key}: writing the docker-archive ${path.relative(process.cwd(), archive)}`);
  const top = fs.readdirSync(archiveDir).sort();
  await run("tar", ["-C", archiveDir, "--sort=name", "--format=gnu", "--numeric-owner", "--owner=0", "--group=0", `--mtime=${CREATED}`, "-cf", archive, ...top]);

  // OCI layout with gzip layers
  fs.writeFileSync(path.join(blobs, configHex), configRaw);
  const manifest = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: `sha256:${configHex}`, size: configRaw.length },
    layers: layers.map((l) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: l.gzDigest, size: l.gzSize })),
  };
  const manifestRaw = Buffer.from(JSON.stringify(manifest));
  const manifestHex = sha256Hex(manifestRaw);
  fs.writeFileSync(path.join(blobs, manifestHex), manifestRaw);
  fs.writeFileSync(path.join(ociDir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  fs.writeFileSync(
    path.join(ociDir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: `sha256:${manifestHex}`,
          size: manifestRaw.length,
          annotations: { "org.opencontainers.image.ref.name": OCI_TAG },
          platform: { architecture: ARCH, os: "linux" },
        },
      ],
    }),
  );
  fs.rmSync(tmp, { recursive: true, force: true });

  const sum = (f) => layers.reduce((a, l) => a + l[f], 0);
  return {
    version: BUILD_VERSION,
    key,
    sizeGB,
    targetBytes,
    arch: ARCH,
    builtAt: new Date().toISOString(),
    compressor: `${gz} -1`,
    configDigest: `sha256:${configHex}`,
    manifestDigest: `sha256:${manifestHex}`,
    totals: { bytes: sum("bytes"), entries: sum("entries"), files: sum("files"), gzBytes: sum("gzSize"), layers: layers.length },
    layers,
    archive: { path: archive, ref: `docker-archive:${archive}`, bytes: fs.statSync(archive).size, dir: archiveDir },
    oci: { path: ociDir, ref: `oci:${ociDir}:${OCI_TAG}`, tag: OCI_TAG },
  };
}

/** `docker load`s the archive as imgpolicy-bench:1 unless the engine already has that exact image. */
async function dockerLoad(meta, log) {
  if (!(await have("docker"))) return { loaded: false, note: "docker CLI not installed" };
  try {
    await run("docker", ["info", "--format", "{{.ServerVersion}}"]);
  } catch {
    return { loaded: false, note: "no Docker engine answers" };
  }
  let previous;
  try {
    const { stdout } = await run("docker", ["image", "inspect", "--format", "{{.Id}}", BENCH_TAG]);
    previous = stdout.trim();
    if (previous === meta.configDigest) return { loaded: true, tag: BENCH_TAG, note: "already in the engine" };
  } catch {
    /* not there yet */
  }
  log(`bench image: docker load -i ${path.relative(process.cwd(), meta.archive.path)}`);
  const t0 = Date.now();
  try {
    await run("docker", ["load", "-q", "-i", meta.archive.path]);
  } catch (e) {
    return { loaded: false, note: `docker load failed: ${e.message}` };
  }
  const seconds = (Date.now() - t0) / 1000;
  const { stdout } = await run("docker", ["image", "inspect", "--format", "{{.Id}}", BENCH_TAG]);
  if (stdout.trim() !== meta.configDigest) {
    return { loaded: false, note: `engine has ${BENCH_TAG} as ${stdout.trim()}, not ${meta.configDigest}` };
  }
  if (previous) {
    // an older bench image lost its tag to this one: drop it (it was ours); ignore failures
    await run("docker", ["image", "rm", previous], { ok: [0, 1] }).catch(() => {});
  }
  return { loaded: true, tag: BENCH_TAG, loadSeconds: seconds, note: "loaded now" };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const meta = await buildBenchImage();
  console.log(JSON.stringify({ ...meta, layers: meta.layers.map(({ layerTar, blob, ...l }) => l) }, null, 2));
}

/**
 * Reads the facts an `imgpolicy inspect --json` run wrote to `file` and checks them against
 * what buildBenchImage() built (layers, config, how many files): { ok, error?, summary, facts? }.
 */
export function checkFactsFile(file, meta) {
  let facts;
  try {
    facts = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    return { ok: false, error: `output is not JSON: ${e.message}` };
  }
  const problems = [];
  const got = (facts.image?.layers ?? []).map((l) => l.diffId);
  const want = meta.layers.map((l) => l.diffId);
  if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`layer diff_ids ${JSON.stringify(got)} ≠ built ${JSON.stringify(want)}`);
  if (facts.image?.id !== meta.configDigest) problems.push(`image id ${facts.image?.id} ≠ config ${meta.configDigest}`);
  const files = facts.filesystem?.files ?? 0;
  if (files < meta.totals.files * 0.9) problems.push(`only ${files} files seen; the layers hold ${meta.totals.files}`);
  const summary = {
    files,
    directories: facts.filesystem?.directories,
    symlinks: facts.filesystem?.symlinks,
    elfBinaries: facts.binaries?.length,
    os: facts.filesystem?.osRelease?.prettyName,
    entrypointFound: facts.entrypoint?.found,
  };
  return problems.length ? { ok: false, error: `wrong facts: ${problems.join("; ")}`, summary, facts } : { ok: true, summary, facts };
}
