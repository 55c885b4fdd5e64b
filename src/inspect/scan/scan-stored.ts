/**
 * One layer's scan, fed its stored bytes chunk by chunk: the blob digest (where one
 * is to be checked), decompression (as told, or sniffed), the diff_id, and the tar
 * scan, which is all the CPU work of reading a layer. The same code runs in the
 * worker threads and, with `workers: 0`, on the main thread; its checks and
 * messages are those of `layerTar` (the stream form behind `Layer.uncompressed()`).
 *
 * Each chunk is reported consumed once nothing refers to it any more, and whether
 * its buffer may then be used again (not when a decompressor might still hold a
 * piece of it): a plain tar is scanned synchronously as it is written, a gzip blob
 * is consumed when zlib has inflated it.
 */
import type { Hash } from "node:crypto";
import type { Transform } from "node:stream";
import { SourceError } from "../../errors.js";
import { digestCheck, hashOf } from "./digest-check.js";
import { sparseFromFile } from "../elf/sparse-file.js";
import { LayerScan, type LayerIndex, type ScanInterest } from "../fs/scan-layer.js";
import type { Compression } from "../image.js";
import { decompressor, sniffCompression } from "../layer/decompress.js";
import type { TarCheck } from "../layer/layer-tar.js";
import { layerError } from "./layer-error.js";
import type { StoredLayer } from "./stored-layer.js";

export interface ScanOutcome {
  index: LayerIndex;
  /** The length of the layer tar. */
  tarBytes: number;
  compression: Compression;
}

/** Called once a written chunk is consumed; `reusable` when its buffer may be reused or moved at once. */
export type Consumed = (reusable: boolean) => void;


/** Waits for a decompressor to give its last bytes, to fail, or to be destroyed (the caller then looks for the error). */
function drained(stream: Transform): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.readableEnded || stream.destroyed) return resolve();
    stream.once("end", resolve);
    stream.once("close", resolve);
    stream.once("error", reject);
  });
}

export class StoredScan {
  readonly #check: TarCheck;
  readonly #what: string;
  readonly #scan: LayerScan;
  readonly #onError: (err: SourceError) => void;
  readonly #blobHash: Hash | undefined;
  #blobBytes = 0;
  readonly #tarHash: Hash;
  #tarBytes = 0;
  #compression: Compression | undefined;
  /** Chunks held until the first 4 bytes tell the compression. */
  #first: { chunk: Buffer; consumed: Consumed }[] | undefined = [];
  #firstLen = 0;
  #inflate: Transform | undefined;
  /** The tar is itself compressed (node-tar reads such a layer, so the scan does). */
  #inner: Transform | undefined;
  #innerHead: Buffer[] | undefined = [];
  #innerLen = 0;
  #error: SourceError | undefined;
  /** A decompression failure held until the blob digest has been checked. */
  #undecodable: Error | undefined;
  #ending = false;
  /** The open file the stored bytes are read from, and where they start in it. */
  #file: { fd: number; start: number } | undefined;
  /** Chunks given to the decompressor that it has not called back for. */
  readonly #inflating = new Set<{ consumed: Consumed; done: boolean }>();

  /** `onError` learns of a failure as soon as it happens (`end` then rejects with it). */
  constructor(check: TarCheck, layer: number, what: string, interest: ScanInterest, onError: (err: SourceError) => void) {
    this.#check = check;
    this.#what = what;
    this.#onError = onError;
    this.#scan = new LayerScan(layer, what, interest);
    this.#blobHash = check.blob ? hashOf(check.blob.digest) : undefined;
    this.#tarHash = hashOf(check.diffId);
  }

  /** A compression told rather than sniffed is acted on at the first write (not here: it may fail). */
  #told(): void {
    if (this.#first && this.#check.compression) this.#decided(this.#check.compression);
  }

  get failed(): boolean {
    return this.#error !== undefined;
  }

  /** Whether the stored bytes go through a decompressor (known once the first bytes are in). */
  get compressed(): boolean {
    return this.#inflate !== undefined;
  }

  /** The stored bytes come from this open file, from `start` on: a plain tar is then read there at any offset too. */
  reading(fd: number, start: number): void {
    this.#file = { fd, start };
  }

