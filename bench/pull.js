/**
 * `npm run bench:pull` (or `node bench/pull.js` after `npm run build`), the bench of issue 3:
 * pull-and-inspect of the bench image (bench/build-image.js, ≥ 500 MB of uncompressed layers,
 * gzip blobs) from a local registry, against what a user would otherwise do.
 *
 *   setup   the cached bench OCI layout (built when missing), a Distribution registry
 *           (`docker-registry serve`) on a free port of 127.0.0.1 in a temp dir, the image
 *           pushed with `skopeo copy oci:… docker://127.0.0.1:PORT/bench/app:1`
 *   (a)     imgpolicy inspect --json --no-cache --quiet --source registry REF      (cold)
 *   (b)     skopeo copy docker://REF oci:TMP:1, then imgpolicy inspect --json oci:TMP:1
 *           (one after the other: the download and the inspection do not overlap)
 *   (c)     docker pull REF   (the engine treats 127.0.0.0/8 as insecure; the image is
 *           removed between runs, and imgpolicy-bench:1 — the same image — is untagged
 *           meanwhile so that the pull is cold, then given back)
 *   (d)     imgpolicy inspect --cache-dir DIR: once to fill the cache (timed too), then warm
 *   (e)     imgpolicy check --no-cache --policy base (cold, registry), against
 *   (f)     skopeo copy docker://REF oci:TMP:1 alone (it does not decompress): issue 13's goal
 *           is (e) ≤ 2.0× (f), and a peak RSS ≤ 128 MB for (a) and (e)
 *
 * BENCH_PULL_ONLY=check runs (e) and (f) only: `npm run bench` runs that after bench/run.js, with
 * BENCH_SIZE_GB=0.85 (a ~900 MB image of this host's Debian userland in 5 gzip layers).
 *
 * Every blob the registry serves is counted from its access log (`log.accesslog`, level
 * error otherwise): a cold run must GET every layer and the config, a warm run no blob.
 *
 * Wall time and peak RSS come from /usr/bin/time -f '%e %M'; (a)–(d) run interleaved,
 * BENCH_RUNS rounds (default 3), and the median counts (min–max shown). Ratios only: the
 * machine is shared and noisy, so besides the ratio of the medians each round's own ratio is
 * given (both sides ran under the same load). When imgpolicy is not faster than
 * skopeo+inspect, or a warm run not faster than a cold one (or with BENCH_PROFILE=1), one
 * more such run is made under `node --cpu-prof` and the busiest functions and files of each
 * thread are printed (profiles kept in bench/.work/pull-profile/).
 *
 * Env: BENCH_SIZE_GB (as for build-image.js, default 1), BENCH_RUNS (default 3),
 *      BENCH_DOCKER=0 to skip docker pull, BENCH_PROFILE=1 / =0 to force / forbid the profile,
 *      IMGPOLICY_REGISTRY_BIN (the registry binary, default docker-registry).
 * The CLI is measured from a copy of bin/, dist/ and package.json made at the start
 * (bench/.work/pull-cli/, which finds node_modules/ up the tree; removed at the end), so
 * a rebuild of dist/ while the bench runs does not change the code under test halfway.
 * Writes bench/.work/pull-results.json. The registry, its temp dir and the other temp dirs
 * are removed on exit, on errors and on SIGINT/SIGTERM. Exits 0 unless something failed:
 * a command, a wrong answer, or a warm run that downloaded a blob. Timing goals are reported.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BENCH_TAG, WORK, benchSizeGB, buildBenchImage, checkFactsFile, have, run } from "./build-image.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
/** The CLI measured: a copy of bin/, dist/ and package.json taken at the start (see snapshotCli). */
const SNAPSHOT = path.join(WORK, "pull-cli");
const CLI = path.join(SNAPSHOT, "bin", "imgpolicy.js");
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3) | 0);
const WANT_DOCKER = process.env.BENCH_DOCKER !== "0";
const PROFILE = process.env.BENCH_PROFILE; // "1" always, "0" never, else when a goal is missed
/** "check": only check --no-cache against skopeo copy (issue 13's row). */
const ONLY = process.env.BENCH_PULL_ONLY === "check" ? "check" : undefined;
/** Issue 13: check --no-cache ≤ 2.0× skopeo copy; peak RSS ≤ 128 MB. */
const CHECK_GOAL_X = 2.0;
const RSS_GOAL_MB = 128;
const TIME = "/usr/bin/time";
const MIN_BYTES = 500e6;
const REPO = "bench/app";
const TAG = "1";
const RESULTS = path.join(WORK, "pull-results.json");
const PROFILE_DIR = path.join(WORK, "pull-profile");

