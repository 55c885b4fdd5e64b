/**
 * The runtime probe: runs an image under a hardened profile through testcontainers and
 * reports what running it showed, as RuntimeFacts for ordinary rules to judge.
 *
 *   engine reachable? ─no─▶ { status: "not-run" }
 *   the opened image in the engine (by its ID; else loaded from imgpolicy's own reader,
 *   the engine never pulls)? ─no─▶ not-run
 *   run 1: read-only root, caps dropped, no-new-privileges … → health, stay-up, identity,
 *          memory, stop
 *   run 2 (write probe, only when run 1 failed read-only): writable root → what it wrote
 *   commandTests (when given): one fresh container each, same profile → pass/fail each
 *   (an image with nothing to start, no ENTRYPOINT, CMD or runtime.command: not-run, and
 *   only its commandTests run)
 *
 * Every container carries imgpolicy.runtime=1 and the run id, and is removed when the
 * run ends, fails, times out, is aborted, or the process gets SIGINT/SIGTERM; so is an
 * image loaded for the run. An abort stops the probe at the step it is at (a load being
 * sent, a container starting or being waited on), and it rejects once all is removed.
 */
import { randomBytes } from "node:crypto";
import { getContainerRuntimeClient, ImageName, type ContainerRuntimeClient } from "testcontainers";
import { causeText, EngineError, ImgpolicyError, SourceError } from "../errors.js";
import { healthcheckFact } from "../inspect/facts/config-facts.js";
import type { ContainerConfig, Image } from "../inspect/image.js";
import { EngineClient } from "../engine/client.js";
import type { EngineEndpoint } from "../engine/host.js";
import { runCommandTests, type CommandTestSpec } from "./command-tests.js";
import { ensureLoaded, type LoadedImage } from "./ensure-loaded.js";
import { engineIsLocal } from "./identity.js";
import { janitor } from "./janitor.js";
import { resolvePlan, type ImageRuntimeConfig, type RunPlan } from "./profile.js";
import { runContainer, type RunRequest, type RunResult } from "./run-container.js";
import { reachedElsewhere, testcontainersRefuses, testcontainersVars, withEnv } from "./testcontainers-engine.js";
import type { RuntimeFacts, RuntimeSpec } from "./runtime-types.js";
import { PROBE_HOST } from "./wait.js";
import { writtenPaths } from "./writes.js";

export type { CommandTestSpec } from "./command-tests.js";
export type { ImageRuntimeConfig } from "./profile.js";
export { writtenPaths } from "./writes.js";

export interface ProbeOptions {
  /**
   * The engine to use (default: the one DOCKER_HOST or the docker context names, resolved
   * once here). testcontainers is made to use the same address (testcontainers-engine.ts).
   */
  engine?: EngineClient;
  signal?: AbortSignal;
  /** Each log line of the probed containers, as it comes (best effort: a container that exits at once may send none). */
  onLog?: (line: string, run: "probe" | "write-probe") => void;
  /**
   * On SIGINT/SIGTERM the probe's containers are removed, then the signal is sent again
   * so the process ends as it would have (default). Set false when the application
   * handles those signals itself: the probe then rejects once its containers are gone.
   */
  exitOnSignal?: boolean;
  /**
   * container-structure-test commandTests to run, each in a fresh container under the same
   * profile, after the probe's own run; their results are `commandTests` in the facts.
   */
  commandTests?: readonly CommandTestSpec[];
  /** Time each commandTest may take (default 30 s). */
  commandTestTimeoutMs?: number;
}

/** The write probe waits for health no longer than this: it only needs the startup writes. */
const WRITE_PROBE_STARTUP_MS = 15_000;

const notRun = (reason: string): RuntimeFacts => ({ status: "not-run", reason });

export const NOTHING_TO_RUN = "the image has no ENTRYPOINT or CMD: say what to run in the policy (runtime.command)";

/** Whether a container of the image would have a program to start. */
function hasProgram(cfg: ContainerConfig, plan: RunPlan): boolean {
  return Boolean(plan.entrypoint?.length || plan.command?.length || cfg.Entrypoint?.length || cfg.Cmd?.length);
}

function imageConfig(cfg: ContainerConfig): ImageRuntimeConfig {
  const out: ImageRuntimeConfig = { exposedPorts: Object.keys(cfg.ExposedPorts ?? {}), healthcheck: healthcheckFact(cfg.Healthcheck) };
  if (cfg.User) out.user = cfg.User;
  if (cfg.StopSignal) out.stopSignal = cfg.StopSignal;
  return out;
}

/**
 * testcontainers chooses its engine and "the host" once, at its first client, and keeps
 * them for the process: that first client is made with the environment naming the engine
 * we resolved (and, for a socket, the host: see testcontainers-engine.ts), the
 * environment is put back as it was, and the client is checked to speak to that engine.
 */
let firstClient: Promise<ContainerRuntimeClient> | undefined;
function runtimeClient(endpoint: EngineEndpoint): Promise<ContainerRuntimeClient> {
  // one first call at a time: testcontainers caches the client only once it is made
  firstClient ??= (async () => {
    try {
      return await withEnv(testcontainersVars(endpoint, process.env, PROBE_HOST), () => getContainerRuntimeClient());
    } catch (err) {
      firstClient = undefined; // no engine now: a later probe asks again
      throw err;
    }
  })();
  return firstClient;
}

/** testcontainers pulls an image it does not see even under a never-pull policy: check first, on the same engine. */
async function testcontainersSees(ref: string, endpoint: EngineEndpoint): Promise<string | undefined> {
  const refused = testcontainersRefuses(endpoint);
  if (refused) return refused;
  try {
    const client = await runtimeClient(endpoint);
    const elsewhere = reachedElsewhere(client, endpoint);
    if (elsewhere) return elsewhere;
    if (await client.image.exists(ImageName.fromString(ref))) return undefined;
    return `testcontainers does not see image '${ref}' in the engine at ${endpoint.display}`;
  } catch (err) {
    return `no container engine: testcontainers found none (${causeText(err)})`;
  }
}

