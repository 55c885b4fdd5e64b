/**
 * The layer-scan worker thread: takes a layer's stored bytes in chunks from the
 * main thread and does the CPU work on them (digests, decompression, tar parsing,
 * ELF parsing), then posts the layer index back. One job at a time in practice;
 * jobs are keyed by id so a late message for an aborted one is dropped.
 */
import { Readable } from "node:stream";
import { parentPort } from "node:worker_threads";
import { interestFromSpec } from "./interest-spec.js";
import { packIndex, toWire, type FromWorker, type JobMessage, type ToWorker } from "./protocol.js";
import { scanStored } from "./scan-stored.js";

/** The stored bytes of one job, as a stream; a chunk is acknowledged when the stream takes it. */
class Inbox extends Readable {
  #queue: Buffer[] = [];
  #ended = false;
  #wanted = false;
  constructor(private readonly ack: (n: number) => void) {
    super({ highWaterMark: 64 * 1024 });
  }

  add(chunk: Buffer): void {
    if (this.destroyed) return;
    if (this.#wanted) {
      this.#wanted = false;
      this.#give(chunk);
    } else this.#queue.push(chunk);
  }

  /** No more chunks come. */
  finish(): void {
    this.#ended = true;
    if (this.#wanted && this.#queue.length === 0) {
      this.#wanted = false;
      this.push(null);
    }
  }

  #give(chunk: Buffer): void {
    this.ack(chunk.length);
    this.push(chunk);
  }

  override _read(): void {
    const next = this.#queue.shift();
    if (next !== undefined) this.#give(next);
    else if (this.#ended) this.push(null);
    else this.#wanted = true;
  }
}

const port = parentPort;
if (port === null) throw new Error("scan-worker.js runs in a worker thread");

const jobs = new Map<number, Inbox>();
const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

function start(m: JobMessage): void {
  const inbox = new Inbox((n) => post({ t: "ack", id: m.id, n }));
  jobs.set(m.id, inbox);
  scanStored(inbox, m.check, m.layer, m.what, interestFromSpec(m.interest)).then(
    (r) => {
      if (!jobs.delete(m.id)) return;
      const transfer = packIndex(r.index);
      post({ t: "done", id: m.id, index: r.index, tarBytes: r.tarBytes, compression: r.compression }, transfer);
    },
    (err: unknown) => {
      if (!jobs.delete(m.id)) return;
      inbox.destroy();
      post({ t: "fail", id: m.id, error: toWire(err) });
    },
  );
}

port.on("message", (m: ToWorker) => {
  switch (m.t) {
    case "job":
      start(m);
      break;
    case "data":
      jobs.get(m.id)?.add(Buffer.from(m.buf, 0, m.len));
      break;
    case "end":
      jobs.get(m.id)?.finish();
      break;
    case "abort": {
      const inbox = jobs.get(m.id);
      jobs.delete(m.id);
      inbox?.destroy(new Error("aborted"));
      break;
    }
  }
});