const log = (s) => process.stderr.write(s + "\n");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtS = (s) => (s == null ? "—" : `${s.toFixed(2)} s`);
const fmtX = (r) => (r == null || !Number.isFinite(r) ? "—" : `${r.toFixed(2)}×`);
const fmtMB = (mb) => (mb == null ? "—" : `${Math.round(mb)} MB`);
const fmtBytes = (n) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(1)} MB`);
const rel = (p) => path.relative(process.cwd(), p) || ".";
const anyCode = Array.from({ length: 256 }, (_, i) => i);

// ---------------------------------------------------------------------------------------------
// what must go when the bench ends, however it ends

const state = {
  /** The temp dir: registry (config, data, logs), skopeo layouts, the blob cache. */
  tmp: undefined,
  /** The registry child. */
  registry: undefined,
  /** The timed command running now (its own process group). */
  current: undefined,
  /** Engine state to give back: { imageId, archive, removedTags, pulledRef, restored }. */
  docker: undefined,
  cleaned: false,
  /** A signal came: nothing new may start while the handler cleans up. */
  stopping: false,
};

/** Parks the main flow for good once a signal handler has taken over. */
const halted = () => new Promise(() => {});

function killGroup(child, signal = "SIGKILL") {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* gone */
    }
  }
}

/** Gives the engine back what the docker rounds took: imgpolicy-bench:1, and no registry tag. */
function restoreDockerSync() {
  const d = state.docker;
  if (!d || d.restored) return;
  d.restored = true;
  const docker = (args) => spawnSync("docker", args, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", timeout: 600_000 });
  if (d.removedTags.length > 0) {
    const present = docker(["image", "inspect", "--format", "{{.Id}}", d.imageId]).status === 0;
    if (!present) {
      log(`giving the engine back ${d.removedTags.join(", ")}: docker load -i ${rel(d.archive)} (takes a while)`);
      const r = docker(["load", "-q", "-i", d.archive]);
      if (r.status !== 0) log(`  docker load failed: ${(r.stderr ?? "").trim()}`);
    }
    for (const t of d.removedTags) {
      const r = docker(["tag", d.imageId, t]);
      if (r.status !== 0) log(`  docker tag ${d.imageId} ${t} failed: ${(r.stderr ?? "").trim()}`);
    }
  }
  if (docker(["image", "inspect", d.pulledRef]).status === 0) docker(["rmi", d.pulledRef]);
}

function cleanupSync() {
  if (state.cleaned) return;
  state.cleaned = true;
  killGroup(state.current);
  if (state.registry) killGroup(state.registry);
  try {
    restoreDockerSync();
  } catch (e) {
    log(`restoring the engine failed: ${e.message}`);
  }
  if (state.tmp) fs.rmSync(state.tmp, { recursive: true, force: true });
  fs.rmSync(SNAPSHOT, { recursive: true, force: true });
}

process.once("exit", cleanupSync);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(sig, async () => {
    state.stopping = true;
    log(`\n${sig}: stopping the registry, giving the engine back its image, removing temp dirs`);
    // end and reap our children (this process's init may not reap orphans), then the rest
    const current = state.current;
    killGroup(current);
    const reaped = (child) => (!child || child.exitCode !== null || child.signalCode !== null ? null : new Promise((r) => child.once("exit", r)));
    await Promise.race([Promise.all([reaped(current), stopRegistry()]), sleep(6000)]).catch(() => {});
    cleanupSync();
    process.exit(128 + (os.constants.signals[sig] ?? 1));
  });
}

// ---------------------------------------------------------------------------------------------
// the registry

function findRegistryBinary() {
  const env = process.env.IMGPOLICY_REGISTRY_BIN;
  if (env) return fs.existsSync(env) ? env : undefined;
  if (fs.existsSync("/usr/bin/docker-registry")) return "/usr/bin/docker-registry";
  for (const d of (process.env.PATH ?? "").split(path.delimiter)) {
    for (const n of ["docker-registry", "registry"]) if (d && fs.existsSync(path.join(d, n))) return path.join(d, n);
  }
  return undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Distribution's config.yml: filesystem storage, plain HTTP, errors only, plus the access log. */
function registryConfig({ port, id, dataDir }) {
  const q = JSON.stringify;
  return [
    "version: 0.1",
    "log:",
    "  level: error",
    "  accesslog:",
    "    disabled: false",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${q(dataDir)}`,
    "  delete:",
    "    enabled: true",
    "  maintenance:",
    "    uploadpurging:",
    "      enabled: false",
    "http:",
    `  addr: ${q(`127.0.0.1:${port}`)}`,
    "  draintimeout: 1s",
    "  headers:",
    `    X-Imgpolicy-Registry: [${q(id)}]`,
    "",
  ].join("\n");
}

/** GET /v2/: the status and our id header, or undefined when nothing answers. */
function probe(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/v2/", timeout: 1000, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode, id: res.headers["x-imgpolicy-registry"] }));
      res.on("error", () => resolve(undefined));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(undefined));
  });
}

