/**
 * The layer-scan worker thread (worker-pool.ts): reads a layer's stored bytes from
 * their local file itself (a plain tar in a loop of its own, `scanPlainFile`, maybe
 * only its check or only its scan), or takes them in chunks from the main thread; checks and
 * decompresses them as `Layer.uncompressed()` does (layerTar), scans the tar
 * (scanLayer) and posts the index back. Jobs are keyed by id, so a late message for
 * an aborted one is dropped. A chunk is acknowledged once the checks have taken it
 * (the main thread keeps a bounded window in flight).
 *
 *   main → worker   job (what to check, what to keep, maybe where to read), data (a chunk, its buffer moved), end, abort
 *   worker → main   ack (bytes taken), done (the index), fail (a one-line message)
 */
import { closeSync, openSync, readSync } from "node:fs";
import { Readable } from "node:stream";
import { parentPort } from "node:worker_threads";
import { SourceError, causeText } from "../../errors.js";
import { layerScan, scanLayer, type LayerIndex, type ScanInterest } from "../fs/scan-layer.js";
import type { Compression } from "../image.js";
import { sniffCompression } from "../layer/decompress.js";
import { layerTar, plainTarCheck, type StoredTar, type TarCheck } from "../layer/layer-tar.js";
import { fdRangeStream } from "../random-access.js";
import { interestFromSpec, type InterestSpec } from "./interest-spec.js";
import { openTarAt } from "./tar-at.js";

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

/**
 * What of a plain tar in a local file a job does: all of it (check and scan), or one
 * half of a layer split over two workers (worker-pool.ts): `hash` checks it (every
 * byte read), `parse` scans it (and reads only what the scan needs to see).
 */
export type PlainPart = "all" | "hash" | "parse";

/** The bytes of a range of a local file, read through its open descriptor or by its path (opened, and closed at the stream's close). */
function fileStream(file: NonNullable<StoredTar["file"]>, what: string): Readable {
  const fd = file.fd ?? openSync(file.path!, "r");
  const s = fdRangeStream(fd, file.start, file.end, what);
  if (file.fd === undefined) s.once("close", () => closeSync(fd));
  return s;
}

/**
 * Bytes read at a time from a plain tar in a local file: a buffer this small stays in the
 * CPU's cache from the kernel's copy through the hash and the parse, where 1 MiB stream
 * chunks are evicted on the way.
 */
const PLAIN_CHUNK = 128 << 10;
/** Bytes read between turns of the event loop (to hear of an abort). */
const TURN = 8 << 20;

type Job = Extract<ToWorker, { t: "job" }>;

/** Reads `length` bytes or fewer of the file at `pos` into `buf`: how many came, never none. */
function readAt(fd: number, buf: Buffer, length: number, pos: number, what: string): number {
  let n: number;
  try {
    n = readSync(fd, buf, 0, length, pos);
  } catch (err) {
    throw new SourceError(`${what}: read failed: ${causeText(err)}`, { cause: err });
  }
  if (n === 0) throw new SourceError(`${what}: unexpected end of file at offset ${pos}`);
  return n;
}

/**
 * A plain tar in a local file, read in a loop of synchronous reads into one buffer, each
 * piece hashed (layerTar's checks, `plainTarCheck`) and parsed before the next is read.
 * Undefined when the stored bytes are not a plain tar: the streams then do it.
 */
async function scanPlainFile(m: Job, file: NonNullable<Job["file"]>, interest: ScanInterest, stopped: () => boolean): Promise<{ index: LayerIndex; tarBytes: number } | undefined> {
  const part = m.part ?? "all";
  if (m.check.compression !== undefined && m.check.compression !== "none") return undefined;
  let fd: number;
  try {
    fd = file.fd ?? openSync(file.path!, "r");
  } catch (err) {
    throw new SourceError(`cannot open ${file.path}: ${causeText(err)}`, { cause: err });
  }
  try {
    const buf = Buffer.allocUnsafeSlow(PLAIN_CHUNK);
    if (m.check.compression === undefined && file.end - file.start >= 4) {
      if (sniffCompression(buf.subarray(0, readAt(fd, buf, 4, file.start, m.what))) !== "none") return undefined;
    }
    const check = part === "parse" ? undefined : plainTarCheck(m.check);
    const at = openTarAt(file, "none");
    try {
      const scan = part === "hash" ? undefined : layerScan(m.layer, m.what, interest, at.tarAt);
      let since = 0;
      for (let pos = file.start; pos < file.end; ) {
        const skip = check ? 0 : Math.min(scan!.skippable, file.end - pos);
        if (skip > 0) {
          scan!.skip(skip);
          pos += skip;
          continue;
        }
        const n = readAt(fd, buf, Math.min(PLAIN_CHUNK, file.end - pos), pos, m.what);
        const chunk = n === PLAIN_CHUNK ? buf : buf.subarray(0, n);
        check?.update(chunk);
        scan?.write(chunk);
        pos += n;
        if ((since += n) >= TURN) {
          since = 0;
          await new Promise((resolve) => setImmediate(resolve));
          if (stopped()) throw new SourceError(`${m.what}: aborted`);
        }
      }
      check?.finish();
      const tarBytes = file.end - file.start;
      if (!scan) return { index: { layer: m.layer, files: [], whiteouts: [], opaque: [], fileBytes: 0 }, tarBytes };
      try {
        return { index: scan.end(), tarBytes };
      } catch (err) {
        throw Object.assign(err as Error, { atEnd: true });
      }
    } finally {
      at.close();
    }
  } finally {
    if (file.fd === undefined) closeSync(fd);
  }
}

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
