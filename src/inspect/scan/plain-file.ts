/**
 * A plain tar in a local file (a docker-archive's or an OCI layout's uncompressed layer),
 * read in a loop of synchronous reads into one buffer: what a scan worker does with such
 * a layer (scan-worker.ts), and what the pool does on this thread when it splits one
 * (worker-pool.ts: a worker hashes it, this thread parses it).
 */
import { closeSync, openSync, readSync } from "node:fs";
import { SourceError, causeText } from "../../errors.js";
import { layerScan, type LayerIndex, type ScanInterest } from "../fs/scan-layer.js";
import { sniffCompression } from "../layer/decompress.js";
import { plainTarCheck, type StoredTar, type TarCheck } from "../layer/layer-tar.js";
import { openTarAt } from "./tar-at.js";

/** What a plain-file scan needs to know of its job. */
export interface PlainJob {
  layer: number;
  what: string;
  check: TarCheck;
  part?: PlainPart;
}

/**
 * What of a plain tar in a local file a job does: all of it (check and scan), or one
 * half of a layer split over two workers (worker-pool.ts): `hash` checks it (every
 * byte read), `parse` scans it (and reads only what the scan needs to see).
 */
export type PlainPart = "all" | "hash" | "parse";

/**
 * Bytes read at a time from a plain tar in a local file: a buffer this small stays in the
 * CPU's cache from the kernel's copy through the hash and the parse, where 1 MiB stream
 * chunks are evicted on the way.
 */
const PLAIN_CHUNK = 128 << 10;
/** Bytes read between turns of the event loop (to hear of an abort). */
const TURN = 8 << 20;

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
export async function scanPlainFile(m: PlainJob, file: NonNullable<StoredTar["file"]>, interest: ScanInterest, stopped: () => boolean): Promise<{ index: LayerIndex; tarBytes: number } | undefined> {
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
