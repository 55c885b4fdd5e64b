/**
 * Runs the bundled command line (dist/cli-bundle/imgpolicy.cjs, made by
 * scripts/bundle-cli.mjs) from V8's code cache: the bytecode of the functions a check
 * runs, made at build time (scripts/train-code-cache.mjs), so that a run does not parse
 * and compile them again (bench, `check` of a 22 MB scratch image: 0.36 → 0.23 s, Node's
 * own start 0.12 s). Node 20 has no code cache for ES modules, hence one CommonJS file
 * compiled here as CommonJS would be.
 *
 * The cache is used only when it was made from these very bytes and is whole (it starts
 * with the sha256 of the bundle, then that of the bytecode: V8 would take a cache made
 * from any source of the same length, and checks no sum of its own) and when V8 takes it
 * (same V8, same flags); otherwise the bundle is compiled as usual. Either way the
 * bundle's own code runs. Both files are read only when they are regular files of a
 * sane size (a FIFO or a device there would hang the start or fill the memory).
 */
import { createHash } from "node:crypto";
import { renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import vm from "node:vm";
import { FileReadError } from "../files/regular-file.js";
import { readSmallFileSync } from "../files/small-file-sync.js";

export const CACHE_FILE = "imgpolicy.cjs.cache";
/**
 * The name the bundle's code has in stack traces and profiles, wherever it is installed
 * (V8 keeps the name the cache was made under).
 */
const SCRIPT_NAME = "dist/cli-bundle/imgpolicy.cjs";
const HASH_BYTES = 32;
const HEADER_BYTES = 2 * HASH_BYTES;
/** Far above either file's size (1.3 MB and 1 MB). */
const MAX_BYTES = 64 << 20;

export interface BundleRun {
  /** What the bundle exports. */
  exports: Record<string, unknown>;
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
    data = readSmallFileSync(path, MAX_BYTES, "a code cache");
  } catch {
    return undefined;
  }
  if (data.length <= HEADER_BYTES || !data.subarray(0, HASH_BYTES).equals(hash)) return undefined;
  const bytecode = data.subarray(HEADER_BYTES);
  return sha256(bytecode).equals(data.subarray(HASH_BYTES, HEADER_BYTES)) ? bytecode : undefined;
}

/** Compiles and runs the CommonJS bundle at `file` (its cache beside it), as Node's loader would run the module. */
export function runBundle(file: string, cacheFile = `${dirname(file)}/${CACHE_FILE}`): BundleRun {
  const bytes = readSmallFileSync(file, MAX_BYTES, "the bundle");
  const hash = sha256(bytes);
  const cachedData = cacheFor(cacheFile, hash);
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${bytes.toString("utf8")}\n})`, {
    filename: SCRIPT_NAME,
    ...(cachedData ? { cachedData } : {}),
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} as Record<string, unknown> };
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return {
    exports: module.exports,
    cached: cachedData !== undefined && !script.cachedDataRejected,
    writeCache() {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      const bytecode = script.createCachedData();
      writeFileSync(tmp, Buffer.concat([hash, sha256(bytecode), bytecode]));
      renameSync(tmp, cacheFile);
    },
  };
}

/** What the CLI bundle exports: its command and the one exit path (src/cli/exit-path.ts). */
export interface CliExports {
  main(argv: string[]): Promise<number>;
  runToExit(run: () => Promise<number>): Promise<void>;
}

/** The CLI bundle's exports; throws when they are not there (a bundle cut short). */
export function cliOf(run: BundleRun): CliExports {
  const { main, runToExit } = run.exports;
  if (typeof main !== "function" || typeof runToExit !== "function") throw new Error("it does not export the command line");
  return { main, runToExit } as CliExports;
}

/**
 * Runs the command line from the bundle at `file`. A bundle that cannot be read, compiled
 * or run to its exports is one line on stderr and exit 2, as any input error is; from
 * there on the bundle's exit path has the last word.
 */
export function runCli(file: string, argv: string[] = process.argv): void {
  let cli: CliExports;
  try {
    cli = cliOf(runBundle(file));
  } catch (err) {
    const why = (err instanceof FileReadError ? err.reason : err instanceof Error ? err.message : String(err)).split("\n")[0];
    process.stderr.write(`imgpolicy: cannot run the command line's bundle ${file}: ${why} (\`npm run build\` makes it)\n`);
    process.exitCode = 2;
    return;
  }
  void cli.runToExit(() => cli.main(argv));
}
