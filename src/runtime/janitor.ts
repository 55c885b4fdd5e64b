/**
 * Never leak a container: the probes of this process register what they start here,
 * and while any probe runs, SIGINT and SIGTERM handlers remove those containers, and the
 * images the probes loaded into the engine for their runs, before the process goes on
 * to die. A signal also aborts the loads in progress (`signal`), and the handlers wait
 * for them to end first, so that an image the engine finishes loading is removed too.
 *
 * This is the one piece of process-wide state in the runtime code, on purpose: signals
 * are delivered to the process, not to a probe, so the set of live containers has to be
 * process-wide too. Handlers are installed by the first probe and removed by the last.
 *
 * Once the containers are gone, the janitor removes the signal's handlers and sends it
 * again, so the process dies of it as it would have without the probe. It cannot leave
 * that to others: any process that imports testcontainers also has signal-exit's
 * handlers (through proper-lockfile), which stand aside whenever another handler
 * exists, and do not reliably act on a second delivery either. An application that
 * handles SIGINT/SIGTERM itself says so (`exitOnSignal: false`): its handlers stay, are
 * called once, and the interrupted probes reject.
 */
import type { EngineClient } from "../engine/client.js";
import { RUN_LABEL } from "./labels.js";
import { sleep } from "./sleep.js";

const SIGNALS = ["SIGINT", "SIGTERM"] as const;
type HandledSignal = (typeof SIGNALS)[number];

/** How long a signal waits for in-flight creates, and for the removals. */
const CREATE_WAIT_MS = 5000;
const CLEANUP_LIMIT_MS = 20_000;

class Janitor {
  readonly #live = new Map<string, EngineClient>();
  /** Images loaded for a run (temporary tags), removed after the containers on a signal. */
  readonly #images = new Map<string, EngineClient>();
  readonly #interrupt = new AbortController();
  #pendingLoads = 0;
  readonly #runs = new Map<string, { engine: EngineClient; exitOnSignal: boolean }>();
  #pendingCreates = 0;
  #users = 0;
  #terminating: HandledSignal | undefined;
  #settled: Promise<void> | undefined;
  readonly #handler = (signal: HandledSignal) => {
    this.#settled ??= this.#onSignal(signal);
  };

  /** The signal being handled, once one arrived: no container may be created after it. */
  get terminating(): HandledSignal | undefined {
    return this.#terminating;
  }

  /** Aborted when a signal arrives: what a probe does that can be cut short (a load) listens to it. */
  get signal(): AbortSignal {
    return this.#interrupt.signal;
  }

  /**
   * Resolves once the signal's cleanup is done. Probes whose containers were removed
   * under them wait for it before they fail, so the process dies of the signal (when
   * nobody else handles it) rather than of their error.
   */
  settled(): Promise<void> {
    return this.#settled ?? Promise.resolve();
  }

  /** Registers a probe run; the returned function ends it. Installs the handlers on first use. */
  beginRun(runId: string, engine: EngineClient, opts: { exitOnSignal?: boolean } = {}): () => void {
    this.#runs.set(runId, { engine, exitOnSignal: opts.exitOnSignal ?? true });
    if (this.#users++ === 0) for (const s of SIGNALS) process.on(s, this.#handler);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#runs.delete(runId);
      if (--this.#users === 0 && this.#terminating === undefined) for (const s of SIGNALS) process.off(s, this.#handler);
    };
  }

  /** Brackets a create request whose container id is not known yet. */
  beginCreate(): () => void {
    if (this.#terminating) throw new Error(`not creating a container: ${this.#terminating} received`);
    this.#pendingCreates++;
    let ended = false;
    return () => {
      if (!ended) this.#pendingCreates--;
      ended = true;
    };
  }

  /** Brackets loading an image into the engine; the image it loads is then `trackImage`d before the bracket ends. */
  beginLoad(): () => void {
    if (this.#terminating) throw new Error(`not loading an image: ${this.#terminating} received`);
    this.#pendingLoads++;
    let ended = false;
    return () => {
      if (!ended) this.#pendingLoads--;
      ended = true;
    };
  }

  trackImage(ref: string, engine: EngineClient): void {
    this.#images.set(ref, engine);
  }

  untrackImage(ref: string): void {
    this.#images.delete(ref);
  }

  track(id: string, engine: EngineClient): void {
    this.#live.set(id, engine);
  }

  untrack(id: string): void {
    this.#live.delete(id);
  }

  async #sweep(): Promise<void> {
    const removals = [...this.#live].map(([id, engine]) =>
      engine.removeContainer(id, { force: true, volumes: true }).then(
        () => this.#live.delete(id),
        () => undefined,
      ),
    );
    await Promise.all(removals);
    // A create answered after the sweep above, or lost with its answer: find it by label.
    for (const [runId, { engine }] of this.#runs) {
      try {
        for (const c of await engine.listContainers({ all: true, label: `${RUN_LABEL}=${runId}` })) {
          await engine.removeContainer(c.Id, { force: true, volumes: true }).catch(() => undefined);
        }
      } catch {
        // the engine went away: gcRuntimeContainers() finds these later
      }
    }
    // the images last, once no container of theirs is left
    for (const [ref, engine] of this.#images) {
      await engine.imageRemove(ref, { force: false }).then(
        () => this.#images.delete(ref),
        () => undefined,
      );
    }
  }

  async #onSignal(signal: HandledSignal): Promise<void> {
    this.#terminating = signal;
    this.#interrupt.abort(new Error(`${signal} received`));
    const exit = [...this.#runs.values()].every((r) => r.exitOnSignal);
    const deadline = Date.now() + CREATE_WAIT_MS;
    while (this.#pendingCreates > 0 && Date.now() < deadline) await sleep(50);
    // an aborted load ends at once while it is sending; once sent, the engine's answer is awaited
    const loadsDeadline = Date.now() + CLEANUP_LIMIT_MS;
    while (this.#pendingLoads > 0 && Date.now() < loadsDeadline) await sleep(50);
    const limit = new AbortController();
    await Promise.race([this.#sweep(), sleep(CLEANUP_LIMIT_MS, limit.signal).catch(() => undefined)]);
    limit.abort();
    for (const s of SIGNALS) process.off(s, this.#handler);
    if (exit) {
      process.removeAllListeners(signal); // so the default action, death by the signal, applies
      process.kill(process.pid, signal);
    }
  }
}

export const janitor = new Janitor();
