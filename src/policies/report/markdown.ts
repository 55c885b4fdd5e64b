/**
 * The report as GitHub-flavoured Markdown, for CI step summaries ($GITHUB_STEP_SUMMARY)
 * and merge-request comments: per image a table of rules (rule, severity, status), then
 * each failed or waived rule in a <details> block with its findings and the fix.
 * Everything that comes from an image is escaped: it can hold any character.
 */
import type { ImageReport, Report, ReportedFinding, RuleResult } from "../report-types.js";
import { countsPhrase, expiredWaiverCount, expiredWaiverLine, groupResults, locationParts, overallSummary, runtimePhrase, STATUS_LABEL, waiverLine } from "./common.js";
import { escapeLines, escapeText } from "../../text/escape.js";

/**
 * Inline text (never at the start of a line): the punctuation that makes emphasis,
 * code, links, tables and strikethrough backslash-escaped, HTML specials as entities, one line.
 */
export function mdText(s: string): string {
  return escapeText(s)
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

/**
 * A code span that holds any text: the fence is one backtick longer than the longest
 * run inside, padded with spaces when the text starts or ends with a backtick. Inside a
 * table, `|` must still be escaped (GFM splits cells before it sees code spans).
 */
export function mdCode(s: string, inTable = false): string {
  let text = escapeText(s);
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longest + 1);
  if (text.startsWith("`") || text.endsWith("`") || (text.startsWith(" ") && text.endsWith(" ") && text.trim())) text = ` ${text} `;
  if (inTable) text = text.replace(/\|/g, "\\|");
  return `${fence}${text}${fence}`;
}

/** Text for HTML context (<summary>), where Markdown is not parsed. */
const html = (s: string): string => escapeText(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const STATUS_ICON: Record<RuleResult["status"], string> = { fail: "❌", waived: "⚪", skip: "➖", pass: "✅" };

function table(img: ImageReport): string[] {
  const g = groupResults(img.results);
  const rows = [...g.fail, ...g.waived, ...g.skip, ...g.pass].map((r) => {
    const status = `${STATUS_ICON[r.status]} ${STATUS_LABEL[r.status]}${r.status === "skip" && r.reason ? `: ${mdText(r.reason)}` : ""}`;
    return `| ${mdCode(r.rule, true)} ${mdText(r.title)} | ${r.severity} | ${status} |`;
  });
  return rows.length ? ["| rule | severity | status |", "| --- | --- | --- |", ...rows] : [];
}

function findingItem(f: ReportedFinding): string[] {
  const out = [`- ${mdText(f.message)}`];
  const where = locationParts(f.location);
  if (where.length) out.push(`  where: ${where.map((w) => mdCode(w)).join(", ")}`);
  if (f.expected !== undefined) out.push(`  expected: ${mdCode(f.expected)}`);
  if (f.found !== undefined) out.push(`  found: ${mdCode(f.found)}`);
  if (f.waivedBy) out.push(`  _${mdText(waiverLine(f.waivedBy))}_`);
  // Two trailing spaces make a line break inside the list item.
  return out.map((l, i) => (i < out.length - 1 ? `${l}  ` : l));
}

function details(r: RuleResult): string[] {
  const count = r.findings.length;
  const summary = `<summary><b>${html(r.rule)}</b> ${html(r.title)} (${r.severity}, ${STATUS_LABEL[r.status]}, ${count} ${count === 1 ? "finding" : "findings"})</summary>`;
  const out = ["<details>", summary, ""];
  for (const f of [...r.findings].sort((a, b) => Number(!!a.waivedBy) - Number(!!b.waivedBy))) out.push(...findingItem(f));
  for (const w of r.expiredWaivers ?? []) out.push(`- ⚠️ ${mdText(expiredWaiverLine(w))}`);
  if (r.remediation && r.status === "fail") {
    out.push("", "**Fix:**", "", ...codeBlock(escapeLines(r.remediation)));
  }
  out.push("", "</details>");
  return out;
}

/** A fenced code block for any text: the fence is longer than every backtick run inside. */
function codeBlock(s: string, info = "text"): string[] {
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return [`${fence}${info}`, s, fence];
}

function section(img: ImageReport): string[] {
  const verdict = img.error ? "❌ not checked" : img.passed ? "✅ passed" : "❌ failed";
  const out = [`### ${verdict}: ${mdCode(img.reference)}`, ""];
  const meta = [img.digest ? mdCode(img.digest) : "", img.platform ? mdText(img.platform) : ""].filter(Boolean);
  out.push(`${meta.length ? `${meta.join(" · ")} · ` : ""}${mdText(countsPhrase(img.counts, expiredWaiverCount(img.results)))}`, "");
  if (img.runtime) out.push(`Runtime: ${mdText(runtimePhrase(img.runtime))}`, "");
  if (img.error) out.push(`**Could not be read:** ${mdText(img.error)}`, "");
  const t = table(img);
  if (t.length) out.push(...t, "");
  const g = groupResults(img.results);
  for (const r of [...g.fail, ...g.waived]) out.push(...details(r), "");
  return out;
}

/** The report as Markdown, ending in a newline. */
export function renderMarkdown(report: Report): string {
  const out = [`## imgpolicy: ${report.passed ? "✅" : "❌"} ${mdText(overallSummary(report))}`, ""];
  const policies = report.policies.length ? report.policies.map((p) => mdCode(p)).join(", ") : "none";
  out.push(`Policies: ${policies} · fails on ${report.failOn} and above`, "");
  for (const img of report.images) out.push(...section(img));
  return out.join("\n").replace(/\n+$/, "") + "\n";
}
