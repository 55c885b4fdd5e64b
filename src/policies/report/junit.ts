/**
 * The report as JUnit XML, the format CI servers (Jenkins, GitLab, Azure, GitHub test
 * reporters) show as test results: one <testsuite> per image, one <testcase> per rule.
 * A failed rule is a <failure> whose type is the severity; a not-applicable rule is
 * <skipped>; a waived rule passes, with a <system-out> note; an image that could not
 * be read is one testcase with an <error>.
 */
import type { ImageReport, Report, ReportedFinding, RuleResult } from "../report-types.js";
import { expiredWaiverLine, groupResults, imageSummary, locationParts, unwaived, waived, waiverLine } from "./common.js";
import { escapeLines, escapeText } from "../../text/escape.js";

/**
 * Characters XML 1.0 cannot carry at all, not even as &#N; references: C0 controls
 * other than tab, LF and CR, lone surrogates, U+FFFE and U+FFFF. They are written as
 * visible escapes ("\x1b") so that the document stays well-formed.
 */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function legal(s: string): string {
  return s.replace(NOT_XML, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`.replace(/^\\u00/, "\\x"));
}

/** Text content: &, < and > escaped (> too, so that "]]>" never appears). */
export function xmlText(s: string): string {
  return legal(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** An attribute value in double quotes; tab, LF and CR as references so parsers keep them. */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, "&quot;").replace(/'/g, "&apos;").replace(/\t/g, "&#9;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;");
}

function element(name: string, attrs: Record<string, string | number | undefined>, body?: string): string {
  const a = Object.entries(attrs)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttr(escapeText(String(v)))}"`)
    .join("");
  return body === undefined ? `<${name}${a}/>` : `<${name}${a}>${body}</${name}>`;
}

/** One finding as plain text lines; every value on one line, so none can forge another. */
function findingText(f: ReportedFinding): string {
  const lines = [`- ${escapeText(f.message)}`];
  const where = locationParts(f.location);
  if (where.length) lines.push(`  where: ${where.map(escapeText).join(", ")}`);
  if (f.expected !== undefined) lines.push(`  expected: ${escapeText(f.expected)}`);
  if (f.found !== undefined) lines.push(`  found: ${escapeText(f.found)}`);
  if (f.waivedBy) lines.push(`  ${escapeText(waiverLine(f.waivedBy))}`);
  return lines.join("\n");
}

function failureBody(r: RuleResult): string {
  const parts = [...unwaived(r), ...waived(r)].map(findingText);
  for (const w of r.expiredWaivers ?? []) parts.push(`! ${escapeText(expiredWaiverLine(w))}`);
  if (r.remediation) parts.push(`fix: ${escapeLines(r.remediation)}`);
  return parts.join("\n");
}

function failureMessage(r: RuleResult): string {
  const open = unwaived(r);
  const first = open[0] ?? r.findings[0];
  if (!first) return r.title;
  return open.length > 1 ? `${first.message} (and ${open.length - 1} more)` : first.message;
}

function testcase(img: ImageReport, r: RuleResult): string {
  const attrs = { classname: img.reference, name: `${r.rule} ${r.title}`, time: "0" };
  let body: string | undefined;
  if (r.status === "fail") {
    body = element("failure", { message: failureMessage(r), type: r.severity }, xmlText(failureBody(r)));
  } else if (r.status === "skip") {
    body = element("skipped", { message: r.reason ?? "not applicable" });
  } else if (r.status === "waived") {
    const note = ["all findings waived", ...r.findings.map(findingText), ...(r.expiredWaivers ?? []).map((w) => `! ${escapeText(expiredWaiverLine(w))}`)].join("\n");
    body = element("system-out", {}, xmlText(note));
  }
  return `    ${element("testcase", attrs, body === undefined ? undefined : `\n      ${body}\n    `)}`;
}

interface SuiteCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

export interface JunitOptions {
  /** Not-applicable rules as <skipped> testcases; by default they are left out (a rule that did not apply is no test). */
  showSkipped?: boolean;
}

function suite(img: ImageReport, timestamp: string, showSkipped: boolean): { xml: string; counts: SuiteCounts } {
  const g = groupResults(img.results);
  const skipped = showSkipped ? g.skip : [];
  const ordered = [...g.fail, ...g.waived, ...skipped, ...g.pass];
  const cases = ordered.map((r) => testcase(img, r));
  if (img.error) {
    const err = element("error", { message: img.error, type: "image" }, xmlText(escapeText(img.error)));
    cases.unshift(`    ${element("testcase", { classname: img.reference, name: "read image", time: "0" }, `\n      ${err}\n    `)}`);
  }
  const counts: SuiteCounts = { tests: cases.length, failures: g.fail.length, errors: img.error ? 1 : 0, skipped: skipped.length };
  const props = [
    ["digest", img.digest],
    ["id", img.id],
    ["platform", img.platform],
    ["passed", String(img.passed)],
    ["summary", imageSummary(img)],
  ]
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([name, value]) => `      ${element("property", { name, value })}`);
  const attrs = { name: img.reference, ...counts, time: "0", timestamp };
  const body = `\n    <properties>\n${props.join("\n")}\n    </properties>\n${cases.join("\n")}\n  `;
  return { xml: `  ${element("testsuite", attrs, body)}`, counts };
}

/** The report as a JUnit XML document, ending in a newline. */
export function renderJunit(report: Report, opts: JunitOptions = {}): string {
  // JUnit timestamps have no zone designator (ISO 8601 local form, as Ant writes them).
  const timestamp = report.generatedAt.replace(/(\.\d+)?(Z|[+-]\d\d:\d\d)$/, "");
  const suites = report.images.map((img) => suite(img, timestamp, opts.showSkipped ?? false));
  const total = suites.reduce(
    (t, s) => ({ tests: t.tests + s.counts.tests, failures: t.failures + s.counts.failures, errors: t.errors + s.counts.errors, skipped: t.skipped + s.counts.skipped }),
    { tests: 0, failures: 0, errors: 0, skipped: 0 },
  );
  const root = element("testsuites", { name: "imgpolicy", ...total, time: "0" }, `\n${suites.map((s) => s.xml).join("\n")}\n`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root}\n`;
}
