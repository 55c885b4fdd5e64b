/**
 * What every reporter shares: the order results are shown in, how a location and a
 * waiver read, and the summary phrases. Only wording and ordering: no decisions.
 */
import type { Counts, ImageReport, Report, ReportedFinding, RuleResult, RuntimeFigures, Waiver } from "../report-types.js";
import type { Location, Severity } from "../types.js";
import { SEVERITIES, severityRank } from "../types.js";
import { escapeText } from "../../text/escape.js";

/** Worst severity first, then rule id. */
export function bySeverity(a: RuleResult, b: RuleResult): number {
  // (not localeCompare: its first call sets up ICU's collator, 15–20 ms of a small check; rule ids are ASCII)
  return severityRank(b.severity) - severityRank(a.severity) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
}

/** The results of one image in display groups: failed (worst first), waived, not applicable, passed. */
export function groupResults(results: readonly RuleResult[]): { fail: RuleResult[]; waived: RuleResult[]; skip: RuleResult[]; pass: RuleResult[] } {
  const pick = (s: RuleResult["status"]) => results.filter((r) => r.status === s).sort(bySeverity);
  return { fail: pick("fail"), waived: pick("waived"), skip: pick("skip"), pass: pick("pass") };
}

export const unwaived = (r: RuleResult): ReportedFinding[] => r.findings.filter((f) => !f.waivedBy);
export const waived = (r: RuleResult): ReportedFinding[] => r.findings.filter((f) => f.waivedBy);

/**
 * The escaping of human output lives in src/text/escape.ts (`escapeText`). This alias
 * keeps `ls`'s renderer (src/cli/render-listing.ts) building until it imports from there.
 * @deprecated import `escapeText` from src/text/escape.ts
 */
export { escapeText as oneLine } from "../../text/escape.js";

/** Where a finding points, as short phrases: "/usr/bin/su (layer 3)", "config Env.TOKEN", "Dockerfile:7". */
export function locationParts(loc: Location | undefined): string[] {
  if (!loc) return [];
  const parts: string[] = [];
  if (loc.path !== undefined) parts.push(loc.layer !== undefined ? `${loc.path} (${layerLabel(loc.layer)})` : loc.path);
  else if (loc.layer !== undefined) parts.push(layerLabel(loc.layer));
  if (loc.config !== undefined) parts.push(`config ${loc.config}`);
  if (loc.dockerfile) parts.push(`${loc.dockerfile.file}:${loc.dockerfile.line}`);
  return parts;
}

/**
 * Layers are counted from 1 for people, as `imgpolicy inspect` lists them; the
 * report keeps the 0-based index (`location.layer`).
 */
export const layerLabel = (index: number): string => `layer ${index + 1}`;

/** "until 2026-06-30, waivers.yaml:4" — the parenthesised part of a waiver line. */
export function waiverTerms(w: Waiver): string {
  const parts: string[] = [];
  if (w.expires) parts.push(`until ${w.expires}`);
  if (w.source) parts.push(w.source);
  return parts.join(", ");
}

/** "waived: accepted for the beta (until 2026-06-30, waivers.yaml:4)". */
export function waiverLine(w: Waiver): string {
  const terms = waiverTerms(w);
  return `waived: ${w.reason}${terms ? ` (${terms})` : ""}`;
}

