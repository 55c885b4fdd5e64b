/** A plain layer tar in a local file, read at any offset (scanLayer's `tarAt`), by either scanner. */
import { closeSync, openSync } from "node:fs";
import { SourceError, causeText } from "../../errors.js";
import { sparseFromFile } from "../elf/sparse-file.js";
import type { TarAt } from "../fs/scan-layer.js";
import type { StoredTar } from "../layer/layer-tar.js";
import type { Compression } from "../image.js";

/** `tarAt` for the stored bytes, when they are the tar itself in a local file; `close` lets go of the file it opened. */
export function openTarAt(file: StoredTar["file"], compression: Compression): { tarAt?: TarAt; close(): void } {
  if (file === undefined || compression !== "none") return { close() {} };
  let fd = file.fd;
  const own = fd === undefined;
  if (fd === undefined) {
    try {
      fd = openSync(file.path!, "r");
    } catch (err) {
      throw new SourceError(`cannot open ${file.path}: ${causeText(err)}`, { cause: err });
    }
  }
  const at = fd;
  return { tarAt: (offset, size) => sparseFromFile(at, file.start + offset, size), close: () => own && closeSync(at) };
}
