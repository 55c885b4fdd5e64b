/**
 * `check --from FILE --shard K/N`: which images of the list shard K of N checks, so
 * that N CI jobs check a long list in parallel and `imgpolicy report merge` joins
 * their JSON reports into the report one job would have written.
 *
 * The split is by each entry's image reference, never its position: the reference is
 * normalised (`nginx`, `docker.io/library/nginx:latest` and `docker://nginx` are one;
 * a path loses `./` and `a/../`) and the entry goes to the shard with the highest
 * sha256(`imgpolicy-shard`, reference, shard number) — rendezvous hashing. An entry's
 * shard depends only on its own reference and N: adding or removing an image moves no
 * other, changing N moves only the images the new or dropped shards take or give, and
 * every job computes the same split with no coordination. Entries with one reference
 * (other platforms, other policies) land in one shard. A hash split is not an even
 * one: with few images a shard may get none (it then checks nothing and passes).
 */
import { createHash } from "node:crypto";
import { posix } from "node:path";
import { UsageError } from "../errors.js";
import { canonical, parseRegistryReference } from "../inspect/registry/reference.js";

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** Shards beyond this are no CI matrix anyone runs: the number is a typo. */
export const MAX_SHARDS = 1000;

/** `--shard K/N`: whole numbers, 1 ≤ K ≤ N ≤ MAX_SHARDS. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*$/.exec(text);
  const bad = (why: string) => new UsageError(`--shard: ${why}, found '${text}'`);
  if (!m) throw bad("expected K/N, shard K of N (e.g. 2/3)");
  const [index, count] = [Number(m[1]), Number(m[2])];
  if (count < 1 || count > MAX_SHARDS) throw bad(`N is the number of shards, 1 to ${MAX_SHARDS}`);
  if (index < 1 || index > count) throw bad(`K is the shard to check, 1 to N (${count})`);
  return { index, count };
}

const SCHEMES = /^(docker-archive|oci-archive|oci|docker-daemon|docker):(.*)$/;

/** A name in the registry's canonical form when it is one (`docker.io/library/nginx:latest`), else as written. */
function canonicalName(name: string): string {
  try {
    return canonical(parseRegistryReference(name));
  } catch {
    return name;
  }
}

/**
 * The reference as the split sees it: registry and engine names canonical, paths
 * normalised (posix), the scheme of a path kept. Pure: nothing is looked up on disk.
 */
export function shardKey(reference: string): string {
  const ref = reference.trim();
  if (ref.startsWith("docker://")) return canonicalName(ref.slice("docker://".length));
  const m = SCHEMES.exec(ref);
  if (m) {
    const [, scheme, rest] = m as unknown as [string, string, string];
    if (scheme === "docker" || scheme === "docker-daemon") return canonicalName(rest);
    return `${scheme === "oci-archive" ? "oci" : scheme}:${posix.normalize(rest)}`;
  }
  if (ref.startsWith("/") || ref.startsWith("./") || ref.startsWith("../")) return posix.normalize(ref);
  return canonicalName(ref);
}

function weight(key: string, shard: number): bigint {
  return createHash("sha256").update(`imgpolicy-shard\0${key}\0${shard}`).digest().readBigUInt64BE(0);
}

/** The shard (1-based) an image reference belongs to, out of `count`. */
export function shardOf(reference: string, count: number): number {
  const key = shardKey(reference);
  let best = 1;
  let bestWeight = -1n;
  for (let k = 1; k <= count; k++) {
    const w = weight(key, k);
    if (w > bestWeight) [best, bestWeight] = [k, w];
  }
  return best;
}
