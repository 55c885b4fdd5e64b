/**
 * `imgpolicy report merge A.json B.json … [--format FORMAT[=FILE]]…`: JSON reports
 * (the shards of a `check --from --shard` gate, or separate `check` runs) joined into
 * one report by the library's mergeReports() and rendered in every format `check`
 * writes, as `check` writes them (a gate's text and Markdown keep their summary table).
 * Exit status: the merged verdict's, as `check`'s would be (0 passed, 1 failed, 2 an
 * image could not be read); 2 for an input that cannot be merged.
 */
import { mergeReports } from "../../policies/check-merge.js";
import type { Io } from "../main.js";
import { renderReport, type RenderFlags } from "../render-report.js";
import { parseOutputs } from "../report-outputs.js";

export interface ReportMergeFlags extends RenderFlags {
  format?: string[];
  output?: string;
}

export async function runReportMerge(files: string[], flags: ReportMergeFlags, io: Io): Promise<number> {
  const outputs = parseOutputs(flags.format, flags.output);
  return renderReport(await mergeReports(files), outputs, flags, io);
}
