/**
 * The layer scanner in worker threads: a worker checks, decompresses and scans a
 * layer's stored bytes (scan-worker.ts) and posts the index back. Stored bytes in a
 * local file (docker-archive, OCI layout) the worker reads itself: moved from this
 * thread, each chunk's buffer would wait in the worker for a garbage collection,
 * which doubled the peak memory of a 1 GiB archive (bench, 2 workers: 217 MB against
 * 125). A plain tar there is checked on a worker and scanned on this thread (`#split`).
 * Other streams (a registry's) this thread posts chunk by chunk, with at most
 * WINDOW bytes the worker has not yet taken; a chunk's buffer is moved (not copied)
 * when the layer says its stream's buffers are its own, else the bytes are copied
 * into staging buffers.
 *
 * Every error comes back as a one-line SourceError naming the layer; a worker that
 * dies fails its layer (and another is started for the next one). `close()`
 * terminates the workers; idle workers do not keep the process alive in any case.
 */
import { closeSync, existsSync, openSync, readSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { SourceError } from "../../errors.js";
import { layerCompression, type Layer } from "../image.js";
import type { StoredTar, StoredTarLayer } from "../layer/layer-tar.js";
import type { InterestSpec } from "./interest-spec.js";
import type { LayerScanner, ScannedLayer } from "./layer-scanner.js";
import { sniffCompression } from "../layer/decompress.js";
import type { FromWorker, PlainPart, ToWorker } from "./scan-worker.js";
import type { ScanInterest } from "../fs/scan-layer.js";
import { interestFromSpec } from "./interest-spec.js";
import { scanHere } from "./in-process.js";
import { scanPlainFile } from "./plain-file.js";

/** The compiled worker next to this module (dist/inspect/scan/scan-worker.js). */
const WORKER_URL = new URL("./scan-worker.js", import.meta.url);
/** Size of the staging buffers a stream is copied into when its own cannot be moved. */
const CHUNK = 1 << 20;
/** Stored bytes sent to a worker and not yet taken by it. */
const WINDOW = 4 << 20;

/** Whether the compiled worker is there (it is not when running from the TypeScript sources). */
export function scanWorkerAvailable(): boolean {
  return WORKER_URL.protocol === "file:" && existsSync(fileURLToPath(WORKER_URL));
}

/** Whether a chunk starts its own ArrayBuffer, not a shared one (Buffer's pool, a view into more): only then may it be moved. */
function ownsBuffer(chunk: Buffer): boolean {
  return chunk.byteOffset === 0 && chunk.buffer.byteLength >= 64 * 1024 && chunk.length > chunk.buffer.byteLength / 2;
}

/** The process's Node options, less those that only make sense for a main script and stop a worker from starting. */
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

let nextId = 0;

/** Whether the stored bytes are a plain tar in a local file, with no digest to check but the diff_id (what a split scan takes). */
function isPlainFile(stored: StoredTar): boolean {
  const { file, check } = stored;
  if (file === undefined || check.blob !== undefined || (check.compression !== undefined && check.compression !== "none")) return false;
  if (check.compression === "none" || file.end - file.start < 4) return true;
  let fd: number | undefined;
  try {
    fd = file.fd ?? openSync(file.path!, "r");
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, file.start) === 4 && sniffCompression(head) === "none";
  } catch {
    return false; // (the one-pass scan says what is wrong)
  } finally {
    if (fd !== undefined && file.fd === undefined) closeSync(fd);
  }
}

class ScanWorker {
  readonly #w: Worker;
  readonly #jobs = new Map<number, { onMessage(m: FromWorker): void; onCrash(err: Error): void }>();
  #dead: Error | undefined;
  readonly #exited: Promise<void>;

