/**
 * `imgpolicy report merge A.json B.json … [--format FORMAT[=FILE]]…`: JSON reports
 * (the shards of a `check --from --shard` gate, or separate `check` runs) joined into
 * one report and rendered in every format `check` writes, as `check` writes them (a
 * gate's text and Markdown keep their summary table). Exit status: the merged
 * verdict's, as `check`'s would be (0 passed, 1 failed, 2 an image could not be read);
 * 2 for an input that cannot be merged.
 */
import { exitStatus } from "../../policies/check.js";
import { mergeReports } from "../../policies/report/merge-reports.js";
import { readReports } from "../../policies/report/read-report.js";
import { VERSION } from "../../version.js";
import { parseColorMode, useColor } from "../color.js";
import { EXIT_USAGE, messageLine } from "../exit-code.js";
import type { Io } from "../main.js";
import { emitReport, parseOutputs } from "../report-outputs.js";
import { printWarnings } from "../report-warnings.js";
import { decorateGate } from "./check-from-summary.js";

export interface ReportMergeFlags {
  format?: string[];
  output?: string;
  verbose?: boolean;
  quiet?: boolean;
  showSkipped?: boolean;
  color?: string;
}

export async function runReportMerge(files: string[], flags: ReportMergeFlags, io: Io): Promise<number> {
  const outputs = parseOutputs(flags.format, flags.output);
  const color = useColor(parseColorMode(flags.color), process.env, io.isTTY);
  const inputs = await readReports(files);
  const report = mergeReports(inputs, VERSION);
  const opts = { color, verbose: Boolean(flags.verbose), quiet: Boolean(flags.quiet), showSkipped: Boolean(flags.showSkipped) };
  const written = await emitReport(report, outputs, report.gate ? { ...opts, decorate: decorateGate(report) } : opts, io);
  printWarnings(report, io, Boolean(flags.quiet));
  for (const i of report.images) if (i.error) io.stderr(`${messageLine(i.error)}\n`);
  return written ? exitStatus(report) : EXIT_USAGE;
}
