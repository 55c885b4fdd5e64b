/**
 * How `check` and `report merge` finish: the report in every format asked for (a gate's
 * text and Markdown with their summary table), its warnings and the images that could not
 * be read on stderr, and the exit status (2 when an output could not be written).
 */
import { exitStatus } from "../policies/check.js";
import type { Report } from "../policies/report-types.js";
import { decorateGate } from "./commands/check-from-summary.js";
import { parseColorMode, useColor } from "./color.js";
import { EXIT_USAGE, messageLine } from "./exit-code.js";
import type { Io } from "./main.js";
import { emitReport, type parseOutputs } from "./report-outputs.js";
import { printWarnings } from "./report-warnings.js";

export interface RenderFlags {
  verbose?: boolean;
  quiet?: boolean;
  showSkipped?: boolean;
  color?: string;
}

export async function renderReport(report: Report, outputs: ReturnType<typeof parseOutputs>, flags: RenderFlags, io: Io, dockerfile?: string): Promise<number> {
  const color = useColor(parseColorMode(flags.color), process.env, io.isTTY);
  const opts = {
    color,
    verbose: Boolean(flags.verbose),
    quiet: Boolean(flags.quiet),
    showSkipped: Boolean(flags.showSkipped),
    ...(dockerfile !== undefined ? { dockerfile } : {}),
    ...(report.gate ? { decorate: decorateGate(report) } : {}),
  };
  const written = await emitReport(report, outputs, opts, io);
  printWarnings(report, io, Boolean(flags.quiet));
  for (const i of report.images) if (i.error) io.stderr(`${messageLine(i.error)}\n`);
  return written ? exitStatus(report) : EXIT_USAGE;
}
