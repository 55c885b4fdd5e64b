/**
 * Runs one hostile case as a child process: `node bin/imgpolicy.js ARGS` under GNU time
 * (its peak resident set, %M, in KiB, written to a file), in a process group of its own
 * that a hard timeout kills whole. HOME, TMPDIR and XDG_CACHE_HOME point into the case's
 * sandbox and the working directory is a fresh empty one, so that whatever the run writes
 * has a place to go, and what it writes elsewhere can be seen (`tracer`: strace's
 * command line, between GNU time and node).
 */
import { spawn } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CaseRun } from "../../fixtures/hostile/case.js";
import { SANDBOX } from "../../fixtures/hostile/case.js";

export const GNU_TIME = "/usr/bin/time";
/** Output kept per stream; what is past it is counted, not stored. */
const MAX_OUTPUT = 32 << 20;

export interface CaseResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Bytes written past MAX_OUTPUT (not kept). */
  dropped: number;
  /** Peak resident set of the imgpolicy process in bytes (undefined when killed before GNU time reported). */
  peakRss?: number;
  seconds: number;
  /** Killed by the hard timeout. */
  hung: boolean;
}

export interface Sandbox {
  root: string;
  home: string;
  tmp: string;
  cache: string;
  cwd: string;
}

export async function makeSandbox(root: string): Promise<Sandbox> {
  const s = { root, home: join(root, "home"), tmp: join(root, "tmp"), cache: join(root, "cache"), cwd: join(root, "cwd") };
  for (const d of [s.home, s.tmp, s.cache, s.cwd]) await mkdir(d, { recursive: true });
  return s;
}

/** The environment of a run: the test's own, without imgpolicy's variables or an engine, plus the sandbox and the case's variables. */
function caseEnv(sandbox: Sandbox, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("IMGPOLICY_") && !k.startsWith("DOCKER_")) env[k] = v;
  return {
    ...env,
    HOME: sandbox.home,
    TMPDIR: sandbox.tmp,
    XDG_CACHE_HOME: sandbox.cache,
    DOCKER_HOST: `unix://${join(sandbox.root, "no-engine.sock")}`,
    NO_COLOR: "1",
    ...extra,
  };
}

export async function runCase(run: CaseRun, sandbox: Sandbox, opts: { bin: string; hardTimeoutMs: number; tracer?: string[] }): Promise<CaseResult> {
  const rssFile = join(sandbox.root, "time.out");
  const args = run.args.map((a) => a.split(SANDBOX).join(sandbox.root));
  const started = process.hrtime.bigint();
  // GNU time reports the largest resident set of the processes it waited for: strace's child, node, when there is a tracer
  const child = spawn(GNU_TIME, ["-f", "%M", "-o", rssFile, ...(opts.tracer ?? []), process.execPath, opts.bin, ...args], {
    cwd: sandbox.cwd,
    env: caseEnv(sandbox, run.env),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], kept: { stdout: 0, stderr: 0 }, dropped: 0 };
  for (const name of ["stdout", "stderr"] as const) {
    child[name].on("data", (d: Buffer) => {
      if (out.kept[name] + d.length > MAX_OUTPUT) {
        out.dropped += d.length;
        return;
      }
      out.kept[name] += d.length;
      out[name].push(d);
    });
  }
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, opts.hardTimeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on("close", (c, s) => resolve([c, s])));
  clearTimeout(timer);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result: CaseResult = {
    code,
    signal,
    stdout: Buffer.concat(out.stdout).toString("utf8"),
    stderr: Buffer.concat(out.stderr).toString("utf8"),
    dropped: out.dropped,
    seconds,
    hung,
  };
  // GNU time writes "Command exited with non-zero status N" before %M when the child fails
  const timeOut = await readFile(rssFile, "utf8").catch(() => "");
  const kib = timeOut.trim().split("\n").at(-1);
  if (kib && /^\d+$/.test(kib)) result.peakRss = Number(kib) * 1024;
  return result;
}
