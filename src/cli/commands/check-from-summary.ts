/**
 * The summary table of `check --from`: one row per image with its policy, verdict and
 * failed rules by severity. Text (after the report) and Markdown (before it, for
 * CI step summaries). Only wording: the verdicts are the report's.
 */
import { escapeText } from "../../text/escape.js";
import { imageVerdicts } from "../../policies/report/common.js";
import { mdCode, mdText } from "../../policies/report/markdown.js";
import type { ImageReport, Report } from "../../policies/report-types.js";
import { SEVERITIES, type Severity } from "../../policies/types.js";

type Row = ImageReport & { policies?: string[]; failOn?: Severity };

const verdict = (i: Row): "passed" | "failed" | "error" => (i.error ? "error" : i.passed ? "passed" : "failed");

/** "2 critical, 1 high", "none", or "could not be read". */
export function failedBySeverity(i: Row): string {
  if (i.error) return "could not be read";
  const parts = SEVERITIES.filter((s) => i.counts.failedBySeverity[s] > 0).map((s) => `${i.counts.failedBySeverity[s]} ${s}`);
  return parts.length ? parts.join(", ") : "none";
}

/** The threshold, when it is not the report's. */
const threshold = (i: Row, report: Report): string => (i.failOn && i.failOn !== report.failOn ? ` (fails on ${i.failOn})` : "");

const policyOf = (i: Row, report: Report): string => (i.policies ?? report.policies).join(" + ");

/** The reference, with the platform when the same reference is checked for more than one platform. */
function imageNames(report: Report): string[] {
  const platforms = new Map<string, Set<string | undefined>>();
  for (const i of report.images) platforms.set(i.reference, (platforms.get(i.reference) ?? new Set()).add(i.platform));
  return report.images.map((i) => (platforms.get(i.reference)!.size > 1 && i.platform ? `${i.reference} (${i.platform})` : i.reference));
}

/** "release gate" or, for a shard's report, "release gate, shard 2/3". */
const gateName = (report: Report): string => (report.gate?.shard ? `release gate, shard ${report.gate.shard.index}/${report.gate.shard.count}` : "release gate");

/** For a shard the hash split left empty (a few images over many shards). */
const emptyShard = (report: Report): string | undefined =>
  report.gate?.shard && report.images.length === 0 ? `no image of the list's ${report.gate.images} falls in this shard` : undefined;

/** "3 images, 2 policies: 2 passed, 1 not"; images that could not be read apart: "…: 1 passed, 1 failed, 1 could not be read". */
function headline(report: Report): string {
  const v = imageVerdicts(report.images);
  const policies = new Set(report.images.map((i) => policyOf(i, report))).size;
  const verdicts = v.unread ? `${v.passed} passed, ${v.failed} failed, ${v.unread} could not be read` : `${v.passed} passed, ${v.failed} not`;
  return `${report.images.length} image${report.images.length === 1 ? "" : "s"}, ${policies} polic${policies === 1 ? "y" : "ies"}: ${verdicts}`;
}

/** The table for a terminal, ending in a newline. Colour only on the verdict. */
export function textSummary(report: Report, color = false): string {
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const head = ["IMAGE", "POLICY", "VERDICT", "FAILED RULES"];
  const names = imageNames(report);
  const rows = report.images.map((i, n) => [escapeText(names[n]!), escapeText(policyOf(i, report) + threshold(i, report)), verdict(i), failedBySeverity(i)]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[], paintVerdict: boolean) =>
    `  ${cells
      .map((cell, c) => {
        const padded = c === cells.length - 1 ? cell : cell.padEnd(widths[c]!);
        if (c !== 2 || !paintVerdict) return padded;
        return paint(cell === "passed" ? "32" : "31", cell) + padded.slice(cell.length);
      })
      .join("  ")}`;
  const title = paint("1", `${gateName(report)}: ${headline(report)}`);
  const empty = emptyShard(report);
  return [title, ...(empty ? [`  ${empty}`] : [line(head, false), ...rows.map((r) => line(r, true))])].join("\n") + "\n";
}

const ICON = { passed: "✅", failed: "❌", error: "⚠️" } as const;

/** The table as Markdown, ending in a newline. */
export function markdownSummary(report: Report): string {
  const title = `## imgpolicy ${gateName(report)}: ${report.passed ? "✅" : "❌"} ${mdText(headline(report))}`;
  const empty = emptyShard(report);
  if (empty) return `${title}\n\n${mdText(empty)}\n`;
  const out = [title, "", "| image | policy | verdict | failed rules |", "| --- | --- | --- | --- |"];
  const names = imageNames(report);
  for (const [n, i] of (report.images as Row[]).entries()) {
    const v = verdict(i);
    const policy = (i.policies ?? report.policies).map((p) => mdCode(p, true)).join(" + ") + mdText(threshold(i, report));
    out.push(`| ${mdCode(names[n]!, true)} | ${policy} | ${ICON[v]} ${v} | ${mdText(failedBySeverity(i))} |`);
  }
  return out.join("\n") + "\n";
}

/** What `check --from` and `report merge` add to a gate's report: the table after the text, before the Markdown. */
export function decorateGate(report: Report): (format: string, text: string, color: boolean) => string {
  return (format, text, color) => (format === "text" ? `${text}\n${textSummary(report, color)}` : format === "markdown" ? `${markdownSummary(report)}\n${text}` : text);
}
