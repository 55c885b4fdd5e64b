/**
 * The layer scanner on this thread: the layer's checked tar (layer/layer-tar.ts) streamed
 * through the scan, or, for a plain tar in a local file, read in a loop of synchronous
 * reads that hashes and parses each piece (plain-file.ts): no turn of the event loop per
 * chunk (bench, 22.9 MB go-scratch archive: the stream spent 35 ms of 290 waiting for reads).
 */
import type { Readable } from "node:stream";
import { SourceError } from "../../errors.js";
import { scanLayer, type ScanInterest, type TarAt } from "../fs/scan-layer.js";
import type { Layer } from "../image.js";
import { hasStoredTar, layerTar, type StoredTar } from "../layer/layer-tar.js";
import type { LayerScanner, ScannedLayer } from "./layer-scanner.js";
import { scanPlainFile } from "./plain-file.js";
import { openTarAt } from "./tar-at.js";

export function inProcessScanner(interest: ScanInterest, capacity: number): LayerScanner {
  return {
    capacity,
    scan: async (layer, n, what, signal) => {
      signal.throwIfAborted();
      return scanHere(hasStoredTar(layer) ? await layer.storedTar() : layer, n, what, interest, signal);
    },
    close: async () => {},
  };
}

/** The layer's tar, and where it can be read at random (see `openTarAt`). */
async function tarOf(from: StoredTar | Layer): Promise<{ tar: Readable; tarAt?: TarAt; close(): void }> {
  if (!isStored(from)) return { tar: await from.uncompressed(), close() {} };
  const stored = from;
  const { tar, compression } = await layerTar(stored.stream, stored.check);
  stored.learned(compression);
  try {
    return { tar, ...openTarAt(stored.file, compression) };
  } catch (err) {
    tar.destroy();
    throw err;
  }
}

/** A plain tar in a local file, scanned where it lies; undefined for stored bytes of any other kind (their stream is then untouched). */
async function scanFileHere(stored: StoredTar, n: number, what: string, interest: ScanInterest, signal: AbortSignal): Promise<ScannedLayer | undefined> {
  if (stored.file === undefined || stored.check.blob !== undefined) return undefined;
  const out = await scanPlainFile({ layer: n, what, check: stored.check }, stored.file, interest, () => signal.aborted);
  if (out === undefined) return undefined;
  // the file was read where it lies: the stream, which has read nothing, is not needed
  stored.stream.on("error", () => {});
  stored.stream.destroy();
  stored.learned("none");
  return out;
}

const isStored = (from: StoredTar | Layer): from is StoredTar => (from as Partial<StoredTar>).check !== undefined;

/** Scans a layer's stored bytes (or, for a layer that does not hand them over, its tar) on this thread; used by the worker pool too. */
export async function scanHere(from: StoredTar | Layer, n: number, what: string, interest: ScanInterest, signal: AbortSignal): Promise<ScannedLayer> {
  const stored = isStored(from) ? from : undefined;
  try {
    signal.throwIfAborted();
    const out = stored && (await scanFileHere(stored, n, what, interest, signal));
    if (out) return out;
  } catch (err) {
    stored?.stream.on("error", () => {});
    stored?.stream.destroy();
    if (signal.aborted) throw signal.reason;
    throw err instanceof SourceError ? err : new SourceError(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const { tar, tarAt, close } = await tarOf(from);
  const onAbort = () => tar.destroy(signal.reason instanceof Error ? signal.reason : new SourceError(`${what}: aborted`));
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    // a stream that failed or closed before anyone listened says so no more
    if (tar.errored) throw tar.errored;
    if (tar.destroyed && !tar.readableEnded) throw new SourceError(`${what}: the layer's stream closed before its end`);
    let tarBytes = 0;
    const scanned = scanLayer(tar, n, what, interest, tarAt ? { tarAt } : {});
    tar.on("data", (c: Buffer) => (tarBytes += c.length));
    tar.on("close", () => {
      if (!tar.readableEnded) tar.emit("error", new SourceError(`${what}: the layer's stream closed before its end`));
    });
    const index = await scanned;
    return { index, tarBytes };
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw err instanceof SourceError ? err : new SourceError(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    close();
    signal.removeEventListener("abort", onAbort);
  }
}
