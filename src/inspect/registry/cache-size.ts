/**
 * The blob cache's cap and ages as people write them: sizes such as 500MB, 2GB or
 * 1.5G (binary units, as Docker reads `--memory 2g`: 1 KB = 1024 bytes, and KiB,
 * MiB, GiB say the same), durations such as 12h or 7d. A value that is not one is a
 * UsageError naming where it came from.
 */
import { UsageError } from "../../errors.js";

type Env = Record<string, string | undefined>;

/** The cap when nothing sets one: 2 GB. */
export const DEFAULT_CACHE_MAX = 2 * 1024 ** 3;

const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Bytes from "500MB", "2GB", "1.5g", "512MiB", "100k", "0" or a plain number of bytes. */
export function parseSize(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|(b))?\s*$/i.exec(text);
  const unit = m ? (m[2] ?? m[3] ?? "").toLowerCase() : "";
  const bytes = m ? Math.floor(Number(m[1]) * SIZE_UNITS[unit]!) : NaN;
  if (!Number.isSafeInteger(bytes)) {
    throw new UsageError(`${what}: expected a size such as 500MB or 2GB (units B, KB, MB, GB, TB; 1 KB = 1024 bytes), found '${text.slice(0, 40)}'`);
  }
  return bytes;
}

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** Milliseconds from "30s", "15m", "12h", "7d" or "2w". */
export function parseDuration(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i.exec(text);
  const ms = m ? Math.round(Number(m[1]) * DURATION_UNITS[m[2]!.toLowerCase()]!) : NaN;
  if (!Number.isSafeInteger(ms)) throw new UsageError(`${what}: expected a duration such as 12h or 7d (units s, m, h, d, w), found '${text.slice(0, 40)}'`);
  return ms;
}

/** "0 B", "900 B", "1.5 KB", "500 MB", "2 GB": what parseSize reads back (to a tenth). */
export function formatSize(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  const shown = u === 0 ? String(n) : (Math.round(n * 10) / 10).toString();
  return `${shown} ${units[u]}`;
}

export interface CacheCap {
  maxBytes: number;
  /** Where it came from: "default", "IMGPOLICY_CACHE_MAX", or the flag or option that gave it. */
  from: string;
}

/** The cap: the given one, else IMGPOLICY_CACHE_MAX, else 2 GB. An unreadable variable is a UsageError. */
export function cacheCap(env: Env, given?: CacheCap): CacheCap {
  if (given) return given;
  const v = env.IMGPOLICY_CACHE_MAX;
  if (v !== undefined && v !== "") return { maxBytes: parseSize(v, "IMGPOLICY_CACHE_MAX"), from: "IMGPOLICY_CACHE_MAX" };
  return { maxBytes: DEFAULT_CACHE_MAX, from: "default" };
}
