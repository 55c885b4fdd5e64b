/** Small helpers shared by the runtime benches (bench/runtime.js, bench/runtime-fleet.js). */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.dirname(HERE);
export const CLI = path.join(ROOT, "bin", "imgpolicy.js");
export const SERVICE = path.join(ROOT, "examples", "hello-service");
export const BENCH_LABEL = "imgpolicy.bench";

export const log = (s) => process.stderr.write(s + "\n");
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const fmtS = (s) => (s == null ? "—" : `${s.toFixed(3)} s`);
export const fmtX = (r) => (r == null || !Number.isFinite(r) ? "—" : `${r.toFixed(2)}×`);
export const rel = (p) => path.relative(process.cwd(), p) || ".";

export function stats(xs) {
  if (xs.length === 0) return undefined;
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs };
}

/** Runs a command; resolves { code, signal, stdout, stderr, seconds } (wall time from spawn to exit). */
export function run(cmd, args, { env, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: env ?? process.env, cwd });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      resolve({ code, signal, stdout, stderr, seconds });
    });
  });
}

export async function must(cmd, args, opts) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")}: exit ${r.signal ?? r.code}\n${r.stderr.trim()}`);
  return r;
}

/** examples/hello-service built on the host with Go: static, stripped, nothing fetched. */
export function buildHelloService(outFile) {
  return must("go", ["build", "-trimpath", "-ldflags=-s -w", "-o", outFile, "."], {
    cwd: SERVICE,
    env: { ...process.env, CGO_ENABLED: "0", GOOS: "linux", GOFLAGS: "-mod=mod", GOPROXY: "off" },
  });
}

export const PASSWD = "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin\n";
export const GROUP = "root:x:0:\nnonroot:x:65532:\n";
