/** One layer's scan from its stored bytes: check, decompress, verify, parse. Runs in a worker thread or in-process. */
import type { Readable } from "node:stream";
import type { Compression } from "../image.js";
import { scanLayer, type LayerIndex, type ScanInterest } from "../fs/scan-layer.js";
import { layerTar, type TarCheck } from "../layer/layer-tar.js";

export interface ScanOutcome {
  index: LayerIndex;
  /** The length of the layer tar. */
  tarBytes: number;
  compression: Compression;
}

export async function scanStored(stored: Readable, check: TarCheck, layer: number, what: string, interest: ScanInterest): Promise<ScanOutcome> {
  let tarBytes = 0;
  const { tar, compression } = await layerTar(stored, check, {
    onTarBytes: (n) => {
      tarBytes = n;
    },
  });
  const index = await scanLayer(tar, layer, what, interest);
  return { index, tarBytes, compression };
}