async function startRegistry(binary, dir) {
  const dataDir = path.join(dir, "data");
  fs.mkdirSync(dataDir, { recursive: true });
  const configFile = path.join(dir, "config.yml");
  const accessLog = path.join(dir, "access.log");
  const errorLog = path.join(dir, "registry.log");
  const pdeathsig = spawnSync("setpriv", ["--pdeathsig", "KILL", "--", "true"], { stdio: "ignore" }).status === 0;
  for (let attempt = 1; attempt <= 4; attempt++) {
    const port = await freePort();
    const id = randomUUID();
    fs.writeFileSync(configFile, registryConfig({ port, id, dataDir }));
    const out = fs.openSync(accessLog, "w");
    const err = fs.openSync(errorLog, "w");
    const [cmd, args] = pdeathsig
      ? ["setpriv", ["--pdeathsig", "KILL", "--", binary, "serve", configFile]]
      : [binary, ["serve", configFile]];
    const child = spawn(cmd, args, { stdio: ["ignore", out, err], cwd: dir, detached: true });
    fs.closeSync(out);
    fs.closeSync(err);
    state.registry = child;
    let spawnError;
    child.on("error", (e) => (spawnError = e));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (spawnError) throw new Error(`cannot run ${binary}: ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null) break;
      const answer = await probe(port);
      if (answer?.status === 200 && answer.id === id) return { host: `127.0.0.1:${port}`, port, child, dir, configFile, accessLog, errorLog };
      await sleep(50);
    }
    const text = fs.readFileSync(errorLog, "utf8");
    killGroup(child);
    state.registry = undefined;
    if (/address already in use/i.test(text)) continue;
    throw new Error(`the registry did not answer on 127.0.0.1:${port}: ${text.trim().slice(-2000)}`);
  }
  throw new Error("the registry could not bind a free port after 4 tries");
}

async function stopRegistry() {
  const child = state.registry;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once("exit", r));
  killGroup(child, "SIGTERM");
  if (await Promise.race([gone.then(() => true), sleep(5000).then(() => false)])) return;
  killGroup(child, "SIGKILL");
  await gone;
}

/**
 * The registry's access log from a mark on: requests, and the blob GETs (200/206) among them
 * (`127.0.0.1 - - [date] "GET /v2/bench/app/blobs/sha256:… HTTP/1.1" 200 128854290 "" "UA"`).
 */
class AccessLog {
  constructor(file) {
    this.file = file;
    this.offset = 0;
  }
  mark() {
    this.offset = fs.statSync(this.file).size;
  }
  /** What was logged since the mark (the registry logs a request once its response is done). */
  async since() {
    await sleep(200);
    const size = fs.statSync(this.file).size;
    const buf = Buffer.alloc(size - this.offset);
    const fd = fs.openSync(this.file, "r");
    try {
      fs.readSync(fd, buf, 0, buf.length, this.offset);
    } finally {
      fs.closeSync(fd);
    }
    this.offset = size;
    const out = { requests: 0, blobGets: 0, blobBytes: 0, digests: [], agents: new Set() };
    for (const line of buf.toString("utf8").split("\n")) {
      const m = /"([A-Z]+) (\/v2\/\S*) HTTP\/[\d.]+" (\d{3}) (\d+|-) "[^"]*" "([^"]*)"/.exec(line);
      if (!m) continue;
      out.requests++;
      out.agents.add(m[5].split(" ")[0]);
      const blob = /^\/v2\/.+\/blobs\/([a-z0-9]+:[a-f0-9]+)$/.exec(m[2]);
      if (m[1] === "GET" && blob && (m[3] === "200" || m[3] === "206")) {
        out.blobGets++;
        out.blobBytes += m[4] === "-" ? 0 : Number(m[4]);
        out.digests.push(blob[1]);
      }
    }
    return { ...out, agents: [...out.agents] };
  }
}

// ---------------------------------------------------------------------------------------------
// timed commands

/**
 * Runs one command under /usr/bin/time -f '%e %M', in its own process group (so a SIGINT
 * of the bench can end it). Resolves { seconds, peakMB, code, signal, stderr }.
 */
function timed(cmd, args, { stdoutFile } = {}) {
  if (state.stopping) return halted();
  return new Promise((resolve, reject) => {
    const tf = path.join(state.tmp, "time.txt");
    fs.rmSync(tf, { force: true });
    const out = stdoutFile ? fs.openSync(stdoutFile, "w") : "ignore";
    const child = spawn(TIME, ["-f", "%e %M %U %S", "-o", tf, cmd, ...args], { stdio: ["ignore", out, "pipe"], detached: true });
    if (typeof out === "number") fs.closeSync(out);
    state.current = child;
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
      if (err.length > 64 * 1024) err = err.slice(-32 * 1024);
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      state.current = undefined;
      if (state.stopping) return;
      let seconds;
      let peakMB;
      let cpu;
      try {
        const [e, m, u, k] = (fs.readFileSync(tf, "utf8").trim().split("\n").at(-1) ?? "").split(/\s+/).map(Number);
        seconds = e;
        peakMB = m / 1024;
        cpu = u + k;
      } catch {
        /* time did not write: the command could not start */
      }
      resolve({ seconds, peakMB, cpu, code: code ?? 128, signal, stderr: err.trim() });
    });
  });
}

/** A measurement: `prepare` runs untimed before each run, `after(run)` untimed after it. */
function measurement(id, label, cmd, args, { prepare, after, stdoutFile, okCodes = [0] } = {}) {
  return { id, label, cmd, args, prepare, after, stdoutFile, okCodes, runs: [], error: undefined, notes: [] };
}

async function runOnce(m, accessLog, round) {
  if (m.error) return undefined;
  if (m.prepare) await m.prepare();
  if (state.stopping) return halted();
  accessLog.mark();
  const r = await timed(m.cmd, m.args, { stdoutFile: m.stdoutFile });
  const served = await accessLog.since();
  if (!m.okCodes.includes(r.code)) {
    m.error = `exit ${r.signal ?? r.code}: ${r.stderr.split("\n").slice(-20).join("\n")}`;
    log(`  ${m.label}: FAILED (${m.error.split("\n")[0]})`);
    return undefined;
  }
  const entry = { round, seconds: r.seconds, peakMB: r.peakMB, cpu: r.cpu, blobGets: served.blobGets, blobBytes: served.blobBytes, requests: served.requests };
  if (m.after) Object.assign(entry, await m.after(entry, served));
  m.runs.push(entry);
  const extra = entry.split ? ` (skopeo copy ${fmtS(entry.split.copy)} + inspect ${fmtS(entry.split.inspect)})` : "";
  log(`  ${m.label}: ${fmtS(r.seconds)} (cpu ${fmtS(r.cpu)}), peak ${fmtMB(r.peakMB)}, ${served.blobGets} blob GETs (${fmtBytes(served.blobBytes)})${extra}`);
  return entry;
}

function stats(m) {
  const base = { id: m.id, label: m.label, command: [m.cmd, ...m.args].map((a) => String(a).replace(ROOT + "/", "")).join(" ") };
  if (m.error || m.runs.length === 0) return { ...base, error: m.error ?? "no runs", notes: m.notes };
  const s = m.runs.map((r) => r.seconds);
  const out = {
    ...base,
    seconds: median(s),
    min: Math.min(...s),
    max: Math.max(...s),
    runs: s,
    peakMB: Math.max(...m.runs.map((r) => r.peakMB)),
    /** user+sys CPU seconds (median): steadier than wall time on a loaded machine */
    cpu: median(m.runs.map((r) => r.cpu)),
    blobGets: m.runs.map((r) => r.blobGets),
    blobBytes: m.runs.map((r) => r.blobBytes),
  };
  if (m.runs[0].split) {
    out.split = {
      copy: median(m.runs.map((r) => r.split.copy)),
      inspect: median(m.runs.map((r) => r.split.inspect)),
      runs: m.runs.map((r) => r.split),
    };
  }
  if (m.notes.length) out.notes = m.notes;
  return out;
}

// ---------------------------------------------------------------------------------------------
// checks

/** Top-level sections of two facts documents that differ (`image` compared without its reference). */
function factsDiff(a, b) {
  const strip = (f) => {
    const { reference, source, ...image } = f.image ?? {};
    return { ...f, image };
  };
  const x = strip(a);
  const y = strip(b);
  const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])];
  return keys.filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k]));
}

// ---------------------------------------------------------------------------------------------
// docker

async function dockerReady() {
  if (!WANT_DOCKER) return { ok: false, note: "BENCH_DOCKER=0" };
  if (!(await have("docker"))) return { ok: false, note: "docker CLI not installed" };
  try {
    const { stdout } = await run("docker", ["info", "--format", "{{.ServerVersion}} {{json .RegistryConfig.InsecureRegistryCIDRs}}"]);
    return { ok: true, version: stdout.trim() };
  } catch {
    return { ok: false, note: "no Docker engine answers" };
  }
}

/** The tags the engine has on `id`, or undefined when it does not have the image. */
async function engineTags(id) {
  const r = await run("docker", ["image", "inspect", "--format", "{{json .RepoTags}}", id], { ok: anyCode });
  if (r.code !== 0) return undefined;
  try {
    return JSON.parse(r.stdout.trim()) ?? [];
  } catch {
    return [];
  }
}

/**
 * Makes the engine not have the bench image, so `docker pull` downloads every layer: it is
 * the image build-image.js `docker load`s as imgpolicy-bench:1 (same config, same layers).
 * Only tags this bench owns are removed; they are given back at the end.
 */
async function dockerMakeCold(meta, pulledRef) {
  state.docker = { imageId: meta.configDigest, archive: meta.archive.path, removedTags: [], pulledRef, restored: false };
  const tags = await engineTags(meta.configDigest);
  if (tags === undefined) return { ok: true };
  const ours = (t) => t === BENCH_TAG || /^127\.0\.0\.1:\d+\/bench\/app:/.test(t);
  const foreign = tags.filter((t) => !ours(t));
  if (foreign.length > 0) return { ok: false, note: `the engine has the bench image under other tags too (${foreign.join(", ")}): a pull would not be cold` };
  for (const t of tags) {
    const r = await run("docker", ["rmi", t], { ok: anyCode });
    if (r.code !== 0) return { ok: false, note: `docker rmi ${t}: ${r.stderr.trim()}` };
    if (t === BENCH_TAG) state.docker.removedTags.push(t);
  }
  if ((await engineTags(meta.configDigest)) !== undefined) return { ok: false, note: "the bench image is still in the engine (a container uses it?)" };
  return { ok: true, removed: [...state.docker.removedTags] };
}

// ---------------------------------------------------------------------------------------------
// the CLI under test

/** Copies bin/, dist/ and package.json to SNAPSHOT; returns the newest mtime of dist/. */
function snapshotCli() {
  fs.rmSync(SNAPSHOT, { recursive: true, force: true });
  fs.mkdirSync(SNAPSHOT, { recursive: true });
  // policies/ and schema/: check reads the shipped policies beside dist/
  for (const p of ["bin", "dist", "policies", "schema"]) if (fs.existsSync(path.join(ROOT, p))) fs.cpSync(path.join(ROOT, p), path.join(SNAPSHOT, p), { recursive: true, preserveTimestamps: true });
  fs.copyFileSync(path.join(ROOT, "package.json"), path.join(SNAPSHOT, "package.json"));
  let newest = 0;
  for (const f of fs.readdirSync(path.join(SNAPSHOT, "dist"), { recursive: true })) {
    const st = fs.statSync(path.join(SNAPSHOT, "dist", f));
    if (st.isFile()) newest = Math.max(newest, st.mtimeMs);
  }
  return new Date(newest).toISOString();
}

// ---------------------------------------------------------------------------------------------
// profile

/** Self time per function and per file of one .cpuprofile. */
function summarizeProfile(file, top = 12) {
  const p = JSON.parse(fs.readFileSync(file, "utf8"));
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const byFn = new Map();
  const byFile = new Map();
  const short = (url) => (url ? url.replace(/^file:\/\//, "").replace(SNAPSHOT + "/", "").replace(ROOT + "/", "") : "");
  for (let i = 0; i < p.samples.length; i++) {
    const cf = nodes.get(p.samples[i])?.callFrame ?? {};
    const us = p.timeDeltas[i + 1] ?? 0; // the time until the next sample
    const where = short(cf.url);
    const fn = `${cf.functionName || "(anonymous)"}${where ? ` ${where}:${cf.lineNumber + 1}` : ""}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + us);
    const f = where || cf.functionName || "(anonymous)";
    byFile.set(f, (byFile.get(f) ?? 0) + us);
  }
  const total = p.endTime - p.startTime;
  const list = (m) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), pct: Math.round((1000 * us) / total) / 10 }));
  const name = path.basename(file);
  const tid = Number(name.split(".")[4]); // CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile
  return { file: rel(file), thread: tid === 0 ? "main" : `worker ${tid}`, totalMs: Math.round(total / 1000), functions: list(byFn), files: list(byFile) };
}