function runFacts(plan: RunPlan, runId: string, r: RunResult): RuntimeFacts {
  const f: RuntimeFacts = { status: "ran", runId, profile: plan.profile, restarts: r.restarts, logTail: r.logTail };
  f.health = { method: plan.health.method, ...r.health };
  if (r.stayedUp !== undefined) f.stayedUp = r.stayedUp;
  if (r.exited) f.exited = r.exited;
  if (r.identity) f.identity = r.identity;
  if (r.stop) f.stop = r.stop;
  if (r.peakMemoryBytes !== undefined) f.peakMemoryBytes = r.peakMemoryBytes;
  return f;
}

const failed = (r: RunResult) => !r.health.healthy || r.stayedUp === false || r.exited !== undefined;

/**
 * Runs `image`, the image the caller opened (and still owns: it is not closed here), in
 * the engine. `facts` is what the caller already knows of its config (healthcheck, ports,
 * user, stop signal); by default the engine's copy of the config says.
 */
export async function probeRuntime(
  image: Image,
  spec: RuntimeSpec,
  facts?: ImageRuntimeConfig,
  opts: ProbeOptions = {},
): Promise<RuntimeFacts> {
  let engine: EngineClient;
  try {
    engine = opts.engine ?? new EngineClient();
    await engine.ping();
  } catch (err) {
    if (err instanceof ImgpolicyError) return notRun(`no container engine: ${err.message}`);
    throw err;
  }
  const signal = opts.signal ? AbortSignal.any([opts.signal, janitor.signal]) : janitor.signal;
  signal.throwIfAborted();
  const runId = `${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
  // the signal handlers are there from the load on: an image being loaded is removed on SIGINT/SIGTERM too
  const endRun = janitor.beginRun(runId, engine, { exitOnSignal: opts.exitOnSignal ?? true });
  let loaded: LoadedImage | undefined;
  try {
    try {
      loaded = await loadForRun(engine, image, signal);
    } catch (err) {
      if (janitor.terminating) {
        await janitor.settled();
        throw new EngineError(`the runtime probe was interrupted by ${janitor.terminating} while loading the image; nothing was left behind`);
      }
      if (err instanceof SourceError && !signal.aborted) return notRun(err.message);
      throw err;
    }
    const { ref, config } = loaded;
    const plan = resolvePlan(spec, facts ?? imageConfig(config));
    if (plan.ports.length > 0 && !engineIsLocal(engine)) {
      return notRun(`the engine at ${engine.host} is not on this machine, and the probe publishes ports on 127.0.0.1 only`);
    }
    const unseen = await testcontainersSees(ref, engine.endpoint);
    if (unseen) return notRun(unseen);
    signal.throwIfAborted();

    const runTests = async (result: RuntimeFacts): Promise<RuntimeFacts> => {
      if (opts.commandTests?.length) {
        result.commandTests = await runCommandTests(
          { engine, imageRef: ref, plan, runId, signal, ...(opts.commandTestTimeoutMs !== undefined ? { timeoutMs: opts.commandTestTimeoutMs } : {}) },
          opts.commandTests,
        );
      }
      return result;
    };
    // Nothing to start (a base image, a tools image): the service run cannot happen, the commandTests still can.
    if (!hasProgram(config, plan)) return await runTests(notRun(NOTHING_TO_RUN));

    const base: Omit<RunRequest, "purpose" | "readOnly" | "onLog"> = { engine, imageRef: ref, plan, runId, signal };
    const onLog = opts.onLog;
    const first = await runContainer({ ...base, purpose: "probe", readOnly: plan.profile.readOnly, ...(onLog ? { onLog: (l: string) => onLog(l, "probe") } : {}) });
    const result = runFacts(plan, runId, first);
    if (failed(first) && plan.writeProbe && plan.profile.readOnly) {
      const writable: RunPlan = { ...plan, startupTimeoutMs: Math.min(plan.startupTimeoutMs, WRITE_PROBE_STARTUP_MS) };
      const second = await runContainer({
        ...base,
        plan: writable,
        purpose: "write-probe",
        readOnly: false,
        ...(onLog ? { onLog: (l: string) => onLog(l, "write-probe") } : {}),
      });
      result.writes = writtenPaths(second.changes ?? [], plan.profile.tmpfs);
      result.writableRun = { healthy: second.health.healthy };
      if (second.exited) result.writableRun.exitCode = second.exited.exitCode;
      if (second.health.detail) result.writableRun.detail = second.health.detail;
    }
    return await runTests(result);
  } catch (err) {
    // a signal's abort ends the probe at once: its cleanup is the janitor's, and the process
    // dies of the signal when that is done, before this failure can be reported as the result
    if (janitor.terminating) await janitor.settled();
    throw err;
  } finally {
    endRun();
    await loaded?.release().catch(() => undefined);
  }
}

/** ensureLoaded() under the janitor's eye: an image loaded for the run is removed on SIGINT/SIGTERM too. */
async function loadForRun(engine: EngineClient, image: Image, signal: AbortSignal): Promise<LoadedImage> {
  const endLoad = janitor.beginLoad();
  try {
    const loaded = await ensureLoaded(engine, image, { signal });
    if (!loaded.loaded) return loaded;
    janitor.trackImage(loaded.ref, engine);
    return {
      ...loaded,
      release: async () => {
        try {
          await loaded.release();
        } finally {
          janitor.untrackImage(loaded.ref);
        }
      },
    };
  } finally {
    endLoad();
  }
}