  constructor() {
    // a small young generation: garbage is collected sooner, which keeps the worker's memory down
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

  scan(stored: StoredTar, layer: number, what: string, interest: InterestSpec, signal: AbortSignal, part?: PlainPart): Promise<ScannedLayer> {
    const src = stored.stream;
    return new Promise<ScannedLayer>((resolve, reject) => {
      const id = ++nextId;
      let settled = false;
      let ended = false;
      let inFlight = 0;
      let paused = false;
      let stage: Uint8Array | undefined;
      let fill = 0;
      const settle = (err: Error | undefined, outcome?: ScannedLayer) => {
        if (settled) return;
        settled = true;
        this.#jobs.delete(id);
        if (this.#jobs.size === 0) this.#w.unref();
        signal.removeEventListener("abort", onAbort);
        src.off("data", onData);
        src.off("end", onEnd);
        src.off("close", onClose);
        if (!err) return resolve(outcome!);
        this.#post({ t: "abort", id });
        // keep a listener: the stream may still report what destroying it caused
        src.on("error", () => {});
        src.destroy();
        reject(err);
      };
      const onAbort = () => settle(signal.reason instanceof Error ? signal.reason : new SourceError(`${what}: aborted`));
      const post = (buf: ArrayBuffer, len: number) => {
        this.#post({ t: "data", id, buf, len }, [buf]);
        inFlight += len;
      };
      const flush = () => {
        if (stage !== undefined && fill > 0) post(stage.buffer as ArrayBuffer, fill);
        stage = undefined;
        fill = 0;
      };
      const onData = (chunk: Buffer) => {
        if (stored.transferable && ownsBuffer(chunk)) {
          flush();
          post(chunk.buffer as ArrayBuffer, chunk.length);
        } else {
          for (let off = 0; off < chunk.length; ) {
            stage ??= Buffer.allocUnsafeSlow(CHUNK); // (not zeroed: every byte posted is written first)
            const n = Math.min(CHUNK - fill, chunk.length - off);
            stage.set(chunk.subarray(off, off + n), fill);
            fill += n;
            off += n;
            if (fill === CHUNK) flush();
          }
        }
        if (inFlight >= WINDOW && !paused) {
          paused = true;
          src.pause();
        }
      };
      const onEnd = () => {
        ended = true;
        flush();
        this.#post({ t: "end", id });
      };
      const onClose = () => {
        if (!ended) settle(new SourceError(`${what}: the layer's stream closed before its end`));
      };
      if (this.#dead) return settle(new SourceError(`${what}: the layer scan failed: ${this.#dead.message}`, { cause: this.#dead }));
      if (signal.aborted) return onAbort();
      this.#jobs.set(id, {
        onMessage: (m) => {
          if (m.t === "ack") {
            inFlight -= m.n;
            if (paused && inFlight < WINDOW) {
              paused = false;
              src.resume();
            }
          } else if (m.t === "done") {
            stored.learned(m.compression);
            // (a Buffer arrives as a plain Uint8Array)
            for (const f of m.index.files) if (f.content !== undefined) f.content = Buffer.from(f.content.buffer, f.content.byteOffset, f.content.byteLength);
            settle(undefined, { index: m.index, tarBytes: m.tarBytes });
          } else {
            const err = m.source ? new SourceError(m.message) : new SourceError(`${what}: ${m.message}`);
            settle(m.atEnd ? Object.assign(err, { atEnd: true }) : err);
          }
        },
        onCrash: (err) => settle(new SourceError(`${what}: the layer scan failed: ${err.message}`, { cause: err })),
      });
      signal.addEventListener("abort", onAbort, { once: true });
      this.#w.ref();
      this.#post({ t: "job", id, layer, what, check: stored.check, ...(stored.file ? { file: stored.file } : {}), interest, ...(part ? { part } : {}) });
      if (stored.file) {
        // the worker reads the file itself: the stream, which has read nothing, is not needed
        src.on("error", () => {});
        src.destroy();
        return;
      }
      src.on("error", (err) => settle(err instanceof SourceError ? err : new SourceError(`${what}: ${err.message}`, { cause: err })));
      src.on("data", onData);
      src.on("end", onEnd);
      src.on("close", onClose);
      // a stream that failed or closed before these listeners were there says so no more
      if (src.errored) settle(new SourceError(`${what}: ${src.errored.message}`, { cause: src.errored }));
      else if (src.destroyed && !src.readableEnded) onClose();
    });
  }

  terminate(): Promise<void> {
    void this.#w.terminate();
    return this.#exited;
  }
}

/**
 * Worker threads for layer scans. A worker scans up to `perWorker` layers at once: one
 * keeps a thread busy hashing and parsing a plain tar, but a compressed layer mostly
 * waits for zlib, which inflates on libuv's threads, so one worker can drive several.
 */
export class WorkerPool implements LayerScanner {
  readonly #all: ScanWorker[] = [];
  #closed = false;
  readonly capacity: number;

