/**
 * Never leak a container: the probes of this process register what they start here,
 * and while any probe runs, SIGINT and SIGTERM handlers remove those containers before
 * the process goes on to die.
 *
 * This is the one piece of process-wide state in the runtime code, on purpose: signals
 * are delivered to the process, not to a probe, so the set of live containers has to be
 * process-wide too. Handlers are installed by the first probe and removed by the last.
 */
import type { EngineClient } from "../inspect/sources/engine-client.js";
import { RUN_LABEL } from "./labels.js";
import { sleep } from "./sleep.js";

const SIGNALS = ["SIGINT", "SIGTERM"] as const;
type HandledSignal = (typeof SIGNALS)[number];

/** How long a signal waits for in-flight creates, and for the removals. */
const CREATE_WAIT_MS = 5000;
const CLEANUP_LIMIT_MS = 20_000;

class Janitor {
  readonly #live = new Map<string, EngineClient>();
  readonly #runs = new Map<string, EngineClient>();
  #pendingCreates = 0;
  #users = 0;
  #terminating: HandledSignal | undefined;
  readonly #handler = (signal: HandledSignal) => void this.#onSignal(signal);

  /** The signal being handled, once one arrived: no container may be created after it. */
  get terminating(): HandledSignal | undefined {
    return this.#terminating;
  }

  /** Registers a probe run; the returned function ends it. Installs the handlers on first use. */
  beginRun(runId: string, engine: EngineClient): () => void {
    this.#runs.set(runId, engine);
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
    for (const [runId, engine] of this.#runs) {
      try {
        for (const c of await engine.listContainers({ all: true, label: `${RUN_LABEL}=${runId}` })) {
          await engine.removeContainer(c.Id, { force: true, volumes: true }).catch(() => undefined);
        }
      } catch {
        // the engine went away: gcRuntimeContainers() finds these later
      }
    }
  }

  async #onSignal(signal: HandledSignal): Promise<void> {
    if (this.#terminating) return;
    this.#terminating = signal;
    // Were we the only ones listening, the default action (exit) must still happen.
    const othersListen = process.listeners(signal).some((l) => l !== this.#handler);
    const deadline = Date.now() + CREATE_WAIT_MS;
    while (this.#pendingCreates > 0 && Date.now() < deadline) await sleep(50);
    await Promise.race([this.#sweep(), sleep(CLEANUP_LIMIT_MS)]);
    for (const s of SIGNALS) process.off(s, this.#handler);
    if (!othersListen) process.kill(process.pid, signal);
  }
}

export const janitor = new Janitor();
