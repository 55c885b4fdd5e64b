/**
 * Runs the real bin/imgpolicy.js (built by `npm test`'s pretest) as a child process with a
 * hard timeout, timing what matters for "no hang, ever": when the error line came and when
 * the process ended. Also what a run left on the engine, found by the labels and tags
 * imgpolicy puts on what it creates.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { hostname } from "node:os";
import { promisify } from "node:util";
import { execFile } from "node:child_process";
import { OWNER_LABEL, RUNTIME_LABEL } from "../../src/runtime/labels.js";

const exec = promisify(execFile);

export interface CliRun {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Epoch ms when the child was started, when its stderr first said something, and when it ended. */
  startedAt: number;
  firstStderrAt?: number;
  endedAt: number;
  /** Killed by the hard timeout: it hung. */
  hung: boolean;
  /** What happened to its probe containers ("create", "start", "die", "destroy"…), as the engine reported it. */
  events: { action: string; at: number }[];
}

export interface SpawnOptions {
  /** Killed (SIGKILL) after this long: a hang fails the test instead of stalling it. */
  hardTimeoutMs: number;
  env?: Record<string, string>;
  /** Told of each event of the child's probe containers as it comes (a moment to act on, such as sending a signal). */
  onEvent?: (action: string, child: ChildProcess) => void;
  /** Told of what the child writes to stderr. */
  onStderr?: (text: string, child: ChildProcess) => void;
}

/** Streams the engine's events for the containers labelled with `pid` as their owner. */
function watchEvents(pid: number, onEvent: (action: string) => void): { stop(): Promise<void> } {
  const watcher = spawn("docker", ["events", "--filter", "type=container", "--filter", `label=${owner(pid)}`, "--format", "{{.Action}}"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  let partial = "";
  watcher.stdout.on("data", (d: Buffer) => {
    const lines = (partial + d.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const l of lines) if (l.trim()) onEvent(l.trim().split(":")[0]!);
  });
  const ended = new Promise<void>((resolve) => watcher.on("close", () => resolve()));
  return {
    async stop() {
      await new Promise((r) => setTimeout(r, 300)); // the last events (a destroy) reach the stream
      watcher.kill();
      await ended;
    },
  };
}

export function spawnCli(args: readonly string[], opts: SpawnOptions): Promise<CliRun> {
  const startedAt = Date.now();
  const child = spawn(process.execPath, ["bin/imgpolicy.js", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, TESTCONTAINERS_RYUK_DISABLED: "true", ...opts.env },
  });
  const pid = child.pid!;
  const events: CliRun["events"] = [];
  const watcher = watchEvents(pid, (action) => {
    events.push({ action, at: Date.now() });
    opts.onEvent?.(action, child);
  });
  let stdout = "";
  let stderr = "";
  let firstStderrAt: number | undefined;
  let hung = false;
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => {
    firstStderrAt ??= Date.now();
    stderr += d.toString();
    opts.onStderr?.(stderr, child);
  });
  const kill = setTimeout(() => {
    hung = true;
    child.kill("SIGKILL");
  }, opts.hardTimeoutMs);
  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      const endedAt = Date.now();
      clearTimeout(kill);
      void watcher.stop().then(() => {
        const run: CliRun = { pid, code, signal, stdout, stderr, startedAt, endedAt, hung, events };
        if (firstStderrAt !== undefined) run.firstStderrAt = firstStderrAt;
        resolve(run);
      });
    });
  });
}

const owner = (pid: number) => `${OWNER_LABEL}=${hostname()}/${pid}`;

async function docker(...args: string[]): Promise<string[]> {
  const { stdout } = await exec("docker", args, { timeout: 60_000 });
  return stdout.split("\n").filter((l) => l.trim() !== "");
}

/** Probe containers the process `pid` started that are still on the engine. */
export function containersOf(pid: number): Promise<string[]> {
  return docker("ps", "-a", "--format", "{{.ID}} {{.Image}} {{.Status}}", "--filter", `label=${RUNTIME_LABEL}=1`, "--filter", `label=${owner(pid)}`);
}

/** Image tags starting with `prefix` (a loaded image's temporary tag, see failing-images.ts). */
export async function tagsStartingWith(prefix: string): Promise<string[]> {
  const repo = prefix.slice(0, prefix.lastIndexOf(":"));
  const tags = await docker("images", "--format", "{{.Repository}}:{{.Tag}}", repo);
  return tags.filter((t) => t.startsWith(prefix));
}

