/**
 * mergeReports() of the library (CLI: `imgpolicy report merge`): JSON reports joined into
 * one, the shards of a gate (check({ from, shard })) into the report of the whole list,
 * or separate checks one after the other (report/merge-reports.ts). Files are read
 * through the bounded report reader (report/read-report.ts); reports already in memory
 * are taken as they are, under the name given (or "report N"), and judged the same way.
 */
import { VERSION } from "../version.js";
import { mergeReports as merge, type NamedReport } from "./report/merge-reports.js";
import { readReports } from "./report/read-report.js";
import type { Report } from "./report-types.js";

/** A JSON report file, a report with the name messages call it by, or a report. */
export type MergeInput = string | NamedReport | Report;

const isNamed = (i: Exclude<MergeInput, string>): i is NamedReport => "report" in i && "file" in i;

/** The one report of the inputs, in order. Throws ReportInputError (a UsageError) for inputs that cannot be merged. */
export async function mergeReports(inputs: readonly MergeInput[]): Promise<Report> {
  const files = inputs.filter((i): i is string => typeof i === "string");
  const read = await readReports(files);
  let next = 0;
  const named = inputs.map((i, n): NamedReport => (typeof i === "string" ? read[next++]! : isNamed(i) ? i : { file: `report ${n + 1}`, report: i }));
  return merge(named, VERSION);
}
