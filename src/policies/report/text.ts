/**
 * The report for a terminal: per image, failed rules (worst first) with their findings
 * and the fix, then waived rules, then (verbose) passed and not-applicable rules, then
 * one summary line per image and one for all. Colour only when asked for.
 */
import type { ImageReport, Report, ReportedFinding, RuleResult } from "../report-types.js";
import type { Severity } from "../types.js";
import { expiredWaiverLine, groupResults, imageSummary, locationParts, overallSummary, runtimePhrase, unwaived, waived, waiverLine } from "./common.js";
import { escapeLines, escapeText } from "../../text/escape.js";

export interface TextOptions {
  /** ANSI colours (the CLI passes `isTTY`). */
  color: boolean;
  /** Also list passed and not-applicable rules. */
  verbose?: boolean;
  /**
   * Failures only (`--quiet`): the images that failed with their failed rules, and the
   * overall lines when the report failed; nothing at all when everything passed.
   */
  failuresOnly?: boolean;
}

type Paint = (s: string) => string;
interface Palette {
  bold: Paint;
  dim: Paint;
  red: Paint;
  yellow: Paint;
  green: Paint;
  cyan: Paint;
  magenta: Paint;
  severity: (s: Severity) => Paint;
}

function palette(color: boolean): Palette {
  const sgr = (open: string): Paint => (color ? (s) => `\x1b[${open}m${s}\x1b[0m` : (s) => s);
  const p = { bold: sgr("1"), dim: sgr("2"), red: sgr("31"), yellow: sgr("33"), green: sgr("32"), cyan: sgr("36"), magenta: sgr("35") };
  const boldRed = sgr("1;31");
  const bySeverity: Record<Severity, Paint> = { critical: boldRed, high: p.red, medium: p.yellow, low: p.cyan, info: p.dim };
  return { ...p, severity: (s) => bySeverity[s] };
}

const INDENT = "  ";
const indent = (s: string, n: number) => s.split("\n").map((l) => INDENT.repeat(n) + l).join("\n");

function findingLines(f: ReportedFinding, p: Palette, showWaiver: boolean): string[] {
  const out = [`${INDENT.repeat(3)}- ${escapeText(f.message)}`];
  const detail = (label: string, value: string) => out.push(`${INDENT.repeat(4)}${p.dim(`${label}:`)} ${value}`);
  const where = locationParts(f.location);
  if (where.length) detail("where", where.map(escapeText).join(", "));
  if (f.expected !== undefined) detail("expected", escapeText(f.expected));
  if (f.found !== undefined) detail("found", escapeText(f.found));
  if (showWaiver && f.waivedBy) out.push(`${INDENT.repeat(4)}${p.magenta(escapeText(waiverLine(f.waivedBy)))}`);
  return out;
}

function ruleHeading(r: RuleResult, p: Palette, tag?: string): string {
  const sev = p.severity(r.severity)(r.severity.toUpperCase().padEnd(8));
  return `${INDENT.repeat(2)}${sev} ${p.bold(escapeText(r.rule))}  ${escapeText(r.title)}${tag ? `  ${tag}` : ""}`;
}

function fixLines(r: RuleResult, p: Palette): string[] {
  if (!r.remediation) return [];
  const [first, ...rest] = escapeLines(r.remediation).split("\n");
  return [`${INDENT.repeat(3)}${p.green("fix:")} ${first}`, ...rest.map((l) => `${INDENT.repeat(3)}     ${l}`)];
}

function failedRule(r: RuleResult, p: Palette): string[] {
  const open = unwaived(r);
  const covered = waived(r);
  const out = [ruleHeading(r, p, covered.length ? p.dim(`(${covered.length} of ${r.findings.length} findings waived)`) : undefined)];
  for (const f of open) out.push(...findingLines(f, p, false));
  for (const f of covered) out.push(...findingLines(f, p, true));
  for (const w of r.expiredWaivers ?? []) out.push(`${INDENT.repeat(3)}${p.yellow(`! ${escapeText(expiredWaiverLine(w))}`)}`);
  out.push(...fixLines(r, p));
  return out;
}

function waivedRule(r: RuleResult, p: Palette): string[] {
  const out = [ruleHeading(r, p)];
  for (const f of r.findings) out.push(...findingLines(f, p, true));
  for (const w of r.expiredWaivers ?? []) out.push(`${INDENT.repeat(3)}${p.yellow(`! ${escapeText(expiredWaiverLine(w))}`)}`);
  return out;
}

function renderImage(img: ImageReport, p: Palette, verbose: boolean, failuresOnly: boolean): string[] {
  const mark = img.passed ? p.green("✓") : p.red("✗");
  const ids = [img.digest, img.platform].filter((x): x is string => !!x).map(escapeText);
  const out = [`${mark} ${p.bold(escapeText(img.reference))}${ids.length ? p.dim(`  ${ids.join("  ")}`) : ""}`];
  if (img.runtime) out.push(`${INDENT}${p.dim("runtime:")} ${escapeText(runtimePhrase(img.runtime))}`);
  if (img.error) out.push(`${INDENT}${p.red("error:")} ${escapeText(img.error)}`);
  const g = groupResults(img.results);
  // a loop, not push(...lines): a rule may have tens of thousands of findings, more arguments than the stack holds
  const section = (title: string, paint: Paint, lines: string[]) => {
    if (!lines.length) return;
    out.push(`${INDENT}${paint(title)}`);
    for (const l of lines) out.push(l);
  };
  section(`failed (${g.fail.length})`, p.red, g.fail.flatMap((r) => failedRule(r, p)));
  if (!failuresOnly) section(`waived (${g.waived.length})`, p.magenta, g.waived.flatMap((r) => waivedRule(r, p)));
  if (verbose && !failuresOnly) {
    section(`passed (${g.pass.length})`, p.green, g.pass.map((r) => `${INDENT.repeat(2)}${escapeText(r.rule)}  ${escapeText(r.title)}`));
    section(
      `not applicable (${g.skip.length})`,
      p.dim,
      g.skip.map((r) => `${INDENT.repeat(2)}${escapeText(r.rule)}  ${escapeText(r.title)}${r.reason ? p.dim(` — ${escapeText(r.reason)}`) : ""}`),
    );
  }
  const summary = imageSummary(img);
  out.push(indent(img.passed ? p.green(summary) : p.red(summary), 1));
  return out;
}

/** The report as text for a terminal, ending in a newline (empty for `failuresOnly` when everything passed). */
export function renderText(report: Report, opts: TextOptions): string {
  const p = palette(opts.color);
  const failuresOnly = opts.failuresOnly ?? false;
  if (failuresOnly && report.passed) return "";
  const shown = failuresOnly ? report.images.filter((img) => !img.passed) : report.images;
  const blocks = shown.map((img) => renderImage(img, p, opts.verbose ?? false, failuresOnly).join("\n"));
  const overall = overallSummary(report);
  const policies = report.policies.length ? report.policies.map(escapeText).join(", ") : "(none)";
  blocks.push(`${p.bold(report.passed ? p.green(overall) : p.red(overall))}\n${p.dim(`policies: ${policies}; fails on ${report.failOn} and above`)}`);
  return blocks.join("\n\n") + "\n";
}
