/** The hash for a digest's algorithm, and the check of a finished hash against the digest. */
import { createHash, type Hash } from "node:crypto";
import { SourceError } from "../../errors.js";
import { digestAlgorithm } from "../digest.js";

export function hashOf(digest: string): Hash {
  return createHash(digestAlgorithm(digest));
}

/** Throws a one-line SourceError, `what` first, when the hash is not the digest. */
export function digestCheck(hash: Hash, expected: string, what: string): void {
  const got = `${digestAlgorithm(expected)}:${hash.digest("hex")}`;
  if (got !== expected) throw new SourceError(`${what}: digest mismatch: expected ${expected}, got ${got}`);
}
