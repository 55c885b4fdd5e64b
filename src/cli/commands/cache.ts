/** `imgpolicy cache info` and `imgpolicy cache prune`: what the registry blob cache holds, and emptying it. */
import { UsageError } from "../../errors.js";
import { cacheInfo, pruneCache, type PruneOptions } from "../../inspect/registry/cache-entries.js";
import { cacheCap, formatSize, parseDuration, parseSize, type CacheCap } from "../../inspect/registry/cache-size.js";
import { defaultCacheDir } from "../../inspect/registry/cache.js";
import type { Io } from "../main.js";

type Env = Record<string, string | undefined>;

export interface CacheInfoFlags {
  cacheDir?: string;
  cacheMax?: string;
  json?: boolean;
}

export interface CachePruneFlags {
  cacheDir?: string;
  all?: boolean;
  max?: string;
  olderThan?: string;
}

const blobs = (n: number) => `${n} blob${n === 1 ? "" : "s"}`;
const when = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z"));

export async function runCacheInfo(flags: CacheInfoFlags, io: Io, env: Env = process.env): Promise<number> {
  const given: CacheCap | undefined = flags.cacheMax !== undefined ? { maxBytes: parseSize(flags.cacheMax, "--cache-max"), from: "--cache-max" } : undefined;
  const cap = cacheCap(env, given);
  const info = await cacheInfo(flags.cacheDir || defaultCacheDir(env));
  const doc = {
    directory: info.directory,
    exists: info.state !== "missing",
    blobs: info.blobs,
    bytes: info.bytes,
    maxBytes: cap.maxBytes,
    maxFrom: cap.from,
    oldestUse: when(info.oldestUseMs),
    newestUse: when(info.newestUseMs),
    temporaryFiles: info.temporaryFiles,
  };
  if (flags.json) {
    io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
    return 0;
  }
  const rows: [string, string][] = [
    ["directory", `${doc.directory}${doc.exists ? "" : " (not made yet: nothing cached)"}`],
    ["blobs", `${info.blobs}, ${formatSize(info.bytes)}`],
    ["cap", `${formatSize(cap.maxBytes)} (${cap.from}${cap.maxBytes === 0 ? ": no cache, pulls neither read nor write it" : ""})`],
    ["oldest use", doc.oldestUse ?? "-"],
    ["newest use", doc.newestUse ?? "-"],
  ];
  if (info.temporaryFiles > 0) rows.push(["temporary", `${info.temporaryFiles} file${info.temporaryFiles === 1 ? "" : "s"} (downloads under way; those idle for an hour go at the next prune)`]);
  for (const [k, v] of rows) io.stdout(`${k.padEnd(11)} ${v}\n`);
  return 0;
}

/** What `prune` was asked: --all, or --max and/or --older-than, else down to the cap. */
function pruneOptions(flags: CachePruneFlags, env: Env): PruneOptions {
  if (flags.all && (flags.max !== undefined || flags.olderThan !== undefined)) throw new UsageError("--all removes every entry: it does not go with --max or --older-than");
  if (flags.all) return { all: true };
  const opts: PruneOptions = {};
  if (flags.max !== undefined) opts.maxBytes = parseSize(flags.max, "--max");
  if (flags.olderThan !== undefined) opts.olderThanMs = parseDuration(flags.olderThan, "--older-than");
  if (opts.maxBytes === undefined && opts.olderThanMs === undefined) opts.maxBytes = cacheCap(env).maxBytes;
  return opts;
}

export async function runCachePrune(flags: CachePruneFlags, io: Io, env: Env = process.env): Promise<number> {
  const opts = pruneOptions(flags, env);
  const dir = flags.cacheDir || defaultCacheDir(env);
  const r = await pruneCache(dir, opts);
  const temps = r.temps ? `, and ${r.temps} abandoned temporary file${r.temps === 1 ? "" : "s"} (${formatSize(r.tempBytes)})` : "";
  const left = `${blobs(r.blobs)} (${formatSize(r.bytes)}) left`;
  if (r.removed.length === 0 && r.temps === 0) io.stdout(`nothing to remove in ${dir}: ${left}\n`);
  else io.stdout(`freed ${formatSize(r.freedBytes + r.tempBytes)} in ${dir}: ${blobs(r.removed.length)} removed${temps}; ${left}\n`);
  return 0;
}