async function profileRun(kind, args, command = ["inspect", "--json"]) {
  const dir = path.join(PROFILE_DIR, kind);
  fs.mkdirSync(dir, { recursive: true });
  log(`profiling one ${kind} run: node --cpu-prof --cpu-prof-dir ${rel(dir)} …`);
  const r = await timed("node", ["--cpu-prof", "--cpu-prof-dir", dir, CLI, ...command, ...args]);
  if (r.code !== 0 && !(command[0] === "check" && r.code === 1)) return { error: `exit ${r.signal ?? r.code}: ${r.stderr.slice(-2000)}` };
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).sort();
  return { seconds: r.seconds, dir: rel(dir), threads: files.map((f) => summarizeProfile(path.join(dir, f))) };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const t0 = Date.now();
  fs.mkdirSync(WORK, { recursive: true });
  if (!fs.existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed for wall time and peak RSS`);
  if (!fs.existsSync(path.join(ROOT, "dist", "cli", "main.js"))) throw new Error("dist/ is missing: run `npm run build` (npm run bench:pull does)");
  if (!(await have("skopeo"))) throw new Error("skopeo is needed (push, and the skopeo copy baseline)");
  const registryBin = findRegistryBinary();
  if (!registryBin) throw new Error("the Distribution registry (Debian's docker-registry) is not installed: apt-get install docker-registry");

  const distBuilt = snapshotCli();
  log(`measuring a copy of bin/ and dist/ (newest file ${distBuilt}) in ${rel(SNAPSHOT)}`);

  const sizeGB = benchSizeGB();
  const meta = await buildBenchImage({ sizeGB, log, load: false });
  if (meta.totals.bytes < MIN_BYTES) throw new Error(`the bench image has ${fmtBytes(meta.totals.bytes)} of layers, less than the 500 MB issue 3 asks for: raise BENCH_SIZE_GB`);

  state.tmp = fs.mkdtempSync(path.join(os.tmpdir(), "imgpolicy-bench-pull-"));
  const reg = await startRegistry(registryBin, path.join(state.tmp, "registry"));
  const access = new AccessLog(reg.accessLog);
  const ref = `${reg.host}/${REPO}:${TAG}`;
  log(`registry ${registryBin} on ${reg.host} (pid ${reg.child.pid}, ${rel(reg.dir)})`);

  log(`pushing ${rel(meta.oci.path)}:${meta.oci.tag} → ${ref} (skopeo copy)`);
  const pushT0 = Date.now();
  await run("skopeo", ["copy", "-q", "--dest-tls-verify=false", `oci:${meta.oci.path}:${meta.oci.tag}`, `docker://${ref}`], { capture: false });
  const pushSeconds = (Date.now() - pushT0) / 1000;
  await access.since();
  const manifestDigest = await new Promise((resolve) => {
    const req = http.request(
      { host: "127.0.0.1", port: reg.port, method: "HEAD", path: `/v2/${REPO}/manifests/${TAG}`, agent: false, headers: { Accept: "application/vnd.oci.image.manifest.v1+json" } },
      (res) => {
        res.resume();
        resolve(res.headers["docker-content-digest"]);
      },
    );
    req.on("error", () => resolve(undefined));
    req.end();
  });
  await access.since();
  log(`  pushed in ${pushSeconds.toFixed(1)} s; manifest ${manifestDigest}${manifestDigest === meta.manifestDigest ? " (the layout's)" : ""}`);

  log("warming the page cache (the registry's blobs)");
  await run("bash", ["-c", 'find "$1" -type f -name data -exec cat {} + > /dev/null', "warm", path.join(reg.dir, "data")], { capture: false });

  // correctness first: one untimed cold run, checked against what was built
  const layers = meta.layers.length;
  const wantGets = layers + 1; // every layer and the config
  const regFacts = path.join(state.tmp, "facts-registry.json");
  log(`checking imgpolicy inspect --source registry ${ref}`);
  access.mark();
  const chk = await run("node", [CLI, "inspect", "--json", "--no-cache", "--quiet", "--source", "registry", ref], { ok: anyCode, stdoutFile: regFacts, capture: false });
  const chkServed = await access.since();
  const check = chk.code !== 0 ? { ok: false, error: `exit ${chk.signal ?? chk.code}: ${chk.stderr.trim()}` } : checkFactsFile(regFacts, meta);
  if (check.ok && chkServed.blobGets !== wantGets) {
    Object.assign(check, { ok: false, error: `${chkServed.blobGets} blob GETs, not the ${wantGets} of the image (${layers} layers and the config)` });
  }
  log(check.ok ? `  ok: ${JSON.stringify(check.summary)}, ${chkServed.blobGets} blob GETs` : `  FAILED: ${check.error}`);

  // (e) check --no-cache, (f) skopeo copy alone (issue 13)
  const checkCold = measurement("imgpolicy-check-cold", "imgpolicy check --no-cache --policy base (registry, cold)", "node", [
    CLI, "check", "--no-cache", "--quiet", "--source", "registry", "--policy", "base", "--format", "json", ref,
  ], { okCodes: [0, 1] });
  if (!check.ok) checkCold.error = check.error;
  const copyDir = path.join(state.tmp, "skopeo-copy");
  const copy = measurement("skopeo-copy", "skopeo copy docker:// oci: (alone)", "skopeo", [
    "copy", "-q", "--src-tls-verify=false", `docker://${ref}`, `oci:${path.join(copyDir, "layout")}:1`,
  ], {
    prepare: async () => {
      fs.rmSync(copyDir, { recursive: true, force: true });
      fs.mkdirSync(copyDir, { recursive: true });
    },
    after: async () => {
      fs.rmSync(copyDir, { recursive: true, force: true });
      return {};
    },
  });
  const checkCase = () => {
    const e = stats(checkCold);
    const k = stats(copy);
    const x = e.seconds != null && k.seconds != null ? e.seconds / k.seconds : undefined;
    return {
      measurements: { checkCold: e, skopeoCopy: k },
      ratio: x,
      cpuRatio: e.cpu != null && k.cpu ? e.cpu / k.cpu : undefined,
      paired: pairedRatio(checkCold, copy),
      goals: {
        checkWithin2xSkopeoCopy: x == null ? "ERROR" : x <= CHECK_GOAL_X ? "PASS" : "MISS",
        checkPeakRss: e.peakMB == null ? "ERROR" : e.peakMB <= RSS_GOAL_MB ? "PASS" : "MISS",
      },
    };
  };
  if (ONLY === "check") {
    for (let i = 1; i <= RUNS; i++) {
      log(`round ${i}/${RUNS}`);
      for (const m of [checkCold, copy]) await runOnce(m, access, i);
    }
    const cc = checkCase();
    const results = {
      schema: "imgpolicy/bench-pull@1",
      only: "check",
      at: new Date().toISOString(),
      host: { cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, kernel: os.release(), loadAvgAtEnd: os.loadavg().map((v) => Math.round(v * 10) / 10) },
      runsPerMeasurement: RUNS,
      image: { key: meta.key, uncompressedBytes: meta.totals.bytes, gzBytes: meta.totals.gzBytes, layers, files: meta.totals.files, compressor: meta.compressor },
      registry: { binary: registryBin, host: reg.host, reference: ref, pushSeconds, manifestDigest },
      check: { ok: check.ok, error: check.error, summary: check.summary, blobGets: chkServed.blobGets },
      checkCase: cc,
      ok: check.ok && !cc.measurements.checkCold.error && !cc.measurements.skopeoCopy.error,
    };
    if (check.ok && PROFILE !== "0" && (PROFILE === "1" || cc.goals.checkWithin2xSkopeoCopy === "MISS")) {
      fs.rmSync(PROFILE_DIR, { recursive: true, force: true });
      results.profile = { check: await profileRun("check", ["--no-cache", "--quiet", "--source", "registry", "--policy", "base", "--format", "json", ref], ["check"]) };
      await access.since();
    }
    results.totalSeconds = (Date.now() - t0) / 1000;
    fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2) + "\n");
    console.log(reportCheckOnly(results));
    console.log(`\n(results: ${rel(RESULTS)}; bench took ${results.totalSeconds.toFixed(0)} s)`);
    for (const m of Object.values(cc.measurements)) if (m.error) console.log(`\nERROR ${m.label}:\n${m.error}`);
    return results.ok ? 0 : 1;
  }

  // (a) cold
  const cold = measurement("imgpolicy-cold", "imgpolicy inspect --no-cache (registry, cold)", "node", [
    CLI, "inspect", "--json", "--no-cache", "--quiet", "--source", "registry", ref,
  ]);
  if (!check.ok) cold.error = check.error;

  // (b) skopeo copy, then inspect of the layout
  const skopeoDir = path.join(state.tmp, "skopeo");
  const splitFile = path.join(state.tmp, "split.txt");
  const layoutFacts = path.join(state.tmp, "facts-layout.json");
  let layoutCompared;
  const seq = measurement(
    "skopeo-then-inspect",
    "skopeo copy docker:// oci: + imgpolicy inspect oci:",
    "bash",
    [
      "-c",
      [
        "set -euo pipefail",
        "t0=$(date +%s.%N)",
        'skopeo copy -q --src-tls-verify=false "docker://$1" "oci:$2:1"',
        "t1=$(date +%s.%N)",
        'node "$3" inspect --json "oci:$2:1" > "$5"',
        "t2=$(date +%s.%N)",
        'echo "$t0 $t1 $t2" > "$4"',
      ].join("\n"),
      "skopeo-then-inspect",
      ref,
      path.join(skopeoDir, "layout"),
      CLI,
      splitFile,
      layoutFacts,
    ],
    {
      prepare: async () => {
        fs.rmSync(skopeoDir, { recursive: true, force: true });
        fs.mkdirSync(skopeoDir, { recursive: true });
      },
      after: async () => {
        const [a, b, c] = fs.readFileSync(splitFile, "utf8").trim().split(/\s+/).map(Number);
        if (!layoutCompared && check.facts) {
          layoutCompared = factsDiff(check.facts, JSON.parse(fs.readFileSync(layoutFacts, "utf8")));
          log(`  facts of the layout vs the registry: ${layoutCompared.length ? `differ in ${layoutCompared.join(", ")}` : "the same"}`);
        }
        fs.rmSync(skopeoDir, { recursive: true, force: true });
        return { split: { copy: b - a, inspect: c - b } };
      },
    },
  );

  // (c) docker pull
  const engine = await dockerReady();
  let pull;
  let dockerNote = engine.note;
  if (engine.ok) {
    const made = await dockerMakeCold(meta, ref);
    if (!made.ok) dockerNote = made.note;
    else {
      if (made.removed?.length) log(`untagged ${made.removed.join(", ")} (the same image) so docker pull is cold; it is given back at the end`);
      pull = measurement("docker-pull", "docker pull", "docker", ["pull", "-q", ref], {
        prepare: async () => {
          if ((await engineTags(meta.configDigest)) !== undefined) await run("docker", ["rmi", ref], { ok: anyCode });
          if ((await engineTags(meta.configDigest)) !== undefined) pull.notes.push("the engine still had the image before a pull");
        },
        after: async (entry) => {
          const id = (await run("docker", ["image", "inspect", "--format", "{{.Id}}", ref], { ok: anyCode })).stdout.trim();
          if (id !== meta.configDigest) pull.notes.push(`pulled image id ${id} ≠ ${meta.configDigest}`);
          if (entry.blobGets < wantGets) pull.notes.push(`a pull made ${entry.blobGets} blob GETs, not ${wantGets}: not cold`);
          return {};
        },
      });
    }
  }
  if (!pull) log(`docker pull skipped: ${dockerNote}`);

  // (d) warm cache: filled once here, then a warm run in every round
  const cacheDir = path.join(state.tmp, "cache");
  const cacheArgs = [CLI, "inspect", "--json", "--quiet", "--source", "registry", "--cache-dir", cacheDir, ref];
  const fill = measurement("imgpolicy-fill", "imgpolicy inspect --cache-dir (empty cache: download, fill)", "node", cacheArgs);
  const warmFacts = path.join(state.tmp, "facts-warm.json");
  let warmCompared;
  const warm = measurement("imgpolicy-warm", "imgpolicy inspect --cache-dir (warm cache)", "node", cacheArgs, {
    stdoutFile: warmFacts,
    after: async () => {
      if (!warmCompared && check.facts) {
        warmCompared = factsDiff(check.facts, JSON.parse(fs.readFileSync(warmFacts, "utf8")));
        log(`  facts of the warm run vs the cold one: ${warmCompared.length ? `differ in ${warmCompared.join(", ")}` : "the same"}`);
      }
      return {};
    },
  });
  if (!check.ok) fill.error = warm.error = check.error;
  log("filling the blob cache");
  await runOnce(fill, access, 0);
  const blobDir = path.join(cacheDir, "blobs");
  const cached = fs.existsSync(blobDir) ? fs.readdirSync(blobDir).reduce((n, alg) => n + fs.readdirSync(path.join(blobDir, alg)).length, 0) : 0;

  // interleaved, so drift on a shared machine hits all alike
  const rounds = [cold, seq, ...(pull ? [pull] : []), warm, checkCold, copy];
  for (let i = 1; i <= RUNS; i++) {
    log(`round ${i}/${RUNS}`);
    for (const m of rounds) await runOnce(m, access, i);
  }
  // the engine gets its imgpolicy-bench:1 back now (the same image as the last pull)
  if (state.docker) restoreDockerSync();

  // ------------------------------------------------------------------------------- results
  const a = stats(cold);
  const b = stats(seq);
  const c = pull ? stats(pull) : { label: "docker pull", skipped: dockerNote };
  const f = stats(fill);
  const w = stats(warm);
  const ratio = (x, y) => (x?.seconds != null && y?.seconds != null ? x.seconds / y.seconds : undefined);
  const warmGets = warm.runs.reduce((s, r) => s + r.blobGets, 0);
  // ratios of medians, and the ratio within each round (same load on both sides), its median
  const paired = pairedRatio;
  const cc = checkCase();
  const ratios = {
    imgpolicyVsSkopeoInspect: ratio(a, b),
    imgpolicyVsDockerPull: ratio(a, c),
    warmVsCold: ratio(w, a),
    paired: {
      imgpolicyVsSkopeoInspect: paired(cold, seq),
      imgpolicyVsDockerPull: pull ? paired(cold, pull) : undefined,
      warmVsCold: paired(warm, cold),
    },
  };
  const goals = {
    fasterThanSkopeoInspect: ratios.imgpolicyVsSkopeoInspect == null ? "ERROR" : ratios.imgpolicyVsSkopeoInspect < 1 ? "PASS" : "MISS",
    noSlowerThanDockerPull: c.skipped ? "SKIPPED" : ratios.imgpolicyVsDockerPull == null ? "ERROR" : ratios.imgpolicyVsDockerPull <= 1 ? "PASS" : "MISS",
    warmNoBlobDownloads: w.error ? "ERROR" : warmGets === 0 ? "PASS" : "FAIL",
    ...cc.goals,
    inspectPeakRss: a.peakMB == null ? "ERROR" : a.peakMB <= RSS_GOAL_MB ? "PASS" : "MISS",
  };
  const results = {
    schema: "imgpolicy/bench-pull@1",
    at: new Date().toISOString(),
    host: { cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, kernel: os.release(), docker: engine.version },
    runsPerMeasurement: RUNS,
    cli: { snapshot: rel(SNAPSHOT), distBuilt },
    image: {
      key: meta.key,
      uncompressedBytes: meta.totals.bytes,
      gzBytes: meta.totals.gzBytes,
      layers,
      files: meta.totals.files,
      compressor: meta.compressor,
      configDigest: meta.configDigest,
      manifestDigest: meta.manifestDigest,
      reused: meta.reused,
    },
    registry: { binary: registryBin, host: reg.host, reference: ref, pushSeconds, manifestDigest },
    check: { ok: check.ok, error: check.error, summary: check.summary, blobGets: chkServed.blobGets, layoutFactsDiffer: layoutCompared, warmFactsDiffer: warmCompared },
    measurements: { cold: a, skopeoThenInspect: b, dockerPull: c, fillCache: f, warm: { ...w, cacheEntries: cached, blobGetsTotal: warmGets }, ...cc.measurements },
    overlap: b.split ? { copy: b.split.copy, inspect: b.split.inspect, sum: b.split.copy + b.split.inspect, bestPossible: Math.max(b.split.copy, b.split.inspect) } : undefined,
    ratios,
    checkCase: cc,
    goals,
    ok: [a, b, f, w, cc.measurements.checkCold, cc.measurements.skopeoCopy].every((m) => !m.error) && !(pull && c.error) && goals.warmNoBlobDownloads === "PASS" && check.ok,
  };

  // a profile where a goal is missed: cold when not faster than skopeo+inspect, warm when not faster than cold
  if (check.ok && PROFILE !== "0") {
    fs.rmSync(PROFILE_DIR, { recursive: true, force: true });
    const profiles = {};
    if (PROFILE === "1" || goals.fasterThanSkopeoInspect === "MISS") {
      profiles.cold = await profileRun("cold", ["--no-cache", "--quiet", "--source", "registry", ref]);
    }
    if (PROFILE === "1" || (ratios.warmVsCold ?? 0) >= 1) {
      profiles.warm = await profileRun("warm", ["--quiet", "--source", "registry", "--cache-dir", cacheDir, ref]);
    }
    await access.since();
    if (Object.keys(profiles).length) results.profile = profiles;
  }
  results.totalSeconds = (Date.now() - t0) / 1000;
  fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2) + "\n");

  console.log(report(results));
  console.log(`\n(results: ${rel(RESULTS)}; bench took ${results.totalSeconds.toFixed(0)} s)`);
  for (const m of [a, b, c, f, w, ...Object.values(cc.measurements)]) if (m.error) console.log(`\nERROR ${m.label}:\n${m.error}`);
  return results.ok ? 0 : 1;
}

