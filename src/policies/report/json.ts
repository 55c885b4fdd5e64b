/**
 * The report as JSON (schema `imgpolicy/report@1`, described in docs/report.md and
 * schema/report.schema.json): the Report object as is, pretty-printed.
 */
import { escapeJson } from "../../text/escape.js";
import type { Report } from "../report-types.js";

/**
 * Two-space indented JSON ending in a newline. Values are exact; JSON.stringify escapes
 * C0 controls, and escapeJson the DEL, C1, bidi and invisible characters it leaves raw,
 * so the document is safe to print on a terminal too.
 */
export function renderJson(report: Report): string {
  return escapeJson(JSON.stringify(report, null, 2)) + "\n";
}