  constructor(
    private readonly interest: InterestSpec,
    size: number,
    perWorker = 1,
    /** A split layer's index is given once parsed, its hash still under way (`ScannedLayer.checked`). */
    private readonly deferChecks = false,
  ) {
    for (let i = 0; i < size; i++) this.#all.push(new ScanWorker());
    this.capacity = size * perWorker;
  }

  /** Scans a layer on the least busy worker (a dead one is replaced first); a plain tar in a local file is split (`#split`), a gzip one scanned here. The chooser gives this pool only layers that hand over their stored bytes. */
  async scan(layer: Layer, n: number, what: string, signal: AbortSignal): Promise<ScannedLayer> {
    if (this.#closed) throw new SourceError(`${what}: the layer-scan pool is closed`);
    const stored = await (layer as StoredTarLayer).storedTar();
    if (isPlainFile(stored)) return this.#split(stored, n, what, signal);
    // a gzip layer in a local file is scanned here (the chooser says why: layer-scanner.ts)
    if (stored.file !== undefined && layerCompression(await layer.mediaType()) === "gzip") return scanHere(stored, n, what, this.#interestHere(), signal);
    return this.#pick().scan(stored, n, what, this.interest, signal);
  }

  /**
   * A plain tar in a local file, checked on a worker and scanned on this thread, which
   * would otherwise wait: hashing is most of the work, and the scan reads only what it
   * needs to see. The index then never crosses threads. The error is the one the
   * one-pass scan gives: the tar's, unless it was cut short, then the digest's.
   */
  async #split(stored: StoredTar, n: number, what: string, signal: AbortSignal): Promise<ScannedLayer> {
    const stop = new AbortController();
    const onAbort = () => stop.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const atEnd = (err: unknown) => (err as { atEnd?: boolean }).atEnd === true;
    const hash = this.#pick().scan(stored, n, what, this.interest, stop.signal, "hash");
    // the hash's error, as the caller is to see it (the caller's reason once it aborted)
    const hashed = hash.then(
      () => signal.throwIfAborted(),
      (err: unknown) => {
        throw signal.aborted ? signal.reason : err;
      },
    );
    hashed.catch(() => {}).finally(() => signal.removeEventListener("abort", onAbort));
    let parsed: ScannedLayer;
    try {
      parsed = await this.#parseHere(stored, n, what, stop.signal);
    } catch (err) {
      if (!atEnd(err)) stop.abort(err);
      // cut short at its end: the digest, checked first by the one-pass scan, has its say
      const hashErr = await hashed.then(
        () => undefined,
        (e: unknown) => e,
      );
      if (signal.aborted) throw signal.reason;
      throw atEnd(err) && hashErr !== undefined ? hashErr : err;
    }
    if (this.deferChecks) return { ...parsed, checked: hashed };
    await hashed;
    return parsed;
  }

  #here: ScanInterest | undefined;

  #interestHere(): ScanInterest {
    return (this.#here ??= interestFromSpec(this.interest));
  }

  /** The scan half of a split, on this thread; its errors are one-line SourceErrors naming the layer, as a worker's are. */
  async #parseHere(stored: StoredTar, n: number, what: string, signal: AbortSignal): Promise<ScannedLayer> {
    try {
      const out = await scanPlainFile({ layer: n, what, check: stored.check, part: "parse" }, stored.file!, this.#interestHere(), () => signal.aborted);
      if (out === undefined) throw new SourceError(`${what}: the layer is not a plain tar`);
      stored.learned("none");
      return out;
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      const e = err instanceof SourceError ? err : new SourceError(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      throw (err as { atEnd?: boolean }).atEnd ? Object.assign(e, { atEnd: true }) : e;
    }
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

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#all.splice(0).map((w) => w.terminate()));
  }
}
