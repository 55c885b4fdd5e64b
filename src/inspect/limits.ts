/**
 * How much of an image the reader holds at once, whatever the image says: the entries
 * of all its layers (each costs memory in the layer index and the tree) and the bytes
 * of the files the facts keep. Past a limit, the image is refused with a clear error
 * that names the variable raising it. Defaults keep a read under 256 MB.
 *
 * The variables (IMGPOLICY_MAX_ENTRIES, IMGPOLICY_MAX_KEPT_MB, IMGPOLICY_MAX_SPOOL_MB)
 * are read together whenever one of them is: a value that is not a whole number from 1
 * up (empty, negative, "1e999", "12abc", " 5") is a UsageError naming the variable, never
 * silently the default. Unset, the default applies.
 */
import { UsageError } from "../errors.js";

export interface ScanLimits {
  /**
   * Entries of the image: files, directories, links and whiteouts of all its layers
   * together (what the layer indexes and the tree hold). A layer that alone holds more
   * is stopped as soon as it does.
   */
  maxEntries: number;
  /** Bytes of file content kept for the facts (passwd, CA bundles, ...), all layers together. */
  maxKeptBytes: number;
}

export const DEFAULT_LIMITS: ScanLimits = { maxEntries: 300_000, maxKeptBytes: 32 << 20 };

/**
 * Linux's PATH_MAX: the engine joins an entry's name to the layer's directory and
 * cannot create a longer one (ENAMETOOLONG), nor a symlink with a longer target.
 * It also bounds the names' share of memory and the depth of a path (2,048 components).
 */
export const MAX_NAME_BYTES = 4096;

/**
 * Layers of an image (rootfs.diff_ids, a manifest's layers). The engine stacks at most
 * 125 (moby's maxLayerDepth) and an overlay mount not many more; eight times that
 * leaves room for images made for other runtimes. Like the JSON limits (json.ts), a
 * property of documents no real image comes near: not raised by a variable.
 */
export const MAX_LAYERS = 1000;

/**
 * History entries of a config: one a Dockerfile instruction (ENV, LABEL... make no
 * layer), so ten for each layer the image may have. The history is matched to the
 * layers, parsed into build steps and judged by rules that report a finding a step.
 */
export const MAX_HISTORY = 10 * MAX_LAYERS;

/**
 * Bytes of an image config read from an archive or a layout (a registry's are read as
 * whole blobs of at most 4 MiB). Real configs are kilobytes; parsing is about ten times
 * the text in memory, so 8 MiB keeps the worst case under the 256 MB budget (a 28 MB
 * config of 400,000 labels took 650 MB). Not raised by a variable.
 */
export const MAX_CONFIG_BYTES = 8 << 20;

/**
 * Entries of the config's runtime lists and maps together (Env, Labels, ExposedPorts,
 * Volumes, Entrypoint, Cmd, Shell, OnBuild, Healthcheck.Test). Real images hold tens to
 * hundreds. With MAX_CONFIG_BYTES this bounds a config of many tiny entries; at 200,000 the
 * worst case stays under the 256 MB budget (hostile corpus: 100k labels, env, ports).
 * Like MAX_LAYERS, not raised by a variable.
 */
export const MAX_CONFIG_ENTRIES = 200_000;

/**
 * UTF-16 code units of the secret-looking ENV values redacted from the history (each
 * value, or KEY=value for short ones). One pass finds them all (text/replace-strings.ts)
 * with an automaton of about 30 bytes a code unit: 1 Mi of them is 30 MB.
 */
export const MAX_REDACTED_CHARS = 1 << 20;

const VARIABLES = ["IMGPOLICY_MAX_ENTRIES", "IMGPOLICY_MAX_KEPT_MB", "IMGPOLICY_MAX_SPOOL_MB"] as const;
type Variable = (typeof VARIABLES)[number];

/** Whole numbers from 1 up, small enough that a MiB count times 2^20 is still exact. */
const MAX_VALUE = 2 ** 33;

/** The variable's value: undefined when unset; a UsageError when it is not a whole number from 1 to 2^33. */
function whole(env: NodeJS.ProcessEnv, name: Variable): number | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  if (v === "") throw new UsageError(`${name} is set but empty: give a whole number from 1 to ${MAX_VALUE}, or unset it for the default`);
  const n = /^[0-9]{1,11}$/.test(v) ? Number(v) : NaN;
  if (n >= 1 && n <= MAX_VALUE) return n;
  const shown = v.length > 40 ? `${v.slice(0, 40)}…` : v;
  throw new UsageError(`${name}='${shown}' is not a limit: give a whole number from 1 to ${MAX_VALUE} (decimal digits only), or unset it for the default`);
}

