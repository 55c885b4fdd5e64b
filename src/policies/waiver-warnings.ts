/**
 * Warnings about a policy's waivers after a run: a waiver that matched no finding (across
 * every image it was applied to: with `check --from`, all the images of the list), one
 * that expires within EXPIRY_WARNING_DAYS, and one that has expired (it no longer
 * applies: isExpired). Pure: it reads the results, it decides nothing about the verdict.
 *
 * A waiver is called unused only when the run could tell: its rule ran on an image the
 * waiver applies to and found nothing the waiver covers, or its rule is off in the policy,
 * or its image pattern matched none of the images. A rule that was not applicable on
 * every such image (a runtime rule without --runtime, a Dockerfile rule without a
 * Dockerfile), a rule left out of the run (--runtime-only), or an image that could not be
 * read leave the question open, and nothing is said.
 */
import type { ImageReport, ReportWarning, Waiver } from "./report-types.js";
import { daysLeft, isExpired, waiverCovers } from "./waivers.js";
import { compileGlob } from "./user-glob.js";

export const EXPIRY_WARNING_DAYS = 14;

/** The waivers of one policy and the images checked against it. */
export interface WaiverUse {
  /** The policy's own waivers (not the ones that carry --ignore). */
  waivers: readonly Waiver[];
  images: readonly ImageReport[];
  /** The rules this run evaluated or could have (after --runtime-only): a waiver of another rule is not judged. */
  rules: readonly string[];
}

export interface WarningOptions {
  /** Warn of waivers whose last day is at most this many days away (default EXPIRY_WARNING_DAYS). */
  expiringWithinDays?: number;
}

/** What the run showed about one waiver, over every use of it. */
interface Seen {
  waiver: Waiver;
  used: boolean;
  /** The question stays open (a skip everywhere, an unreadable image, a rule not in the run). */
  unknown: boolean;
  images: number;
  matchedImages: number;
  /** Images the waiver applies to on which its rule had a result other than skip. */
  ran: number;
  findings: number;
  /** Applicable images without a result for the rule: it is off in the policy. */
  off: number;
}

/** "waiver of IMG-FS-005 for /etc/x.key on app:* (.imgpolicy.yaml:12)". */
export function waiverName(w: Waiver): string {
  return `waiver of ${w.rule}${w.path ? ` for ${w.path}` : ""}${w.image ? ` on ${w.image}` : ""}${w.source ? ` (${w.source})` : ""}`;
}

/** Waivers are one when they were written at one place (a policy file layered in several groups). */
const keyOf = (w: Waiver): string => w.source ?? JSON.stringify([w.rule, w.path, w.image, w.reason, w.expires]);

function observe(seen: Seen, w: Waiver, use: WaiverUse): void {
  if (!use.rules.includes(w.rule)) {
    seen.unknown = true;
    return;
  }
  const matches = w.image ? compileGlob(w.image) : () => true;
  for (const img of use.images) {
    seen.images++;
    if (!matches(img.reference)) continue;
    seen.matchedImages++;
    if (img.error) {
      seen.unknown = true;
      continue;
    }
    const r = img.results.find((x) => x.rule === w.rule);
    if (!r) {
      seen.off++;
      continue;
    }
    if (r.status === "skip") continue;
    seen.ran++;
    seen.findings += r.findings.length;
    if (r.findings.some((f) => waiverCovers(w, r.rule, img.reference, f))) seen.used = true;
  }
}

/** Why a waiver matched nothing, or undefined when it was used or the run cannot tell. */
function unusedBecause(s: Seen): string | undefined {
  const w = s.waiver;
  if (s.used || s.unknown || s.images === 0) return undefined;
  if (s.matchedImages === 0) return `its image pattern ${w.image} ${s.images === 1 ? "did not match the image" : `matched none of the ${s.images} images`} checked`;
  if (s.ran === 0) return s.off > 0 && s.off === s.matchedImages ? `${w.rule} is off in the policy, so the waiver never applies` : undefined;
  const where = s.ran === 1 ? "the image" : `the ${s.ran} images`;
  if (s.findings === 0) return `${w.rule} found nothing on ${where} it ran on`;
  const findings = s.findings === 1 ? "did not match the finding" : `matched none of the ${s.findings} findings`;
  return `its path pattern ${w.path ?? "(none)"} ${findings} of ${w.rule} on ${where}`;
}

function expiringPhrase(days: number, expires: string): string {
  const when = days === 0 ? "today" : days === 1 ? "tomorrow" : `in ${days} days`;
  return `expires ${when} (it applies up to and including ${expires}, UTC)`;
}

/** The warnings about the waivers of these uses, in the order the waivers were written. */
export function waiverWarnings(uses: readonly WaiverUse[], now: Date, opts: WarningOptions = {}): ReportWarning[] {
  const within = opts.expiringWithinDays ?? EXPIRY_WARNING_DAYS;
  const seen = new Map<string, Seen>();
  for (const use of uses) {
    for (const w of use.waivers) {
      const key = keyOf(w);
      let s = seen.get(key);
      if (!s) seen.set(key, (s = { waiver: w, used: false, unknown: false, images: 0, matchedImages: 0, ran: 0, findings: 0, off: 0 }));
      if (!isExpired(w, now)) observe(s, w, use);
    }
  }
  const out: ReportWarning[] = [];
  for (const s of seen.values()) {
    const w = s.waiver;
    const days = daysLeft(w, now);
    if (isExpired(w, now)) {
      out.push({
        kind: "waiver-expired",
        message: `${waiverName(w)} expired ${w.expires}, no longer applies: ${w.reason}; fix what it waived, or renew it with a later date`,
        waiver: w,
        ...(days !== undefined ? { daysLeft: days } : {}),
      });
      continue;
    }
    const why = unusedBecause(s);
    if (why) out.push({ kind: "waiver-unused", message: `${waiverName(w)} matched no finding: ${why}; remove it if it is no longer needed`, waiver: w });
    else if (days !== undefined && days <= within) {
      out.push({ kind: "waiver-expiring", message: `${waiverName(w)} ${expiringPhrase(days, w.expires!)}: fix what it waives, or renew it with a later date`, waiver: w, daysLeft: days });
    }
  }
  return out;
}
