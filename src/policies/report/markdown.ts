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

/**
 * The table lists failed and waived rules. Passed and not-applicable rules are one
 * count each per image unless asked for: that keeps a release of 20 images under
 * GitHub's 65,536-character limit for a comment.
 */
export interface MarkdownOptions {
  /** List not-applicable rules in the table (`--show-skipped`). */
  showSkipped?: boolean;
  /** List passed rules in the table (`--verbose`). */
  showPassed?: boolean;
  /**
   * The most characters to write (default 65,536, GitHub's comment limit, which step
   * summaries share per step): past it, the <details> of the later images are left out,
   * with a line saying so. The tables and counts of every image stay.
   */
  maxLength?: number;
}

export const GITHUB_COMMENT_LIMIT = 65_536;

function table(img: ImageReport, opts: MarkdownOptions): string[] {
  const g = groupResults(img.results);
  const rows = [...g.fail, ...g.waived, ...(opts.showSkipped ? g.skip : []), ...(opts.showPassed ? g.pass : [])].map((r) => {
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

/** A rule's <details>; its fix is written once per report (`fixes` holds the rules whose fix is already above). */
function details(r: RuleResult, fixes: Set<string>): string[] {
  const count = r.findings.length;
  const summary = `<summary><b>${html(r.rule)}</b> ${html(r.title)} (${r.severity}, ${STATUS_LABEL[r.status]}, ${count} ${count === 1 ? "finding" : "findings"})</summary>`;
  const out = ["<details>", summary, ""];
  for (const f of [...r.findings].sort((a, b) => Number(!!a.waivedBy) - Number(!!b.waivedBy))) out.push(...findingItem(f));
  for (const w of r.expiredWaivers ?? []) out.push(`- ⚠️ ${mdText(expiredWaiverLine(w))}`);
  if (r.remediation && r.status === "fail") {
    if (fixes.has(r.rule)) out.push("", `**Fix:** as for ${mdCode(r.rule)} above.`);
    else out.push("", "**Fix:**", "", ...codeBlock(escapeLines(r.remediation)));
    fixes.add(r.rule);
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

const rules = (n: number) => `${n} ${n === 1 ? "rule" : "rules"}`;

/** "✅ 40 rules passed (`--verbose` lists them) · ➖ 19 rules not applicable (`--show-skipped` lists them)", for what the table leaves out. */
function folded(img: ImageReport, opts: MarkdownOptions): string | undefined {
  const g = groupResults(img.results);
  const parts: string[] = [];
  if (!opts.showPassed && g.pass.length) parts.push(`${STATUS_ICON.pass} ${rules(g.pass.length)} passed (\`--verbose\` lists them)`);
  if (!opts.showSkipped && g.skip.length) parts.push(`${STATUS_ICON.skip} ${rules(g.skip.length)} not applicable (\`--show-skipped\` lists them)`);
  return parts.length ? parts.join(" · ") : undefined;
}

/** One image: heading, counts, table; then the <details> of its failed and waived rules, or (`fixes` undefined) a line saying they were left out. */
function section(img: ImageReport, opts: MarkdownOptions, fixes: Set<string> | undefined): string[] {
  const verdict = img.error ? "❌ not checked" : img.passed ? "✅ passed" : "❌ failed";
  const out = [`### ${verdict}: ${mdCode(img.reference)}`, ""];
  const meta = [img.digest ? mdCode(img.digest) : "", img.platform ? mdText(img.platform) : ""].filter(Boolean);
  out.push(`${meta.length ? `${meta.join(" · ")} · ` : ""}${mdText(countsPhrase(img.counts, expiredWaiverCount(img.results)))}`, "");
  if (img.runtime) out.push(`Runtime: ${mdText(runtimePhrase(img.runtime))}`, "");
  if (img.error) out.push(`**Could not be read:** ${mdText(img.error)}`, "");
  const t = table(img, opts);
  if (t.length) out.push(...t, "");
  const rest = folded(img, opts);
  if (rest) out.push(rest, "");
  const g = groupResults(img.results);
  const open = [...g.fail, ...g.waived];
  // loops, not push(...lines): a rule may have tens of thousands of findings, more arguments than the stack holds
  if (fixes) for (const r of open) for (const l of [...details(r, fixes), ""]) out.push(l);
  else if (open.length) out.push(`_The findings of these ${rules(open.length)} are left out to keep this under ${GITHUB_COMMENT_LIMIT.toLocaleString("en-US")} characters: the text, JUnit and SARIF reports have them._`, "");
  return out;
}

const size = (lines: readonly string[]): number => lines.reduce((n, l) => n + l.length + 1, 0);

/** The report as Markdown, ending in a newline. */
export function renderMarkdown(report: Report, opts: MarkdownOptions = {}): string {
  const out = [`## imgpolicy: ${report.passed ? "✅" : "❌"} ${mdText(overallSummary(report))}`, ""];
  const policies = report.policies.length ? report.policies.map((p) => mdCode(p)).join(", ") : "none";
  out.push(`Policies: ${policies} · fails on ${report.failOn} and above`, "");
  const limit = opts.maxLength ?? GITHUB_COMMENT_LIMIT;
  // Every image gets at least its table; details go in, in order, while the rest still fit.
  const short = report.images.map((img) => size(section(img, opts, undefined)));
  let used = size(out);
  let fixes = new Set<string>();
  report.images.forEach((img, i) => {
    const reserve = short.slice(i + 1).reduce((a, b) => a + b, 0);
    const tried = new Set(fixes);
    const full = section(img, opts, tried);
    const pick = used + size(full) + reserve < limit ? full : section(img, opts, undefined);
    if (pick === full) fixes = tried;
    used += size(pick);
    for (const l of pick) out.push(l);
  });
  return out.join("\n").replace(/\n+$/, "") + "\n";
}
