/**
 * A blob download as a lazy stream: the request starts when the reader first asks
 * for bytes (and a download slot is free), a connection dropped mid-blob is
 * resumed (Range from the bytes already passed on, or the start skipped when the
 * registry ignores Range), and the bytes are checked against the digest and size.
 * The descriptor's size bounds the download: a body that is longer (or never ends)
 * fails as soon as its Content-Length says so or the first byte too many arrives.
 */
import { createHash } from "node:crypto";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { RegistryError } from "../../errors.js";
import { digestAlgorithm } from "../digest.js";
import type { RegistryClient } from "./client.js";
import { connectionCause, registryError, type RegistryContext } from "./error-body.js";
import { retryableError } from "./retry.js";
import { bodyChunks } from "./transport.js";

/** At most `limit` holders at once; the others wait in order. */
export class Semaphore {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(limit: number) {
    this.#free = Math.max(1, limit);
  }
  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}

export interface BlobStreamOptions {
  digest: string;
  /** The size the descriptor claims, when known. */
  size?: number;
  slots: Semaphore;
  /** Called with the bytes passed on so far. */
  onBytes?: (received: number) => void;
}

function startOfRange(header: string | string[] | undefined): number | undefined {
  const m = /^bytes (\d+)-/.exec(String(header ?? ""));
  return m ? Number(m[1]) : undefined;
}

function tooLong(client: RegistryClient, o: BlobStreamOptions): Error {
  return registryError(client.ctx, `blob ${o.digest}: more bytes than the ${o.size} its descriptor names`);
}

async function* chunks(client: RegistryClient, o: BlobStreamOptions): AsyncGenerator<Buffer> {
  const release = await o.slots.acquire();
  const what = `blob ${o.digest}`;
  const path = `/v2/${client.repository}/blobs/${o.digest}`;
  const budget = client.newBudget();
  let received = 0;
  try {
    for (;;) {
      const res = await client.get(path, { what, budget, ...(received > 0 ? { headers: { Range: `bytes=${received}-` } } : {}) });
      if (/text\/html/i.test(String(res.headers["content-type"] ?? ""))) {
        res.destroy();
        throw registryError(client.ctx, `${what}: answered with an HTML page, not the blob (HTTP ${res.statusCode})`, { answer: { status: res.statusCode ?? 0, codes: [] } });
      }
      // resuming: a 206 from where we stopped, or the whole blob again with the start skipped
      let skip = 0;
      let from = 0;
      if (received > 0) {
        const start = res.statusCode === 206 ? startOfRange(res.headers["content-range"]) : 0;
        if (start === undefined || start > received) {
          res.destroy();
          throw registryError(client.ctx, `${what}: cannot resume the download (bad Content-Range)`);
        }
        from = start;
        skip = received - from;
      }
      // the descriptor's size bounds the body: a longer one is refused as soon as it says so or sends the byte
      const declared = Number(res.headers["content-length"]);
      if (o.size !== undefined && from + declared > o.size) {
        res.destroy();
        throw tooLong(client, o);
      }
      try {
        for await (let chunk of bodyChunks(res, client.transport.idleTimeoutMs)) {
          if (skip > 0) {
            const n = Math.min(skip, chunk.length);
            skip -= n;
            chunk = chunk.subarray(n);
            if (chunk.length === 0) continue;
          }
          if (o.size !== undefined && received + chunk.length > o.size) throw tooLong(client, o);
          received += chunk.length;
          o.onBytes?.(received);
          yield chunk;
        }
        // a connection closed without a length can end early: count it as dropped
        if (o.size === undefined || received >= o.size) return;
        throw Object.assign(new Error("the connection closed before the blob was complete"), { code: "ECONNRESET" });
      } catch (err) {
        if (err instanceof RegistryError) throw err;
        if (retryableError(err) && (await budget.next())) continue;
        const tries = budget.attempts > 1 ? ` (after ${budget.attempts} tries)` : "";
        throw registryError(client.ctx, `${what}: download failed: ${connectionCause(err)}${tries}`, { cause: err });
      }
    }
  } finally {
    release();
  }
}

/** A stream of the blob's bytes, not yet requested. */
export function blobStream(client: RegistryClient, o: BlobStreamOptions): Readable {
  return Readable.from(chunks(client, o), { objectMode: false, highWaterMark: 1 << 20 });
}

/**
 * Passes bytes on while hashing them; fails as soon as there are more than `size`,
 * and at the end when the digest or size is wrong. Its errors are RegistryErrors.
 */
export class BlobCheck extends Transform {
  readonly #hash;
  #bytes = 0;
  constructor(
    private readonly ctx: RegistryContext,
    private readonly digest: string,
    private readonly size?: number,
  ) {
    super({ highWaterMark: 1 << 20 });
    this.#hash = createHash(digestAlgorithm(digest));
  }

  #verdict: Error | null | undefined;

  #check(): Error | null {
    if (this.#verdict !== undefined) return this.#verdict;
    const got = `${digestAlgorithm(this.digest)}:${this.#hash.digest("hex")}`;
    if (this.size !== undefined && this.#bytes !== this.size) {
      this.#verdict = registryError(this.ctx, `blob ${this.digest}: size mismatch: expected ${this.size} bytes, got ${this.#bytes}`);
    } else if (got !== this.digest) {
      this.#verdict = registryError(this.ctx, `blob ${this.digest}: digest mismatch: got ${got}`);
    } else {
      this.#verdict = null;
    }
    return this.#verdict;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#bytes += chunk.length;
    if (this.size !== undefined && this.#bytes > this.size) {
      cb(registryError(this.ctx, `blob ${this.digest}: more bytes than the ${this.size} its descriptor names`));
      return;
    }
    this.#hash.update(chunk);
    // with the size known, the last chunk is held back until the digest is checked,
    // so a reader never gets the whole of a bad blob
    if (this.size !== undefined && this.#bytes === this.size) {
      const err = this.#check();
      if (err) return cb(err);
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    cb(this.#check());
  }
}
