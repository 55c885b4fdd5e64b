/**
 * A layer that is a range of a local file, scanned whole on this thread the way
 * a worker scans it (file-feed.ts into scan-stored.ts): what the main thread does
 * with such a layer that is not split in two (scan-lanes.ts, split-scan.ts).
 */
import { SourceError } from "../../errors.js";
import { feedFromFile } from "./file-feed.js";
import { interestFromSpec, type InterestSpec } from "./interest-spec.js";
import { layerError } from "./layer-error.js";
import { StoredScan, type ScanOutcome } from "./scan-stored.js";
import type { FileRange, StoredLayer } from "./stored-layer.js";

export async function scanFileHere(stored: StoredLayer, file: FileRange, layer: number, what: string, interest: InterestSpec, signal?: AbortSignal): Promise<ScanOutcome> {
  // the file is read here: the stream, which has read nothing, is not needed
  stored.stream.on("error", () => {});
  stored.stream.destroy();
  const aborted = () => (signal?.reason instanceof Error ? signal.reason : new SourceError(`${what}: aborted`));
  if (signal?.aborted) throw aborted();
  const scan = new StoredScan(stored.check, layer, what, interestFromSpec(interest), () => {});
  try {
    await feedFromFile(file, scan, () => signal?.aborted === true);
    if (signal?.aborted) throw aborted();
    const outcome = await scan.end();
    stored.learned?.({ compression: outcome.compression });
    return outcome;
  } catch (err) {
    scan.abort();
    throw err === signal?.reason ? err : layerError(err, what);
  }
}
