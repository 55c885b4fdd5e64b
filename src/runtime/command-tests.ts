/**
 * container-structure-test commandTests, run by the runtime probe: each test runs
 * `command args…` (the image's ENTRYPOINT replaced, CMD replaced by the args) in a fresh
 * container of the image, under the run's hardened profile, and its stdout, stderr and
 * exit code are checked against the test's expectations.
 *
 * Containers are made through the Engine API directly (create never pulls), carry the
 * probe's labels (imgpolicy.runtime=1, the run id, the owner; purpose "command-test"),
 * are tracked by the janitor, bounded in time (killed after `timeoutMs`), and removed
 * however the test ends. setup and teardown commands are not run (the converter notes it).
 */
import { compileUserRegex, type UserRegex } from "../text/user-regex.js";
import { causeText } from "../errors.js";
import type { EngineClient } from "../engine/client.js";
import { containerOutput, createContainer, inspectContainer, killContainer, startContainer } from "../engine/containers.js";
import { janitor } from "./janitor.js";
import { probeLogConfig, type LogConfig } from "./log-config.js";
import { PURPOSE_LABEL, runtimeLabels } from "./labels.js";
import type { RunPlan } from "./profile.js";
import type { RuntimeFacts } from "./runtime-types.js";
import { sleep } from "./sleep.js";

/** One commandTest as a policy carries it (converted from a container-structure-test config). */
export interface CommandTestSpec {
  name: string;
  command: string;
  args?: string[];
  /** Set in the container; `$NAME` and `${NAME}` in values expand from the image's environment. */
  env?: { key: string; value: string }[];
  /** Regexes (Go syntax, unanchored) stdout must match / must not match. */
  expectedOutput?: string[];
  excludedOutput?: string[];
  /** The same for stderr. */
  expectedError?: string[];
  excludedError?: string[];
  /** Default 0. */
  exitCode?: number;
}

export type CommandTestResult = NonNullable<RuntimeFacts["commandTests"]>[number];

export interface CommandTestRequest {
  engine: EngineClient;
  imageRef: string;
  plan: RunPlan;
  runId: string;
  signal: AbortSignal;
  /** Per test (default 30 s). */
  timeoutMs?: number;
}

export const COMMAND_TEST_TIMEOUT_MS = 30_000;
export const COMMAND_TEST_PURPOSE = "command-test";
const TMPFS_OPTIONS = "rw,nosuid,nodev,size=64m";
const OUTPUT_LIMIT = 4 * 1024 * 1024;
const EXCERPT = 200;

/** A container-structure-test pattern: Go's RE2 syntax (flags such as `(?i)` included), through the one guard for user patterns. */
export function goRegex(text: string): UserRegex {
  return compileUserRegex(text);
}

/** `$NAME` and `${NAME}` from `vars` (unknown names expand to "", as Go's os.Expand does). */
export function expandEnv(value: string, vars: Record<string, string>): string {
  return value.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_, a: string | undefined, b: string | undefined) => vars[(a ?? b)!] ?? "");
}

