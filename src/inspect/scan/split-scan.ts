/**
 * A plain (uncompressed) layer tar in a local file, scanned as two tasks that can run
 * on two threads at once: its digest (every byte read and hashed) and its parse (the
 * headers, and of the files only what the scan needs: ELF files are read where their
 * headers point, big files nobody needs are skipped, not read). Hashing is most of the
 * work of reading such a layer; split off, it spreads over the threads as evenly as
 * bytes do, while the parse, which is per entry, goes where its index is wanted.
 *
 * Together they check and find what the one-pass scan (scan-stored.ts) does, with its
 * messages; a layer is split only when that holds: its stored bytes are the tar itself
 * (no compression, told or sniffed) and no blob digest other than the diff_id is to be
 * checked.
 */
import { closeSync, readSync } from "node:fs";
import { SourceError } from "../../errors.js";
import { sparseFromFile } from "../elf/sparse-file.js";
import type { LayerIndex, LayerScan } from "../fs/scan-layer.js";
import { sniffCompression } from "../layer/decompress.js";
import type { TarCheck } from "../layer/layer-tar.js";
import { digestCheck, hashOf } from "./digest-check.js";
import { feedFromFile, openRange, readRange, turn } from "./file-feed.js";
import type { FileRange } from "./stored-layer.js";

/** Bytes read at a time by the parse. */
const CHUNK = 64 << 10;
/** Reads and skips between turns of the event loop. */
const STEPS_PER_TURN = 64;

/** Whether the layer in `file` can be scanned as a hash and a parse (see above). */
export function splittable(file: FileRange, check: TarCheck): boolean {
  if (check.blob !== undefined || (check.compression !== undefined && check.compression !== "none")) return false;
  let fd: number | undefined;
  try {
    fd = openRange(file);
    const head = Buffer.alloc(4);
    const n = readSync(fd, head, 0, 4, file.start);
    return n === 4 && sniffCompression(head) === "none";
  } catch {
    return false; // the one-pass scan says what is wrong with it
  } finally {
    if (fd !== undefined && file.fd === undefined) closeSync(fd);
  }
}

/** Hashes the layer tar in `file` and checks it against the diff_id; resolves to its length. */
export async function hashTarFile(file: FileRange, check: TarCheck, stopped: () => boolean): Promise<number> {
  const hash = hashOf(check.diffId);
  let bytes = 0;
  await feedFromFile(
    file,
    {
      failed: false,
      write(chunk, consumed) {
        hash.update(chunk);
        bytes += chunk.length;
        consumed(true);
      },
    },
    stopped,
  );
  if (stopped()) throw new SourceError(`${check.what}: aborted`);
  digestCheck(hash, check.diffId, check.diffIdWhat);
  return bytes;
}

/**
 * Parses the layer tar in `file` with `scan` (a fresh LayerScan), reading only what it
 * needs: what it does not need to see is skipped, and reading stops at the tar's end.
 */
export async function parseTarFile(file: FileRange, scan: LayerScan, stopped: () => boolean): Promise<LayerIndex> {
  const fd = openRange(file);
  try {
    scan.readTarFrom((offset, size) => sparseFromFile(fd, file.start + offset, size));
    const buf = Buffer.allocUnsafeSlow(CHUNK);
    let steps = 0;
    for (let pos = file.start; pos < file.end && !scan.finished; ) {
      if (++steps % STEPS_PER_TURN === 0) await turn();
      if (stopped()) throw new SourceError(`${file.name}: aborted`);
      const skip = scan.skippable;
      if (skip > 0) {
        const n = Math.min(skip, file.end - pos);
        scan.skip(n);
        pos += n;
        continue;
      }
      const n = readRange(file, fd, buf, Math.min(CHUNK, file.end - pos), pos);
      scan.write(n === CHUNK ? buf : buf.subarray(0, n));
      pos += n;
    }
    return scan.end();
  } finally {
    if (file.fd === undefined) closeSync(fd);
  }
}
