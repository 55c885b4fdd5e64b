/** Waivers: which apply to a finding, and which have expired (and so no longer waive, and say so). */
import { isAbsolute } from "node:path";
import { reportPath } from "./report-path.js";
import type { Waiver } from "./report-types.js";
import type { Finding } from "./types.js";
import { compileGlob, type GlobMatcher } from "./user-glob.js";

/** A waiver expires at the end of its `expires` day (UTC). */
export function isExpired(w: Waiver, now: Date): boolean {
  if (!w.expires) return false;
  const end = Date.parse(`${w.expires}T23:59:59.999Z`);
  return Number.isFinite(end) && now.getTime() > end;
}

const DAY_MS = 86_400_000;

/**
 * Whole days from `now`'s day (UTC) to the waiver's last day: 0 on that day, 1 the day
 * before, negative once it has expired (as isExpired says); undefined without a date.
 */
export function daysLeft(w: Waiver, now: Date): number | undefined {
  if (!w.expires) return undefined;
  const last = Date.parse(`${w.expires}T00:00:00.000Z`);
  if (!Number.isFinite(last)) return undefined;
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Math.round((last - today) / DAY_MS);
}

/**
 * Waiver globs are user text: matched through user-glob.ts (linear time; checked when
 * the policy loads), each compiled once per waiver object (a cache, as policyValidator's).
 */
const compiled = new WeakMap<Waiver, Map<string, GlobMatcher>>();
function glob(w: Waiver, pattern: string, value: string): boolean {
  let byPattern = compiled.get(w);
  if (!byPattern) compiled.set(w, (byPattern = new Map()));
  let m = byPattern.get(pattern);
  if (!m) byPattern.set(pattern, (m = compileGlob(pattern)));
  return m(value);
}

export function waiverCovers(w: Waiver, ruleId: string, image: string, finding: Finding): boolean {
  if (w.rule !== ruleId) return false;
  if (w.image && !glob(w, w.image, image)) return false;
  if (w.path) {
    // an image path, or for Dockerfile findings "FILE:LINE" (or just FILE)
    const p = finding.location?.path;
    const df = finding.location?.dockerfile;
    const hit = (p !== undefined && glob(w, w.path, p)) || (df !== undefined && (glob(w, w.path, `${df.file}:${df.line}`) || glob(w, w.path, df.file)));
    if (!hit) return false;
  }
  return true;
}

export interface WaiverSplit {
  active: Waiver[];
  expired: Waiver[];
}

export function splitWaivers(waivers: readonly Waiver[], ruleId: string, image: string, now: Date): WaiverSplit {
  const relevant = waivers.filter((w) => w.rule === ruleId && (!w.image || glob(w, w.image, image)));
  return { active: relevant.filter((w) => !isExpired(w, now)), expired: relevant.filter((w) => isExpired(w, now)) };
}

/**
 * The waivers with their `source` (`FILE:LINE`, where the loader names the file by its
 * full path) as reports name files: relative to `cwd` when the file lies inside it,
 * else absolute (report-path.ts, as the report names policies). The sources of ignores
 * (`--ignore`) are not files and stay as they are.
 */
export function reportedWaivers(waivers: readonly Waiver[], cwd = process.cwd()): Waiver[] {
  return waivers.map((w) => {
    const m = w.source === undefined ? null : /^(.*):(\d+)$/.exec(w.source);
    if (!m || !isAbsolute(m[1]!)) return w;
    return { ...w, source: `${reportPath(m[1]!, cwd)}:${m[2]}` };
  });
}
