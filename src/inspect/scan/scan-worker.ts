/**
 * The layer-scan worker thread (worker-pool.ts): reads a layer's stored bytes from
 * their local file itself (a plain tar in a loop of its own, plain-file.ts, maybe
 * only its check), or takes them in chunks from the main thread; checks and
 * decompresses them as `Layer.uncompressed()` does (layerTar), scans the tar
 * (scanLayer) and posts the index back. Jobs are keyed by id, so a late message for
 * an aborted one is dropped. A chunk is acknowledged once the checks have taken it
 * (the main thread keeps a bounded window in flight).
 *
 *   main → worker   job (what to check, what to keep, maybe where to read), data (a chunk, its buffer moved), end, abort
 *   worker → main   ack (bytes taken), done (the index), fail (a one-line message)
 */
import { closeSync, openSync } from "node:fs";
import { Readable } from "node:stream";
import { parentPort } from "node:worker_threads";
import { SourceError } from "../../errors.js";
import { scanLayer, type LayerIndex } from "../fs/scan-layer.js";
import type { Compression } from "../image.js";
import { layerTar, type StoredTar, type TarCheck } from "../layer/layer-tar.js";
import { fdRangeStream } from "../random-access.js";
import { interestFromSpec, type InterestSpec } from "./interest-spec.js";
import { scanPlainFile, type PlainPart } from "./plain-file.js";
import { openTarAt } from "./tar-at.js";

export type { PlainPart } from "./plain-file.js";

export type ToWorker =
  /** `file`: the worker reads the stored bytes there itself, and no data messages follow. */
  | { t: "job"; id: number; layer: number; what: string; check: TarCheck; file?: StoredTar["file"]; interest: InterestSpec; part?: PlainPart }
  | { t: "data"; id: number; buf: ArrayBuffer; len: number }
  | { t: "end"; id: number }
  | { t: "abort"; id: number };

export type FromWorker =
  | { t: "ack"; id: number; n: number }
  | { t: "done"; id: number; index: LayerIndex; tarBytes: number; compression: Compression }
  /**
   * `source`: the message is already the one-line, user-facing one (a SourceError's).
   * `atEnd`: the tar was found wanting only at its end (cut short), where the one-pass
   * scan checks the digest first.
   */
  | { t: "fail"; id: number; message: string; source: boolean; atEnd?: boolean };

/** The bytes of a range of a local file, read through its open descriptor or by its path (opened, and closed at the stream's close). */
function fileStream(file: NonNullable<StoredTar["file"]>, what: string): Readable {
  const fd = file.fd ?? openSync(file.path!, "r");
  const s = fdRangeStream(fd, file.start, file.end, what);
  if (file.fd === undefined) s.once("close", () => closeSync(fd));
  return s;
}

type Job = Extract<ToWorker, { t: "job" }>;

const port = parentPort;
if (port !== null) {
  const post = (m: FromWorker) => port.postMessage(m);
  /** The stored bytes of each job under way, by id, and how a chunk goes in. */
  const jobs = new Map<number, { inbox: Readable; take(buf: Buffer): void }>();

  const start = async (m: Job) => {
    const { id } = m;
    const fail = (err: unknown) =>
      post({ t: "fail", id, message: err instanceof Error ? err.message : String(err), source: err instanceof SourceError, ...((err as { atEnd?: boolean }).atEnd ? { atEnd: true } : {}) });
    if (m.file) {
      jobs.set(id, { inbox: new Readable({ read() {} }), take() {} });
      try {
        const plain = await scanPlainFile(m, m.file, interestFromSpec(m.interest), () => !jobs.has(id));
        if (plain) {
          if (jobs.delete(id)) post({ t: "done", id, ...plain, compression: "none" });
          return;
        }
      } catch (err) {
        if (jobs.delete(id)) fail(err);
        return;
      }
    }
    let owed = 0;
    const inbox = new Readable({
      highWaterMark: 1 << 20,
      read() {
        if (owed === 0) return;
        post({ t: "ack", id, n: owed });
        owed = 0;
      },
    });
    const take = (buf: Buffer) => {
      if (inbox.push(buf)) post({ t: "ack", id, n: buf.length });
      else owed += buf.length;
    };
    let read: ReturnType<typeof fileStream> | undefined;
    try {
      read = m.file ? fileStream(m.file, m.what) : undefined;
    } catch (err) {
      return fail(err);
    }
    const stored = read ?? inbox;
    jobs.set(id, { inbox: stored, take });
    // (an interest it cannot take is a bug of the main thread's: the worker dies of it, and the pool says so)
    const interest = interestFromSpec(m.interest);
    try {
      const { tar, compression } = await layerTar(stored, m.check);
      let tarBytes = 0;
      const at = openTarAt(m.file, compression);
      let index: LayerIndex;
      try {
        const scanned = scanLayer(tar, m.layer, m.what, interest, at.tarAt ? { tarAt: at.tarAt } : {});
        tar.on("data", (c: Buffer) => (tarBytes += c.length));
        index = await scanned;
      } finally {
        at.close();
      }
      if (jobs.delete(id)) post({ t: "done", id, index, tarBytes, compression });
    } catch (err) {
      stored.destroy();
      if (jobs.delete(id)) fail(err);
    }
  };

  port.on("message", (m: ToWorker) => {
    const job = jobs.get(m.id);
    if (m.t === "job") void start(m);
    else if (m.t === "data") job?.take(Buffer.from(m.buf, 0, m.len));
    else if (m.t === "end") job?.inbox.push(null);
    else if (job) {
      jobs.delete(m.id);
      job.inbox.destroy();
    }
  });
}