/** "waiver expired 2024-01-31, no longer applies: <reason> (waivers.yaml:9)". */
export function expiredWaiverLine(w: Waiver): string {
  const scope = w.path ? ` for ${w.path}` : "";
  return `waiver${scope} expired ${w.expires ?? "(no date)"}, no longer applies: ${w.reason}${w.source ? ` (${w.source})` : ""}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "3 failed rules (1 critical, 2 high), 1 waived, 4 not applicable". */
export function countsPhrase(c: Counts, expiredWaivers = 0): string {
  const bySev = SEVERITIES.filter((s: Severity) => (c.failedBySeverity[s] ?? 0) > 0).map((s) => `${c.failedBySeverity[s]} ${s}`);
  const parts = [`${plural(c.fail, "failed rule")}${bySev.length ? ` (${bySev.join(", ")})` : ""}`, `${c.waived} waived`, `${c.skip} not applicable`];
  if (expiredWaivers) parts.push(plural(expiredWaivers, "expired waiver"));
  return parts.join(", ");
}

export const expiredWaiverCount = (results: readonly RuleResult[]): number => results.reduce((n, r) => n + (r.expiredWaivers?.length ?? 0), 0);

/** "app:1.2: failed — 3 failed rules (1 critical, 2 high), 1 waived, 4 not applicable". */
export function imageSummary(img: ImageReport): string {
  const verdict = img.error ? "not checked (could not be read)" : img.passed ? "passed" : "failed";
  return `${escapeText(img.reference)}: ${verdict} — ${countsPhrase(img.counts, expiredWaiverCount(img.results))}`;
}

/** How many images passed, failed a policy, and could not be read (`error`: an error, not a failure). */
export function imageVerdicts(images: readonly ImageReport[]): { passed: number; failed: number; unread: number } {
  const unread = images.filter((i) => i.error).length;
  const passed = images.filter((i) => !i.error && i.passed).length;
  return { passed, failed: images.length - passed - unread, unread };
}

/**
 * "2 images: 1 passed, 1 failed — 3 failed rules (1 critical, 2 high), 1 waived, 4 not
 * applicable"; images that could not be read are counted apart: "2 images: 1 passed,
 * 0 failed, 1 could not be read — …".
 */
export function overallSummary(report: Report): string {
  const v = imageVerdicts(report.images);
  const expired = report.images.reduce((n, i) => n + expiredWaiverCount(i.results), 0);
  const unread = v.unread ? `, ${v.unread} could not be read` : "";
  return `${plural(report.images.length, "image")}: ${v.passed} passed, ${v.failed} failed${unread} — ${countsPhrase(report.counts, expired)}`;
}

/** The label people read for a status. */
export const STATUS_LABEL: Record<RuleResult["status"], string> = { fail: "failed", waived: "waived", skip: "not applicable", pass: "passed" };

/** "350 ms", "1.2 s", "14 s". */
export function msPhrase(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${s < 10 ? s.toFixed(1).replace(/\.0$/, "") : Math.round(s)} s`;
}

/** Binary units, as `docker stats` shows memory: "11.4 MiB". */
export function mibPhrase(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** The figures of a run on one line: "healthy in 0.9 s (http), peak memory 11.4 MiB, stopped in 120 ms (exit code 0)". */
export function runtimePhrase(r: RuntimeFigures): string {
  if (r.status === "not-run") return r.reason ?? "not run";
  const parts: string[] = [];
  const method = r.healthMethod ? ` (${r.healthMethod})` : "";
  if (r.healthy) parts.push(r.timeToHealthyMs !== undefined ? `healthy in ${msPhrase(r.timeToHealthyMs)}${method}` : `healthy${method}`);
  else if (r.exitCode !== undefined) parts.push(`exited with code ${r.exitCode} before it became healthy`);
  else if (r.healthy === false) parts.push(`never healthy${method}`);
  else parts.push("ran");
  if (r.healthy && r.exitCode !== undefined) parts.push(`exited with code ${r.exitCode}`);
  if (r.peakMemoryBytes !== undefined) parts.push(`peak memory ${mibPhrase(r.peakMemoryBytes)}`);
  if (r.timeToStopMs !== undefined) {
    const code = r.stopExitCode !== undefined ? ` (exit code ${r.stopExitCode})` : "";
    parts.push(r.killed ? `killed at the end of the grace period, ${msPhrase(r.timeToStopMs)} after the stop signal${code}` : `stopped in ${msPhrase(r.timeToStopMs)}${code}`);
  }
  return parts.join(", ");
}
