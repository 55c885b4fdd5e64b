/** The layer scanner on this thread: the layer's checked tar (layer/layer-tar.ts) streamed through the scan. */
import type { Readable } from "node:stream";
import { SourceError } from "../../errors.js";
import { scanLayer, type ScanInterest, type TarAt } from "../fs/scan-layer.js";
import type { Layer } from "../image.js";
import { hasStoredTar, layerTar } from "../layer/layer-tar.js";
import type { LayerScanner, ScannedLayer } from "./layer-scanner.js";
import { openTarAt } from "./tar-at.js";

export function inProcessScanner(interest: ScanInterest, capacity: number): LayerScanner {
  return { capacity, scan: (layer, n, what, signal) => scanHere(layer, n, what, interest, signal), close: async () => {} };
}

/** The layer's tar, and where it can be read at random (see `openTarAt`). */
async function tarOf(layer: Layer): Promise<{ tar: Readable; tarAt?: TarAt; close(): void }> {
  if (!hasStoredTar(layer)) return { tar: await layer.uncompressed(), close() {} };
  const stored = await layer.storedTar();
  const { tar, compression } = await layerTar(stored.stream, stored.check);
  stored.learned(compression);
  try {
    return { tar, ...openTarAt(stored.file, compression) };
  } catch (err) {
    tar.destroy();
    throw err;
  }
}

async function scanHere(layer: Layer, n: number, what: string, interest: ScanInterest, signal: AbortSignal): Promise<ScannedLayer> {
  signal.throwIfAborted();
  const { tar, tarAt, close } = await tarOf(layer);
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
