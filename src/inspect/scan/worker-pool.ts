/**
 * A few worker threads that scan layers. A layer that is a range of a local file
 * (docker-archive, OCI layout) the worker reads itself. Otherwise the main thread
 * only moves bytes: it reads a layer's stored stream and posts it to a worker chunk
 * by chunk, with at most WINDOW bytes that the worker has not yet taken. A chunk's
 * buffer is moved (transferred, not copied) when the layer says its stream's
 * buffers are its own; otherwise (a blob also written to a cache, a socket's
 * buffers) the bytes are copied into staging buffers, which come back from the
 * worker to be used again.
 *
 * Every error comes back as a one-line SourceError naming the layer; a worker that
 * dies fails its layer (and the pool starts another for the next one). Whoever
 * makes a pool closes it, which terminates the workers; idle workers do not keep
 * the process alive in any case.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { SourceError } from "../../errors.js";
import type { InterestSpec } from "./interest-spec.js";
import { fromWire, type FromWorker, type ToWorker } from "./protocol.js";
import { layerError } from "./layer-error.js";
import type { ScanOutcome } from "./scan-stored.js";
import type { FileRange, StoredLayer } from "./stored-layer.js";
import type { TarCheck } from "../layer/layer-tar.js";
import type { LayerIndex } from "../fs/scan-layer.js";
import { unpackIndex } from "./wire-index.js";

/** The compiled worker next to this module (dist/inspect/scan/scan-worker.js). */
const WORKER_URL = new URL("./scan-worker.js", import.meta.url);

/** Size of the staging buffers a stream is copied into when its own cannot be moved. */
const CHUNK = 1 << 20;
/** Stored bytes sent to a worker and not yet taken off its queue. */
const WINDOW = 4 << 20;
/** Staging buffers kept for reuse. */
const SPARE = 4;
/** Below this many stored bytes, starting workers costs more than it saves (read-layers.ts plans by it). */
export const SMALL_IMAGE = 8 << 20;
/** A worker started ahead of its pool and not taken by one within this long ends. */
const EARLY_IDLE_MS = 10_000;

/** Whether the compiled worker is there (it is not when running from the TypeScript sources). */
export function scanWorkerAvailable(): boolean {
  return WORKER_URL.protocol === "file:" && existsSync(fileURLToPath(WORKER_URL));
}

/**
 * Whether a chunk starts its own ArrayBuffer, not a shared one (Buffer's pool, a
 * bigger buffer it is a view into): only then may the buffer be moved.
 */
function ownsBuffer(chunk: Buffer): boolean {
  return chunk.byteOffset === 0 && chunk.buffer.byteLength >= 64 * 1024 && chunk.length > chunk.buffer.byteLength / 2;
}

/**
 * The process's Node options, for the workers (a profiler, memory limits, preloaded
 * modules), less those that only make sense for a main script and stop a worker from
 * starting (`node --input-type=module -e ...`).
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (/^(-e|--eval|-p|--print)$/.test(a)) i++;
    else if (!/^(--input-type|--eval|--print|-i$|--interactive|-c$|--check|--test|--watch)/.test(a)) out.push(a);
  }
  return out;
}

/** What half of a split scan gives: the index (a parse; made from its columns when asked), the tar's length. */
export interface TaskOutcome {
  indexed?: () => LayerIndex;
  tarBytes: number;
}

interface ActiveJob {
  id: number;
  onMessage(m: FromWorker): void;
  /** The worker died under the job. */
  onCrash(err: Error): void;
}

let nextId = 0;

class ScanWorker {
  readonly #w: Worker;
  readonly #jobs = new Map<number, ActiveJob>();
  #dead: Error | undefined;
  readonly #exited: Promise<void>;

