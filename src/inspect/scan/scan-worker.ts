/**
 * The layer-scan worker thread: takes a layer's stored bytes in chunks from the
 * main thread and does the CPU work on them (digests, decompression, tar parsing,
 * ELF parsing), then posts the layer index back. Jobs are keyed by id, so a late
 * message for an aborted one is dropped.
 *
 * A plain tar (the common case for big local images) is read synchronously, chunk
 * by chunk: hashed for the diff_id and scanned, after which nothing refers to the
 * chunk, and its buffer goes back to the main thread with the acknowledgement
 * (freed there, where the buffers are allocated and garbage collection keeps up).
 * Anything else (compressed, a blob digest to check) goes through the same
 * stream code as on the main thread.
 */
import { createHash, type Hash } from "node:crypto";
import { Readable } from "node:stream";
import { parentPort } from "node:worker_threads";
import { SourceError } from "../../errors.js";
import { digestAlgorithm } from "../digest.js";
import { LayerScan } from "../fs/scan-layer.js";
import { sniffCompression } from "../layer/decompress.js";
import { interestFromSpec } from "./interest-spec.js";
import { packIndex, toWire, type FromWorker, type JobMessage, type ToWorker } from "./protocol.js";
import { scanStored, type ScanOutcome } from "./scan-stored.js";

const port = parentPort;
if (port === null) throw new Error("scan-worker.js runs in a worker thread");

const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

/** The stored bytes of a job read as a stream; a chunk is acknowledged when the stream takes it. */
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

/** A plain tar, read chunk by chunk as it arrives. */
class DirectScan {
  readonly #hash: Hash;
  readonly #scan: LayerScan;
  #bytes = 0;
  constructor(private readonly m: JobMessage) {
    this.#hash = createHash(digestAlgorithm(m.check.diffId));
    this.#scan = new LayerScan(m.layer, m.what, interestFromSpec(m.interest));
  }

  write(chunk: Buffer): void {
    this.#hash.update(chunk);
    this.#bytes += chunk.length;
    this.#scan.write(chunk);
  }

  end(): ScanOutcome {
    const { diffId, diffIdWhat } = this.m.check;
    const got = `${digestAlgorithm(diffId)}:${this.#hash.digest("hex")}`;
    if (got !== diffId) throw new SourceError(`${diffIdWhat}: digest mismatch: expected ${diffId}, got ${got}`);
    return { index: this.#scan.end(), tarBytes: this.#bytes, compression: "none" };
  }
}

class Job {
  /** Chunks before the first 4 bytes are in: they decide how the layer is read. */
  #first: Buffer[] | undefined = [];
  #firstLen = 0;
  #ended = false;
  #direct: DirectScan | undefined;
  #inbox: Inbox | undefined;
  #over = false;

  constructor(private readonly m: JobMessage) {
    // with a blob digest to check, or known to be compressed, there is nothing to decide
    if (m.check.blob || (m.check.compression !== undefined && m.check.compression !== "none")) this.#stream([]);
  }

  data(chunk: Buffer): void {
    if (this.#over) return;
    if (this.#first) {
      this.#first.push(chunk);
      this.#firstLen += chunk.length;
      if (this.#firstLen >= 4) this.#decide();
      return;
    }
    if (this.#direct) this.#directWrite(chunk);
    else this.#inbox!.add(chunk);
  }

  end(): void {
    if (this.#over) return;
    this.#ended = true;
    if (this.#first) this.#decide();
    if (this.#direct) {
      try {
        this.#done(this.#direct.end());
      } catch (err) {
        this.#fail(err);
      }
    } else this.#inbox?.finish();
  }

  abort(): void {
    this.#over = true;
    this.#inbox?.destroy(new Error("aborted"));
  }

  #decide(): void {
    const first = this.#first!;
    this.#first = undefined;
    const head = first.length === 1 ? first[0]! : Buffer.concat(first);
    if (sniffCompression(head) === "none") {
      this.#direct = new DirectScan(this.m);
      for (const c of first) this.#directWrite(c);
    } else this.#stream(first);
  }

  #directWrite(chunk: Buffer): void {
    const n = chunk.length;
    try {
      this.#direct!.write(chunk);
    } catch (err) {
      return this.#fail(err);
    }
    // the scan keeps nothing of the chunk: its buffer (a message's, which it starts) goes back
    const buf = chunk.buffer as ArrayBuffer;
    if (chunk.byteOffset === 0) post({ t: "ack", id: this.m.id, n, buf }, [buf]);
    else post({ t: "ack", id: this.m.id, n });
  }

  #stream(first: Buffer[]): void {
    this.#first = undefined;
    const inbox = (this.#inbox = new Inbox((n) => post({ t: "ack", id: this.m.id, n })));
    for (const c of first) inbox.add(c);
    if (this.#ended) inbox.finish();
    scanStored(inbox, this.m.check, this.m.layer, this.m.what, interestFromSpec(this.m.interest)).then(
      (r) => this.#done(r),
      (err: unknown) => this.#fail(err),
    );
  }

  #done(r: ScanOutcome): void {
    if (this.#over) return;
    this.#over = true;
    jobs.delete(this.m.id);
    const transfer = packIndex(r.index);
    post({ t: "done", id: this.m.id, index: r.index, tarBytes: r.tarBytes, compression: r.compression }, transfer);
  }

  #fail(err: unknown): void {
    if (this.#over) return;
    this.#over = true;
    jobs.delete(this.m.id);
    this.#inbox?.destroy();
    post({ t: "fail", id: this.m.id, error: toWire(err) });
  }
}

const jobs = new Map<number, Job>();

port.on("message", (m: ToWorker) => {
  switch (m.t) {
    case "job":
      jobs.set(m.id, new Job(m));
      break;
    case "data":
      jobs.get(m.id)?.data(Buffer.from(m.buf, 0, m.len));
      break;
    case "end":
      jobs.get(m.id)?.end();
      break;
    case "abort":
      jobs.get(m.id)?.abort();
      jobs.delete(m.id);
      break;
  }
});
