/** Content digests: parsing, computing, and verifying a stream as it passes. */
import { createHash, hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { SourceError } from "../errors.js";

const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export function isDigest(value: unknown): value is string {
  return typeof value === "string" && DIGEST_RE.test(value);
}

export function digestAlgorithm(digest: string): "sha256" | "sha512" {
  return digest.startsWith("sha512:") ? "sha512" : "sha256";
}

export function digestHex(digest: string): string {
  return digest.slice(digest.indexOf(":") + 1);
}

/** `sha256:` of a text's UTF-8 bytes, in one call (no hash object: facts hash one value per secret, and there may be 100,000). */
export function textSha256(text: string): string {
  return "sha256:" + hash("sha256", text, "hex");
}

export function sha256(bytes: Uint8Array): string {
  return "sha256:" + createHash("sha256").update(bytes).digest("hex");
}

export function computeDigest(bytes: Uint8Array, algorithm: "sha256" | "sha512" = "sha256"): string {
  return `${algorithm}:` + createHash(algorithm).update(bytes).digest("hex");
}

/** Throws when `bytes` do not hash to `expected`. */
export function verifyBytes(bytes: Uint8Array, expected: string, what: string): void {
  const got = computeDigest(bytes, digestAlgorithm(expected));
  if (got !== expected) {
    throw new SourceError(`${what}: digest mismatch: expected ${expected}, got ${got}`);
  }
}

/** Why a descriptor's size is no size (not a whole number from 0 up), or undefined. */
export function sizeProblem(size: unknown): string | undefined {
  if (size === undefined) return undefined;
  return typeof size === "number" && Number.isSafeInteger(size) && size >= 0 ? undefined : `size ${String(size).slice(0, 24)} is not a byte count`;
}

/** Throws when `bytes` are not what the descriptor says: its size (when it gives one), then its digest. */
export function verifyDescriptor(bytes: Uint8Array, d: { digest: string; size?: unknown }, what: string): void {
  const problem = sizeProblem(d.size);
  if (problem) throw new SourceError(`${what}: ${problem}`);
  if (d.size !== undefined && d.size !== bytes.length) throw new SourceError(`${what}: size mismatch: the descriptor says ${String(d.size)} bytes, the blob has ${bytes.length}`);
  verifyBytes(bytes, d.digest, what);
}

/**
 * A pass-through stream that hashes what flows through it and fails at the end
 * when the digest (and, if given, the size) does not match. `onDigest` receives
 * the computed digest whether or not an expectation was set.
 */
export class DigestVerifier extends Transform {
  readonly #hash;
  #bytes = 0;
  constructor(
    private readonly expected: string | undefined,
    private readonly what: string,
    private readonly opts: { size?: number; algorithm?: "sha256" | "sha512"; onDigest?: (d: string, size: number) => void } = {},
  ) {
    super({ highWaterMark: 1 << 20 });
    this.#hash = createHash(expected ? digestAlgorithm(expected) : (opts.algorithm ?? "sha256"));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#hash.update(chunk);
    this.#bytes += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    const alg = this.expected ? digestAlgorithm(this.expected) : (this.opts.algorithm ?? "sha256");
    const got = `${alg}:${this.#hash.digest("hex")}`;
    this.opts.onDigest?.(got, this.#bytes);
    if (this.opts.size !== undefined && this.#bytes !== this.opts.size) {
      cb(new SourceError(`${this.what}: size mismatch: expected ${this.opts.size} bytes, got ${this.#bytes}`));
      return;
    }
    if (this.expected && got !== this.expected) {
      cb(new SourceError(`${this.what}: digest mismatch: expected ${this.expected}, got ${got}`));
      return;
    }
    cb();
  }
}
