/**
 * The layer-scan worker thread: takes a layer's stored bytes in chunks from the
 * main thread, or reads them itself from a range of a local file (file-feed.ts),
 * does the CPU work on them (scan-stored.ts: digests, decompression, tar and ELF
 * parsing) and posts the layer index back, in columns (wire-index.ts). Jobs are
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
import { packIndex } from "./wire-index.js";

const port = parentPort;
if (port === null) throw new Error("scan-worker.js runs in a worker thread");

const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const jobs = new Map<number, StoredScan>();

function start(m: JobMessage): void {
  const { id } = m;
  const scan = new StoredScan(m.check, m.layer, m.what, interestFromSpec(m.interest), (err) => {
    if (jobs.delete(id)) post({ t: "fail", id, error: toWire(err) });
  });
  jobs.set(id, scan);
  // a range of a local file: read here, and no data messages come
  if (m.file) {
    feedFromFile(m.file, scan, () => jobs.get(id) !== scan).then(
      () => end(id),
      (err: unknown) => {
        scan.abort();
        if (jobs.delete(id)) post({ t: "fail", id, error: toWire(err) });
      },
    );
  }
}

function data(id: number, buf: ArrayBuffer, len: number): void {
  const scan = jobs.get(id);
  if (!scan) return;
  scan.write(Buffer.from(buf, 0, len), (reusable) => {
    if (!jobs.has(id)) return;
    if (reusable) post({ t: "ack", id, n: len, buf }, [buf]);
    else post({ t: "ack", id, n: len });
  });
}

function end(id: number): void {
  const scan = jobs.get(id);
  if (!scan) return;
  scan.end().then(
    (r) => {
      if (!jobs.delete(id)) return;
      const { wire, transfer } = packIndex(r.index);
      post({ t: "done", id, index: wire, tarBytes: r.tarBytes, compression: r.compression }, transfer);
    },
    (err: unknown) => {
      if (jobs.delete(id)) post({ t: "fail", id, error: toWire(err) });
    },
  );
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