/** Every limit variable, checked: the first invalid one is a UsageError. */
export function limitVariables(env: NodeJS.ProcessEnv = process.env): Record<Variable, number | undefined> {
  const out = {} as Record<Variable, number | undefined>;
  for (const name of VARIABLES) out[name] = whole(env, name);
  return out;
}

/** The limits, raised or lowered by IMGPOLICY_MAX_ENTRIES and IMGPOLICY_MAX_KEPT_MB. */
export function scanLimits(env: NodeJS.ProcessEnv = process.env): ScanLimits {
  const v = limitVariables(env);
  return {
    maxEntries: v.IMGPOLICY_MAX_ENTRIES ?? DEFAULT_LIMITS.maxEntries,
    maxKeptBytes: (v.IMGPOLICY_MAX_KEPT_MB ?? DEFAULT_LIMITS.maxKeptBytes / 1048576) * 1048576,
  };
}

/**
 * Bytes of names (paths and link targets) an image's entries may hold in all, for each
 * entry the limit allows: real paths run well under 100 bytes, and names of up to
 * MAX_NAME_BYTES by the hundred thousand (290,000 of 3.8 KB: 1.3 GB resident) would
 * otherwise fit under the entry limit. At the default, 38 MB.
 */
export const NAME_BYTES_PER_ENTRY = 128;

export function maxNameBytes(limits: ScanLimits): number {
  return limits.maxEntries * NAME_BYTES_PER_ENTRY;
}

export function tooManyNameBytes(limits: ScanLimits): string {
  return `entries whose names (paths and link targets) hold more than ${maxNameBytes(limits)} bytes in all (${NAME_BYTES_PER_ENTRY} for each entry IMGPOLICY_MAX_ENTRIES allows; it raises the limit)`;
}

export function tooManyEntries(limits: ScanLimits): string {
  return `more than ${limits.maxEntries} entries (files, directories, links and whiteouts of all the image's layers together; IMGPOLICY_MAX_ENTRIES raises the limit)`;
}

export function tooMuchKept(limits: ScanLimits, path: string): string {
  return `the files the checks read hold more than ${limits.maxKeptBytes / 1048576} MiB (at ${path}; IMGPOLICY_MAX_KEPT_MB raises the limit)`;
}

/** How much a compressed archive may decompress to on disk: a bomb is refused, not spooled. */
const SPOOL_RATIO = 20;
const SPOOL_FLOOR = 256 << 20;

export interface SpoolLimit {
  maxBytes: number;
  /** Where the limit comes from, and how to raise it. */
  why: string;
}

/** The spool limit for a compressed archive of `compressed` bytes, and how to say where it comes from. */
export function spoolLimit(compressed: number, env: NodeJS.ProcessEnv = process.env): SpoolLimit {
  const mb = limitVariables(env).IMGPOLICY_MAX_SPOOL_MB;
  if (mb !== undefined) return { maxBytes: mb * 1048576, why: "IMGPOLICY_MAX_SPOOL_MB" };
  return {
    maxBytes: Math.max(SPOOL_FLOOR, SPOOL_RATIO * compressed),
    why: `${SPOOL_RATIO}× its own size, at least ${SPOOL_FLOOR >> 20} MiB; IMGPOLICY_MAX_SPOOL_MB raises the limit`,
  };
}

/**
 * The spool limit for an image the engine exports (`docker save`), which the engine says
 * holds `reported` bytes (its Size): twice that, for the tar's headers and padding,
 * plus the same 256 MiB (a header a file: 300,000 empty files are 300 MiB of tar).
 */
export function engineSpoolLimit(reported: number, env: NodeJS.ProcessEnv = process.env): SpoolLimit {
  const mb = limitVariables(env).IMGPOLICY_MAX_SPOOL_MB;
  if (mb !== undefined) return { maxBytes: mb * 1048576, why: "IMGPOLICY_MAX_SPOOL_MB" };
  const size = Number.isSafeInteger(reported) && reported > 0 ? reported : 0;
  return {
    maxBytes: SPOOL_FLOOR + 2 * size,
    why: `twice the ${size} bytes the engine reports for the image, plus ${SPOOL_FLOOR >> 20} MiB; IMGPOLICY_MAX_SPOOL_MB raises the limit`,
  };
}