/** stdout and stderr of a non-TTY log body, split by the frame headers' stream byte. */
export function splitStreams(body: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let off = 0;
  while (off + 8 <= body.length) {
    const stream = body[off];
    if ((stream !== 1 && stream !== 2 && stream !== 0) || body[off + 1] !== 0 || body[off + 2] !== 0 || body[off + 3] !== 0) {
      return { stdout: body.toString("utf8"), stderr: "" };
    }
    const size = body.readUInt32BE(off + 4);
    (stream === 2 ? err : out).push(body.subarray(off + 8, off + 8 + size));
    off += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}

function excerpt(text: string): string {
  const t = text.trim();
  if (t === "") return "(empty)";
  return JSON.stringify(t.length > EXCERPT ? `${t.slice(0, EXCERPT)}…` : t);
}

/** What failed, one sentence each (empty when the test passed). */
export function judge(test: CommandTestSpec, run: { stdout: string; stderr: string; exitCode: number }): string[] {
  const failures: string[] = [];
  const want = test.exitCode ?? 0;
  if (run.exitCode !== want) {
    const stderr = run.stderr.trim() ? `; stderr: ${excerpt(run.stderr)}` : "";
    failures.push(`exit code ${run.exitCode}, expected ${want}${stderr}`);
  }
  const checks: [keyof CommandTestSpec, "stdout" | "stderr", boolean][] = [
    ["expectedOutput", "stdout", true],
    ["excludedOutput", "stdout", false],
    ["expectedError", "stderr", true],
    ["excludedError", "stderr", false],
  ];
  for (const [field, stream, mustMatch] of checks) {
    for (const pattern of (test[field] as string[] | undefined) ?? []) {
      let re: UserRegex;
      try {
        re = goRegex(pattern);
      } catch (err) {
        failures.push(`${field} '${pattern}' is not a regular expression: ${(err as Error).message}`);
        continue;
      }
      const text = run[stream];
      if (re.test(text) !== mustMatch) {
        failures.push(`${field} '${pattern}' ${mustMatch ? "not found" : "found"} in ${stream}: ${excerpt(text)}`);
      }
    }
  }
  return failures;
}

async function imageEnv(engine: EngineClient, ref: string): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const kv of (await engine.imageInspect(ref)).Config?.Env ?? []) {
    const i = kv.indexOf("=");
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

function createBody(req: CommandTestRequest, test: CommandTestSpec, env: Record<string, string>, logConfig: LogConfig | undefined): Record<string, unknown> {
  const { plan } = req;
  const p = plan.profile;
  const hostConfig: Record<string, unknown> = {
    ReadonlyRootfs: p.readOnly,
    Tmpfs: Object.fromEntries(p.tmpfs.map((t) => [t, TMPFS_OPTIONS])),
    CapDrop: p.capDrop,
    CapAdd: p.capAdd,
    SecurityOpt: p.noNewPrivileges ? ["no-new-privileges:true"] : [],
  };
  if (plan.memoryBytes !== undefined) {
    hostConfig.Memory = plan.memoryBytes;
    hostConfig.MemorySwap = plan.memoryBytes;
  }
  if (plan.nanoCpus !== undefined) hostConfig.NanoCpus = plan.nanoCpus;
  if (logConfig) hostConfig.LogConfig = logConfig; // a command printing gigabytes must not fill the engine's disk
  const body: Record<string, unknown> = {
    Image: req.imageRef,
    Entrypoint: [test.command],
    Cmd: test.args ?? [],
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...runtimeLabels(req.runId, "probe"), [PURPOSE_LABEL]: COMMAND_TEST_PURPOSE },
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    HostConfig: hostConfig,
  };
  if (plan.userOverride !== undefined) body.User = plan.userOverride;
  return body;
}

async function runOne(req: CommandTestRequest, test: CommandTestSpec, baseEnv: Record<string, string>): Promise<CommandTestResult> {
  const { engine } = req;
  const env: Record<string, string> = { ...req.plan.env };
  for (const { key, value } of test.env ?? []) env[key] = expandEnv(value, { ...baseEnv, ...env });
  const timeoutMs = req.timeoutMs ?? COMMAND_TEST_TIMEOUT_MS;
  let id: string | undefined;
  const logConfig = await probeLogConfig(engine);
  const endCreate = janitor.beginCreate();
  try {
    try {
      const action = `create a container for commandTest '${test.name}'`;
      id = await createContainer(engine, createBody(req, test, env, logConfig), action);
      janitor.track(id, engine);
    } finally {
      endCreate();
    }
    await startContainer(engine, id, `start the container of commandTest '${test.name}'`);
    const deadline = Date.now() + timeoutMs;
    let state = await inspectContainer(engine, id);
    while (state.State.Running || state.State.Status === "created") {
      if (Date.now() >= deadline) {
        await killContainer(engine, id).catch(() => undefined);
        return { name: test.name, passed: false, detail: `timed out: still running after ${timeoutMs / 1000}s (killed)` };
      }
      await sleep(100, req.signal);
      state = await inspectContainer(engine, id);
    }
    if (state.State.Error) return { name: test.name, passed: false, detail: `the command did not run: ${state.State.Error}` };
    const logs = await containerOutput(engine, id, OUTPUT_LIMIT, `read the output of commandTest '${test.name}'`);
    const exitCode = state.State.ExitCode;
    const failures = judge(test, { ...splitStreams(logs), exitCode });
    const result: CommandTestResult = { name: test.name, passed: failures.length === 0, exitCode };
    if (failures.length) result.detail = failures.join("; ");
    return result;
  } finally {
    if (id !== undefined) {
      await engine.removeContainer(id, { force: true, volumes: true }).catch(() => undefined);
      janitor.untrack(id);
    }
  }
}

/**
 * Runs the tests one after another. A test whose container cannot be made or started
 * fails with the engine's reason; an abort (or a signal the janitor handles) ends the lot.
 */
export async function runCommandTests(req: CommandTestRequest, tests: readonly CommandTestSpec[]): Promise<CommandTestResult[]> {
  const baseEnv = await imageEnv(req.engine, req.imageRef);
  const results: CommandTestResult[] = [];
  for (const test of tests) {
    req.signal.throwIfAborted();
    try {
      results.push(await runOne(req, test, baseEnv));
    } catch (err) {
      if (req.signal.aborted || janitor.terminating) throw err;
      results.push({ name: test.name, passed: false, detail: `could not run: ${causeText(err)}` });
    }
  }
  return results;
}
