/**
 * The report as JSON (schema `imgpolicy/report@1`, described in docs/report.md and
 * report.schema.json beside this file): the Report object as is, pretty-printed.
 */
import type { Report } from "../report-types.js";

/** Two-space indented JSON ending in a newline. JSON escapes every control character. */
export function renderJson(report: Report): string {
  return JSON.stringify(report, null, 2) + "\n";
}