function pad(s, n) {
  return String(s).padEnd(n);
}

/** The ratio x/y within each round (both ran under the same load), and its median. */
function pairedRatio(x, y) {
  const per = [];
  for (const rx of x?.runs ?? []) {
    const ry = (y?.runs ?? []).find((e) => e.round === rx.round);
    if (ry) per.push(rx.seconds / ry.seconds);
  }
  return per.length ? { median: median(per), perRound: per.map((v) => Math.round(v * 1000) / 1000) } : undefined;
}

function checkLine(cc) {
  const per = cc.paired ? `; per round ${cc.paired.perRound.map((v) => v.toFixed(2)).join(", ")}, median ${fmtX(cc.paired.median)}` : "";
  return (
    `  check --no-cache / skopeo copy: ${fmtX(cc.ratio)}${per}  (goal ≤ ${CHECK_GOAL_X}: ${cc.goals.checkWithin2xSkopeoCopy}); ` +
    `check peak RSS ${fmtMB(cc.measurements.checkCold.peakMB)} (goal ≤ ${RSS_GOAL_MB} MB: ${cc.goals.checkPeakRss}); ` +
    `CPU seconds (user+sys) ${fmtS(cc.measurements.checkCold.cpu)} vs ${fmtS(cc.measurements.skopeoCopy.cpu)} = ${fmtX(cc.cpuRatio)}`
  );
}

