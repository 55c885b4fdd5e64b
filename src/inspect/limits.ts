/**
 * How much of an image the reader holds at once, whatever the image says: the entries
 * of all its layers (each costs memory in the layer index and the tree) and the bytes
 * of the files the facts keep. Past a limit, the image is refused with a clear error
 * that names the variable raising it. Defaults keep a read under 256 MB.
 */
export interface ScanLimits {
  /** Entries in all layers together (whiteouts included). */
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

/** A limit variable's value: a whole number from 1 up, else undefined (the default applies). */
const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : undefined);

/** The limits, raised or lowered by IMGPOLICY_MAX_ENTRIES and IMGPOLICY_MAX_KEPT_MB. */
export function scanLimits(env: NodeJS.ProcessEnv = process.env): ScanLimits {
  return {
    maxEntries: num(env.IMGPOLICY_MAX_ENTRIES) ?? DEFAULT_LIMITS.maxEntries,
    maxKeptBytes: (num(env.IMGPOLICY_MAX_KEPT_MB) ?? DEFAULT_LIMITS.maxKeptBytes / 1048576) * 1048576,
  };
}

export function tooManyEntries(limits: ScanLimits): string {
  return `more than ${limits.maxEntries} entries in the image's layers (IMGPOLICY_MAX_ENTRIES raises the limit)`;
}

export function tooMuchKept(limits: ScanLimits, path: string): string {
  return `the files the checks read hold more than ${limits.maxKeptBytes / 1048576} MiB (at ${path}; IMGPOLICY_MAX_KEPT_MB raises the limit)`;
}

/** How much a compressed archive may decompress to on disk: a bomb is refused, not spooled. */
const SPOOL_RATIO = 20;
const SPOOL_FLOOR = 256 << 20;

/** The spool limit for a compressed archive of `compressed` bytes, and how to say where it comes from. */
export function spoolLimit(compressed: number, env: NodeJS.ProcessEnv = process.env): { maxBytes: number; why: string } {
  const mb = num(env.IMGPOLICY_MAX_SPOOL_MB);
  if (mb !== undefined) return { maxBytes: mb * 1048576, why: "IMGPOLICY_MAX_SPOOL_MB" };
  return {
    maxBytes: Math.max(SPOOL_FLOOR, SPOOL_RATIO * compressed),
    why: `${SPOOL_RATIO}× its own size, at least ${SPOOL_FLOOR >> 20} MiB; IMGPOLICY_MAX_SPOOL_MB raises the limit`,
  };
}