  write(chunk: Buffer, consumed: Consumed): void {
    this.#told();
    if (this.#error) return consumed(true);
    this.#blobHash?.update(chunk);
    this.#blobBytes += chunk.length;
    if (this.#first) {
      this.#first.push({ chunk, consumed });
      this.#firstLen += chunk.length;
      if (this.#firstLen >= 4) this.#sniff();
      return;
    }
    this.#stored(chunk, consumed);
  }

  async end(): Promise<ScanOutcome> {
    this.#told();
    if (this.#first) this.#sniff();
    this.#ending = true;
    if (this.#error) throw this.#error;
    try {
      const blob = this.#check.blob;
      if (blob && this.#blobHash) {
        if (blob.size !== undefined && this.#blobBytes !== blob.size) {
          throw new SourceError(`${blob.what}: size mismatch: expected ${blob.size} bytes, got ${this.#blobBytes}`);
        }
        digestCheck(this.#blobHash, blob.digest, blob.what);
      }
      if (this.#undecodable) throw this.#undecodable;
      if (this.#inflate) {
        this.#inflate.end();
        await drained(this.#inflate);
      }
      if (this.#error) throw this.#error;
      digestCheck(this.#tarHash, this.#check.diffId, this.#check.diffIdWhat);
      if (this.#innerHead) this.#innerStart();
      if (this.#inner) {
        this.#inner.end();
        await drained(this.#inner);
      }
      if (this.#error) throw this.#error;
      return { index: this.#scan.end(), tarBytes: this.#tarBytes, compression: this.#compression! };
    } catch (err) {
      throw this.#fail(err);
    }
  }

  /** Stops: what is held is let go, and nothing more is reported. */
  abort(): void {
    this.#error ??= new SourceError(`${this.#what}: aborted`);
    this.#inflate?.destroy();
    this.#inner?.destroy();
    this.#releaseFirst();
  }

  #fail(err: unknown): SourceError {
    if (this.#error) return this.#error;
    const e = err instanceof SourceError ? err : new SourceError(`${this.#what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    this.#error = e;
    this.#inflate?.destroy();
    this.#inner?.destroy();
    this.#releaseFirst();
    this.#onError(e);
    return e;
  }

  #releaseFirst(): void {
    const held = this.#first ?? [];
    this.#first = undefined;
    for (const h of held) h.consumed(true);
  }

  #sniff(): void {
    const held = this.#first!;
    this.#first = undefined;
    const head = held.length === 1 ? held[0]!.chunk : Buffer.concat(held.map((h) => h.chunk));
    this.#decided(sniffCompression(head));
    for (const h of held) {
      if (this.#error) h.consumed(true);
      else this.#stored(h.chunk, h.consumed);
    }
  }

  #decided(compression: Compression): void {
    this.#compression = compression;
    this.#first = undefined;
    if (compression === "none") {
      if (this.#check.blob) {
        // an uncompressed blob whose recorded digest is not its diff_id: one of them is wrong
        const { what, blob, diffId } = this.#check;
        this.#fail(new SourceError(`${what}: the blob is an uncompressed tar but its digest ${blob.digest} is not the config's diff_id ${diffId}`));
      }
      return;
    }
    const inflate = (this.#inflate = decompressor(compression));
    inflate.on("data", (c: Buffer) => this.#tar(c));
    inflate.on("close", () => this.#letGo());
    inflate.on("error", (err: Error) => {
      const msg = /unexpected end of file/i.test(err.message) ? `truncated ${compression} stream` : err.message;
      const e = new Error(`cannot decompress: ${msg}`, { cause: err });
      // bytes that do not inflate are most likely not the blob's: when its digest is still
      // to be checked, that check (at the end) says so, else this error does
      if (this.#check.blob && !this.#ending) this.#undecodable ??= e;
      else this.#fail(e);
      this.#letGo();
    });
  }

  #stored(chunk: Buffer, consumed: Consumed): void {
    if (this.#error || this.#undecodable) return consumed(true);
    if (!this.#inflate) {
      this.#tar(chunk);
      return consumed(true);
    }
    // zlib lets go of the chunk when it has inflated it; fzstd may keep a piece for its next frame
    const reusable = this.#compression === "gzip";
    const pending = { consumed, done: false };
    this.#inflating.add(pending);
    this.#inflate.write(chunk, () => {
      if (pending.done) return;
      pending.done = true;
      this.#inflating.delete(pending);
      consumed(reusable);
    });
  }

  /**
   * A decompressor that fails or is destroyed does not call back for what it was still
   * given: those chunks count as consumed (but their buffers, which it may still be
   * reading, are not to be reused).
   */
  #letGo(): void {
    for (const p of this.#inflating) {
      p.done = true;
      p.consumed(false);
    }
    this.#inflating.clear();
  }

  #tar(chunk: Buffer): void {
    if (this.#error) return;
    this.#tarHash.update(chunk);
    this.#tarBytes += chunk.length;
    if (this.#innerHead) {
      // the first bytes of the tar tell whether it is itself compressed (copied: they are kept a while)
      this.#innerHead.push(Buffer.from(chunk));
      this.#innerLen += chunk.length;
      if (this.#innerLen >= 4) this.#innerStart();
      return;
    }
    if (this.#inner) this.#inner.write(Buffer.from(chunk));
    else this.#scanWrite(chunk);
  }

  #innerStart(): void {
    const held = this.#innerHead!;
    this.#innerHead = undefined;
    const head = Buffer.concat(held);
    const kind = sniffCompression(head);
    if (kind !== "none") {
      const inner = (this.#inner = decompressor(kind));
      inner.on("data", (c: Buffer) => this.#scanWrite(c));
      inner.on("error", (err: Error) => this.#fail(new Error(`cannot decompress: ${err.message}`, { cause: err })));
      inner.write(head);
    } else {
      const file = this.#file;
      // the stored bytes are the tar itself: an ELF file in it is read from the file, as the parser asks
      if (file && this.#compression === "none") this.#scan.readTarFrom((offset, size) => sparseFromFile(file.fd, file.start + offset, size));
      if (head.length > 0) this.#scanWrite(head);
    }
  }

  #scanWrite(chunk: Buffer): void {
    if (this.#error) return;
    try {
      this.#scan.write(chunk);
    } catch (err) {
      this.#fail(err);
    }
  }
}

export { layerError } from "./layer-error.js";

/** Stored bytes read but not yet consumed by the scan, on the main thread. */
const WINDOW = 4 << 20;

/**
 * A layer's scan on this thread, from its stored stream: what a worker does, for
 * small images and `workers: 0`. The stream is destroyed when the scan fails or
 * `signal` aborts it.
 */
export function scanStoredHere(stored: StoredLayer, layer: number, what: string, interest: ScanInterest, signal?: AbortSignal): Promise<ScanOutcome> {
  const src = stored.stream;
  return new Promise<ScanOutcome>((resolve, reject) => {
    let settled = false;
    let ended = false;
    let pending = 0;
    let paused = false;
    const settle = (err: Error | undefined, outcome?: ScanOutcome) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      if (err) {
        scan.abort();
        src.on("error", () => {});
        src.destroy();
        reject(err);
      } else {
        stored.learned?.({ compression: outcome!.compression });
        resolve(outcome!);
      }
    };
    const onAbort = () => settle(signal?.reason instanceof Error ? signal.reason : new SourceError(`${what}: aborted`));
    const scan = new StoredScan(stored.check, layer, what, interest, (err) => settle(err));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    src.on("data", (chunk: Buffer) => {
      if (settled) return;
      const n = chunk.length;
      pending += n;
      scan.write(chunk, () => {
        pending -= n;
        if (paused && pending < WINDOW && !settled) {
          paused = false;
          src.resume();
        }
      });
      if (pending >= WINDOW && !paused) {
        paused = true;
        src.pause();
      }
    });
    src.on("end", () => {
      ended = true;
      if (!settled) scan.end().then((r) => settle(undefined, r), (err: Error) => settle(err));
    });
    src.on("error", (err) => settle(layerError(err, what)));
    src.on("close", () => {
      if (!ended) settle(new SourceError(`${what}: the layer's stream closed before its end`));
    });
    // a stream that failed or closed before these listeners were there says so no more
    if (src.errored) settle(layerError(src.errored, what));
    else if (src.destroyed && !src.readableEnded) settle(new SourceError(`${what}: the layer's stream closed before its end`));
  });
}