function reportCheckOnly(r) {
  const img = r.image;
  const m = r.checkCase.measurements;
  const row = (x) => (x.error ? `${x.label}: ERROR` : `${x.label}: ${fmtS(x.seconds)} (${x.min.toFixed(2)}–${x.max.toFixed(2)}), cpu ${fmtS(x.cpu)}, peak ${fmtMB(x.peakMB)}, blob GETs ${x.blobGets.join(", ")}`);
  const out = [
    `image: ${fmtBytes(img.uncompressedBytes)} in ${img.layers} layers (${fmtBytes(img.gzBytes)} ${img.compressor}), ${img.files} files; registry ${r.registry.host}; load average ${r.host.loadAvgAtEnd.join(" ")} on ${r.host.cpus} CPUs`,
    row(m.checkCold),
    row(m.skopeoCopy),
    checkLine(r.checkCase),
  ];
  for (const [kind, p] of Object.entries(r.profile ?? {})) {
    if (p.error) {
      out.push(`${kind} profile run failed: ${p.error}`);
      continue;
    }
    out.push("", `cpu profile of one ${kind} run (${fmtS(p.seconds)}; ${p.dir}), self time:`);
    for (const t of p.threads) {
      out.push(`  ${t.thread} (${t.totalMs} ms):`);
      out.push(`    by file: ${t.files.slice(0, 6).map((x) => `${x.name} ${x.pct}%`).join(", ")}`);
      for (const fn of t.functions.slice(0, 8)) out.push(`    ${String(fn.pct).padStart(5)}%  ${String(fn.ms).padStart(6)} ms  ${fn.name}`);
    }
  }
  return out.join("\n");
}

