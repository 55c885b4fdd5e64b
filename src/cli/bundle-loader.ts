/**
 * Runs the bundled command line (dist/cli-bundle/imgpolicy.cjs, made by
 * scripts/bundle-cli.mjs) from V8's code cache: the bytecode of the functions a check
 * runs, made at build time (scripts/train-code-cache.mjs), so that a run does not parse
 * and compile them again (bench, `check` of a 22 MB scratch image: 0.28 → 0.21 s,
 * Node's own start 0.08 s). Node 20 has no code cache for ES modules, hence one
 * CommonJS file compiled here as CommonJS would be.
 *
 * The cache is used only when it was made from these very bytes and is whole (it starts
 * with the sha256 of the bundle, then that of the bytecode: V8 would take a cache made
 * from any source of the same length, and checks no sum of its own) and when V8 takes it
 * (same V8, same flags); otherwise the bundle is compiled as usual. Either way the
 * bundle's own code runs.
 */
import { createHash } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import vm from "node:vm";

export const BUNDLE_FILE = "imgpolicy.cjs";
export const CACHE_FILE = "imgpolicy.cjs.cache";
const HASH_BYTES = 32;
const HEADER_BYTES = 2 * HASH_BYTES;

export interface BundleRun {
  /** Whether the code cache was there and V8 took it. */
  cached: boolean;
  /** Writes the cache of what has been compiled so far (the training run calls it as it exits). */
  writeCache(): void;
}

const sha256 = (bytes: Buffer): Buffer => createHash("sha256").update(bytes).digest();

/** The cache's bytecode, when it was made from the bundle whose hash is `hash` and is whole. */
function cacheFor(path: string, hash: Buffer): Buffer | undefined {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch {
    return undefined;
  }
  if (data.length <= HEADER_BYTES || !data.subarray(0, HASH_BYTES).equals(hash)) return undefined;
  const bytecode = data.subarray(HEADER_BYTES);
  return sha256(bytecode).equals(data.subarray(HASH_BYTES, HEADER_BYTES)) ? bytecode : undefined;
}

/** Compiles and runs the CommonJS bundle at `file` (its cache beside it), as Node's loader would run the module. */
export function runBundle(file: string, cacheFile = `${dirname(file)}/${CACHE_FILE}`): BundleRun {
  const bytes = readFileSync(file);
  const hash = sha256(bytes);
  const source = bytes.toString("utf8");
  const cachedData = cacheFor(cacheFile, hash);
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} };
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return {
    cached: cachedData !== undefined && !script.cachedDataRejected,
    writeCache() {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      const bytecode = script.createCachedData();
      writeFileSync(tmp, Buffer.concat([hash, sha256(bytecode), bytecode]));
      renameSync(tmp, cacheFile);
    },
  };
}
