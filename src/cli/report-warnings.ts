/**
 * The report's warnings (unused, expiring and expired waivers) on stderr, one
 * `imgpolicy: warning: …` line each, whatever the formats: standard output keeps only the
 * report. `--quiet` leaves them out (they are in the JSON report's `warnings`).
 */
import type { Report } from "../policies/report-types.js";
import { messageLine } from "./exit-code.js";
import type { Io } from "./main.js";

export function printWarnings(report: Report, io: Io, quiet: boolean): void {
  if (quiet) return;
  for (const w of report.warnings ?? []) io.stderr(`${messageLine(`warning: ${w.message}`)}\n`);
}