  constructor() {
    // a small young generation: garbage (inflated chunks, copies) is collected sooner,
    // which keeps the worker's share of the memory down
    const resourceLimits = { maxYoungGenerationSizeMb: 4 };
    try {
      this.#w = new Worker(WORKER_URL, { execArgv: workerExecArgv(), resourceLimits });
    } catch (err) {
      // a flag a worker does not take (node --trace-deopt …): the worker goes without the flags
      if ((err as NodeJS.ErrnoException).code !== "ERR_WORKER_INVALID_EXEC_ARGV") throw err;
      this.#w = new Worker(WORKER_URL, { execArgv: [], resourceLimits });
    }
    this.#w.unref();
    this.#w.on("message", (m: FromWorker) => this.#jobs.get(m.id)?.onMessage(m));
    this.#w.on("error", (err: Error) => this.#die(err));
    this.#exited = new Promise((resolve) => {
      this.#w.once("exit", (code) => {
        this.#die(new Error(`the worker thread exited (code ${code})`));
        resolve();
      });
    });
  }

  get dead(): boolean {
    return this.#dead !== undefined;
  }

  /** Layers being scanned. */
  get busy(): number {
    return this.#jobs.size;
  }

  #die(err: Error): void {
    this.#dead ??= err;
    const jobs = [...this.#jobs.values()];
    this.#jobs.clear();
    for (const job of jobs) job.onCrash(err);
  }

  #post(m: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (!this.#dead) this.#w.postMessage(m, transfer);
  }

  /** Scans one layer (alongside any others it is scanning). */
  scan(stored: StoredLayer, layer: number, what: string, interest: InterestSpec, signal?: AbortSignal): Promise<ScanOutcome> {
    const src = stored.stream;
    return new Promise<ScanOutcome>((resolve, reject) => {
      let settled = false;
      /** The stream's listeners are on (not yet when the job is over before it starts). */
      let listening = false;
      let ended = false;
      let inFlight = 0;
      let paused = false;
      let stage: Uint8Array | undefined;
      let fill = 0;
      const spare: ArrayBuffer[] = [];

      const job = this.#job<ScanOutcome>(what, signal, resolve, reject, (m, settle) => {
        switch (m.t) {
          case "ack":
            inFlight -= m.n;
            // a staging buffer back from the worker is used again; others are left to the GC here
            if (m.buf?.byteLength === CHUNK && spare.length < SPARE) spare.push(m.buf);
            if (paused && inFlight < WINDOW) {
              paused = false;
              src.resume();
            }
            break;
          case "done":
            stored.learned?.({ compression: m.compression });
            if (m.index) settle(undefined, { index: unpackIndex(m.index), tarBytes: m.tarBytes, compression: m.compression });
            else settle(new SourceError(`${what}: the layer scan gave no index`));
            break;
          case "fail":
            settle(fromWire(m.error, what));
            break;
        }
      }, (failed) => {
        settled = true;
        if (listening) {
          src.off("data", onData);
          src.off("end", onEnd);
          src.off("close", onClose);
        }
        if (failed) {
          // keep a listener: the stream may still report what destroying it caused
          src.on("error", () => {});
          src.destroy();
        }
      });
      if (job === undefined) return;
      const { id, settle } = job;

      const flush = () => {
        if (stage === undefined || fill === 0) return;
        const buf = stage.buffer as ArrayBuffer;
        this.#post({ t: "data", id, buf, len: fill }, [buf]);
        inFlight += fill;
        stage = undefined;
        fill = 0;
      };
      const onData = (chunk: Buffer) => {
        if (settled) return;
        if (stored.transferable && ownsBuffer(chunk)) {
          flush();
          // (the chunk reads as empty once its buffer has moved)
          const len = chunk.length;
          const buf = chunk.buffer as ArrayBuffer;
          this.#post({ t: "data", id, buf, len }, [buf]);
          inFlight += len;
        } else copyIn(chunk);
        if (inFlight >= WINDOW && !paused) {
          paused = true;
          src.pause();
        }
      };
      const copyIn = (chunk: Buffer) => {
        let off = 0;
        while (off < chunk.length) {
          stage ??= new Uint8Array(spare.pop() ?? new ArrayBuffer(CHUNK));
          const n = Math.min(CHUNK - fill, chunk.length - off);
          stage.set(n === chunk.length ? chunk : chunk.subarray(off, off + n), fill);
          fill += n;
          off += n;
          if (fill === CHUNK) flush();
        }
      };
      const onEnd = () => {
        if (settled) return;
        ended = true;
        flush();
        this.#post({ t: "end", id });
      };
      const onClose = () => {
        if (!ended) settle(new SourceError(`${what}: the layer's stream closed before its end`));
      };
      if (stored.file) {
        // the worker reads the file itself: the stream, which has read nothing, is not needed
        src.on("error", () => {});
        src.destroy();
        this.#post({ t: "job", id, layer, what, check: stored.check, interest, file: stored.file });
        return;
      }
      this.#post({ t: "job", id, layer, what, check: stored.check, interest });
      listening = true;
      src.on("error", (err) => settle(layerError(err, what)));
      src.on("data", onData);
      src.on("end", onEnd);
      src.on("close", onClose);
    });
  }

  /**
   * Half of a split scan of a plain tar in a local file (split-scan.ts): "hash" checks the
   * diff_id (and gives no index), "parse" gives the index.
   */
  task(kind: "hash" | "parse", file: FileRange, layer: number, what: string, check: TarCheck, interest: InterestSpec, signal?: AbortSignal): Promise<TaskOutcome> {
    return new Promise<TaskOutcome>((resolve, reject) => {
      const job = this.#job<TaskOutcome>(what, signal, resolve, reject, (m, settle) => {
        if (m.t === "done") {
          const wire = m.index;
          settle(undefined, { ...(wire ? { indexed: () => unpackIndex(wire) } : {}), tarBytes: m.tarBytes });
        } else if (m.t === "fail") settle(fromWire(m.error, what));
      });
      if (job !== undefined) this.#post({ t: "job", id: job.id, layer, what, check, interest, file, task: kind });
    });
  }

  /**
   * A job's bookkeeping, the same for a whole scan and for half of a split one: an id,
   * the worker kept alive while it runs, one settlement (`cleanup` first; on a failure the
   * worker is told to drop the job), an abort by `signal`, the worker's death. `onMessage`
   * hears the worker's messages about the job. Undefined when the job is over before it
   * starts (a dead worker, an aborted signal): it is settled already.
   */
  #job<T>(
    what: string,
    signal: AbortSignal | undefined,
    resolve: (outcome: T) => void,
    reject: (err: Error) => void,
    onMessage: (m: FromWorker, settle: (err: Error | undefined, outcome?: T) => void) => void,
    cleanup?: (failed: boolean) => void,
  ): { id: number; settle: (err: Error | undefined, outcome?: T) => void } | undefined {
    if (this.#dead) {
      cleanup?.(true);
      reject(new SourceError(`${what}: the layer scan failed: ${this.#dead.message}`, { cause: this.#dead }));
      return undefined;
    }
    const id = ++nextId;
    let settled = false;
    const settle = (err: Error | undefined, outcome?: T) => {
      if (settled) return;
      settled = true;
      this.#jobs.delete(id);
      if (this.#jobs.size === 0) this.#w.unref();
      signal?.removeEventListener("abort", onAbort);
      cleanup?.(err !== undefined);
      if (err) {
        this.#post({ t: "abort", id });
        reject(err);
      } else resolve(outcome!);
    };
    const onAbort = () => settle(signal?.reason instanceof Error ? signal.reason : new SourceError(`${what}: aborted`));
    this.#jobs.set(id, {
      id,
      onMessage: (m) => onMessage(m, settle),
      onCrash: (err) => settle(new SourceError(`${what}: the layer scan failed: ${err.message}`, { cause: err })),
    });
    if (signal?.aborted) {
      onAbort();
      return undefined;
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#w.ref();
    return { id, settle };
  }

  terminate(): Promise<void> {
    void this.#w.terminate();
    return this.#exited;
  }
}

/** A worker started before there was a pool for it (`prestartScanWorker`), for the next pool to take. */
let early: ScanWorker | undefined;
let earlyTimer: NodeJS.Timeout | undefined;

/**
 * Starts a scan worker now, for the next pool made to take: its start (a thread, the
 * scan modules, their compilation: about 100 ms) then overlaps the opening of the
 * image instead of delaying the first layer handed to it. One not taken within
 * EARLY_IDLE_MS ends; it never keeps the process alive. Nothing happens on one CPU,
 * with IMGPOLICY_SCAN_WORKERS=0, or without the compiled worker.
 */
export function prestartScanWorker(): void {
  if (early !== undefined || availableParallelism() < 2 || process.env.IMGPOLICY_SCAN_WORKERS === "0" || !scanWorkerAvailable()) return;
  early = new ScanWorker();
  earlyTimer = setTimeout(() => {
    void early?.terminate();
    early = undefined;
  }, EARLY_IDLE_MS).unref();
}

function takeEarly(): ScanWorker | undefined {
  const w = early;
  early = undefined;
  clearTimeout(earlyTimer);
  if (w?.dead) {
    void w.terminate();
    return undefined;
  }
  return w;
}

/**
 * Worker threads for layer scans; `close()` ends them. A worker scans up to
 * `perWorker` layers at once: one keeps a thread busy hashing and parsing a plain
 * tar, but a compressed layer mostly waits for zlib, which inflates on libuv's
 * threads, so one worker can drive several (and each worker costs memory).
 */
export class ScanPool {
  readonly #all: ScanWorker[] = [];
  #closed = false;

  constructor(
    readonly size: number,
    readonly perWorker = 1,
  ) {
    for (let i = 0; i < size; i++) this.#all.push((i === 0 ? takeEarly() : undefined) ?? new ScanWorker());
  }

  /** Layers the pool scans at once. */
  get capacity(): number {
    return this.size * this.perWorker;
  }

  /** Scans a layer on the least busy worker (a dead one is replaced first). */
  async scan(stored: StoredLayer, layer: number, what: string, interest: InterestSpec, signal?: AbortSignal): Promise<ScanOutcome> {
    if (this.#closed) {
      stored.stream.destroy();
      throw new SourceError(`${what}: the layer-scan pool is closed`);
    }
    return this.#pick().scan(stored, layer, what, interest, signal);
  }

  /** Half of a split scan (ScanWorker.task) on the least busy worker. */
  async task(kind: "hash" | "parse", file: FileRange, layer: number, what: string, check: TarCheck, interest: InterestSpec, signal?: AbortSignal): Promise<TaskOutcome> {
    if (this.#closed) throw new SourceError(`${what}: the layer-scan pool is closed`);
    return this.#pick().task(kind, file, layer, what, check, interest, signal);
  }

  #pick(): ScanWorker {
    for (let i = 0; i < this.#all.length; i++) {
      const w = this.#all[i]!;
      if (w.dead && w.busy === 0) {
        void w.terminate();
        this.#all[i] = new ScanWorker();
      }
    }
    const live = this.#all.filter((w) => !w.dead);
    return live.length > 0 ? live.reduce((a, b) => (b.busy < a.busy ? b : a)) : this.#all[0]!;
  }

  /** Terminates every worker; safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = this.#all.splice(0);
    await Promise.all(all.map((w) => w.terminate()));
  }
}