function report(r) {
  const m = r.measurements;
  const rows = [["measurement", "median", "min–max", "peak RSS", "blob GETs / run"]];
  const row = (x) => {
    if (x.skipped) return [x.label, "skipped", x.skipped, "", ""];
    if (x.error) return [x.label, "ERROR", "", "", ""];
    return [x.label, fmtS(x.seconds), `${x.min.toFixed(2)}–${x.max.toFixed(2)}`, fmtMB(x.peakMB), x.blobGets.join(", ")];
  };
  for (const x of [m.cold, m.skopeoThenInspect, m.dockerPull, m.fillCache, m.warm, m.checkCold, m.skopeoCopy]) rows.push(row(x));
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  const lines = rows.map((row) => row.map((c, i) => pad(c, widths[i])).join("  ").trimEnd());
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  const img = r.image;
  const out = [
    `image: ${fmtBytes(img.uncompressedBytes)} in ${img.layers} layers (${fmtBytes(img.gzBytes)} ${img.compressor}), ${img.files} files; registry ${r.registry.host}, push ${r.registry.pushSeconds.toFixed(1)} s`,
    "",
    ...lines,
    "",
  ];
  if (r.overlap) {
    out.push(
      `skopeo+inspect split (medians): copy ${fmtS(r.overlap.copy)} + inspect ${fmtS(r.overlap.inspect)} = ${fmtS(r.overlap.sum)}; perfect overlap would be ${fmtS(r.overlap.bestPossible)}`,
    );
  }
  const per = (p) => (p ? `; per round ${p.perRound.map((v) => v.toFixed(2)).join(", ")}, median ${fmtX(p.median)}` : "");
  out.push(
    "ratios of the medians (and within each round, where both ran under the same load):",
    `  imgpolicy / skopeo+inspect: ${fmtX(r.ratios.imgpolicyVsSkopeoInspect)}${per(r.ratios.paired.imgpolicyVsSkopeoInspect)}  (goal < 1: ${r.goals.fasterThanSkopeoInspect})`,
    `  imgpolicy / docker pull:    ${fmtX(r.ratios.imgpolicyVsDockerPull)}${per(r.ratios.paired.imgpolicyVsDockerPull)}  (goal ≤ 1: ${r.goals.noSlowerThanDockerPull})`,
    `  warm / cold:                ${fmtX(r.ratios.warmVsCold)}${per(r.ratios.paired.warmVsCold)}`,
    checkLine(r.checkCase),
    `peak RSS of inspect --no-cache: ${fmtMB(m.cold.peakMB)}  (goal ≤ ${RSS_GOAL_MB} MB: ${r.goals.inspectPeakRss})`,
    `warm cache: ${m.warm.blobGetsTotal ?? "?"} blob GETs in ${m.warm.runs?.length ?? 0} warm runs (${m.warm.cacheEntries ?? 0} cache entries): ${r.goals.warmNoBlobDownloads}`,
    "(peak RSS of docker pull is the CLI's: the engine does the work)",
  );
  if (m.dockerPull.notes?.length) out.push(`docker pull notes: ${[...new Set(m.dockerPull.notes)].join("; ")}`);
  if (r.check.layoutFactsDiffer?.length) out.push(`note: the layout's facts differ from the registry's in ${r.check.layoutFactsDiffer.join(", ")}`);
  if (r.check.warmFactsDiffer?.length) out.push(`note: the warm run's facts differ from the cold run's in ${r.check.warmFactsDiffer.join(", ")}`);
  for (const [kind, p] of Object.entries(r.profile ?? {})) {
    if (p.error) {
      out.push("", `${kind} profile run failed: ${p.error}`);
      continue;
    }
    out.push("", `cpu profile of one ${kind} run (${fmtS(p.seconds)}; ${p.dir}), self time:`);
    for (const t of p.threads) {
      out.push(`  ${t.thread} (${t.totalMs} ms):`);
      out.push(`    by file: ${t.files.slice(0, 6).map((x) => `${x.name} ${x.pct}%`).join(", ")}`);
      for (const fn of t.functions.slice(0, 8)) out.push(`    ${String(fn.pct).padStart(5)}%  ${String(fn.ms).padStart(6)} ms  ${fn.name}`);
    }
  }
  return out.join("\n");
}

let code = 1;
try {
  code = await main();
} catch (e) {
  log(`bench:pull failed: ${e?.stack ?? e}`);
} finally {
  await stopRegistry().catch(() => {});
  cleanupSync();
}
process.exit(code);
