/**
 * The layer-scan worker thread: takes a layer's stored bytes in chunks from the
 * main thread, or reads them itself from a range of a local file (file-feed.ts),
 * does the CPU work on them (scan-stored.ts: digests, decompression, tar and ELF
 * parsing) and posts the layer index back, in columns (wire-index.ts); or does
 * half of a split scan of a local file (split-scan.ts). Jobs are
 * keyed by id, so a late message for an aborted one is dropped.
 *
 * A chunk is acknowledged once consumed, and its buffer goes back with the
 * acknowledgement when nothing refers to it any more: the main thread, which
 * allocates the buffers, frees them there (or uses them again), so they do not
 * pile up here waiting for a garbage collection that this thread's own
 * allocations would never call for.
 */
import { parentPort } from "node:worker_threads";
import { feedFromFile } from "./file-feed.js";
import { interestFromSpec } from "./interest-spec.js";
import { toWire, type FromWorker, type JobMessage, type ToWorker } from "./protocol.js";
import { StoredScan } from "./scan-stored.js";
import { hashTarFile, parseTarFile } from "./split-scan.js";
import type { FileRange } from "./stored-layer.js";
import { LayerScan } from "../fs/scan-layer.js";
import { packIndex } from "./wire-index.js";

const port = parentPort;
if (port === null) throw new Error("scan-worker.js runs in a worker thread");

const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
/** The jobs under way, by id: a one-pass scan, or a task of a split one (which only needs to hear of an abort). */
const jobs = new Map<number, StoredScan | { abort(): void }>();

const failed = (id: number) => (err: unknown) => {
  if (jobs.delete(id)) post({ t: "fail", id, error: toWire(err) });
};

function start(m: JobMessage): void {
  const { id } = m;
  if (m.task && m.file) return startTask(m, m.task, m.file);
  const scan = new StoredScan(m.check, m.layer, m.what, interestFromSpec(m.interest), failed(id));
  jobs.set(id, scan);
  // a range of a local file: read here, and no data messages come
  if (m.file) {
    feedFromFile(m.file, scan, () => jobs.get(id) !== scan).then(
      () => end(id),
      (err: unknown) => {
        scan.abort();
        failed(id)(err);
      },
    );
  }
}

/**
 * Halves of split scans run one after another, in the order they came: they are all
 * this thread's CPU, so running two at once would only delay the first.
 */
let tasks: Promise<void> = Promise.resolve();

function startTask(m: JobMessage, task: "hash" | "parse", file: FileRange): void {
  const { id } = m;
  const job = { abort: () => {} };
  jobs.set(id, job);
  const stopped = () => jobs.get(id) !== job;
  const run = async () => {
    if (stopped()) return; // aborted while it waited
    try {
      if (task === "hash") {
        const n = await hashTarFile(file, m.check, stopped);
        if (jobs.delete(id)) post({ t: "done", id, tarBytes: n, compression: "none" });
        return;
      }
      const index = await parseTarFile(file, new LayerScan(m.layer, m.what, interestFromSpec(m.interest)), stopped);
      if (!jobs.delete(id)) return;
      const { wire, transfer } = packIndex(index);
      post({ t: "done", id, index: wire, tarBytes: file.end - file.start, compression: "none" }, transfer);
    } catch (err) {
      failed(id)(err);
    }
  };
  tasks = tasks.then(run);
}

function data(id: number, buf: ArrayBuffer, len: number): void {
  const scan = jobs.get(id);
  if (!(scan instanceof StoredScan)) return;
  scan.write(Buffer.from(buf, 0, len), (reusable) => {
    if (!jobs.has(id)) return;
    if (reusable) post({ t: "ack", id, n: len, buf }, [buf]);
    else post({ t: "ack", id, n: len });
  });
}

function end(id: number): void {
  const scan = jobs.get(id);
  if (!(scan instanceof StoredScan)) return;
  scan.end().then((r) => {
    if (!jobs.delete(id)) return;
    const { wire, transfer } = packIndex(r.index);
    post({ t: "done", id, index: wire, tarBytes: r.tarBytes, compression: r.compression }, transfer);
  }, failed(id));
}

port.on("message", (m: ToWorker) => {
  switch (m.t) {
    case "job":
      start(m);
      break;
    case "data":
      data(m.id, m.buf, m.len);
      break;
    case "end":
      end(m.id);
      break;
    case "abort":
      jobs.get(m.id)?.abort();
      jobs.delete(m.id);
      break;
  }
});
