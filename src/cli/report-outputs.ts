/**
 * Where `imgpolicy check` sends its report: each `--format FORMAT[=FILE]` rendered and
 * written. Standard output first, then the files (their directories made as needed),
 * so that the verdict is printed before a file that cannot be written is reported.
 * When every format goes to a file, one summary line goes to stderr. The JSON report is
 * written in pieces as it is rendered (renderJsonChunks), never held whole.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { causeText, UsageError } from "../errors.js";
import type { Report } from "../policies/report-types.js";
import { overallSummary } from "../policies/report/common.js";
import { FORMATS, render, type Format } from "../policies/report/index.js";
import { renderJsonChunks } from "../policies/report/json.js";
import { RULES } from "../policies/rules/index.js";
import { escapeText } from "../text/escape.js";
import { messageLine } from "./exit-code.js";
import type { Io } from "./main.js";

export interface Output {
  format: Format;
  file?: string;
}

/** The --format and --output flags, checked before anything runs: an unknown format, two formats to one file, two to stdout are usage errors. */
export function parseOutputs(formats: string[] | undefined, output: string | undefined, cwd = process.cwd()): Output[] {
  const list = formats?.length ? formats : ["text"];
  const outs = list.map((f): Output => {
    const eq = f.indexOf("=");
    const name = eq < 0 ? f : f.slice(0, eq);
    const file = eq < 0 ? undefined : f.slice(eq + 1);
    if (!(FORMATS as readonly string[]).includes(name)) {
      throw new UsageError(`unknown format '${name}': expected one of ${FORMATS.join(", ")}`);
    }
    if (file === "") throw new UsageError(`--format ${name}=: name a file after '='`);
    return file ? { format: name as Format, file } : { format: name as Format };
  });
  if (output) {
    const target = outs.find((o) => !o.file);
    if (!target) throw new UsageError("--output names a file, but every --format already has one (FORMAT=FILE)");
    target.file = output;
  }
  if (outs.filter((o) => !o.file).length > 1) {
    throw new UsageError("only one format can go to standard output: give the others a file (--format junit=report.xml)");
  }
  const seen = new Map<string, Output>();
  for (const o of outs) {
    if (!o.file) continue;
    const key = resolve(cwd, o.file);
    const before = seen.get(key);
    if (before) throw new UsageError(`--format ${before.format} and --format ${o.format} both write ${o.file}: give each its own file`);
    seen.set(key, o);
  }
  return outs;
}

export interface EmitOptions {
  /** Colour for text on standard output. */
  color: boolean;
  verbose: boolean;
  /** --quiet: failures only, and no summary line when everything passed. */
  quiet: boolean;
  showSkipped: boolean;
  /** The Dockerfile the images were built from, for SARIF and Code Quality locations. */
  dockerfile?: string;
  /** Adds to a rendered format (the release gate's summary table); not called for JSON, which is written as it is rendered. */
  decorate?: (format: Format, text: string, color: boolean) => string;
}

/** Writes every output; returns false when a file could not be written (each said on stderr, one line). */
export async function emitReport(report: Report, outputs: readonly Output[], opts: EmitOptions, io: Io): Promise<boolean> {
  const text = (o: Output, color: boolean) => {
    const out = render(o.format, report, {
      color,
      verbose: opts.verbose,
      failuresOnly: opts.quiet,
      showSkipped: opts.showSkipped,
      rules: RULES,
      baseDir: process.cwd(),
      ...(opts.dockerfile !== undefined ? { dockerfile: opts.dockerfile } : {}),
    });
    if (opts.quiet && o.format === "text" && out === "") return out;
    return opts.decorate ? opts.decorate(o.format, out, color) : out;
  };
  /** What is written: JSON a piece at a time, the other formats whole. */
  const pieces = (o: Output, color: boolean): Iterable<string> => (o.format === "json" ? renderJsonChunks(report) : [text(o, color)]);
  for (const o of outputs) if (!o.file) for (const piece of pieces(o, opts.color)) io.stdout(piece);
  const failed: string[] = [];
  const written: string[] = [];
  for (const o of outputs) {
    if (!o.file) continue;
    try {
      await mkdir(dirname(o.file), { recursive: true });
      await writeFile(o.file, pieces(o, false));
      written.push(o.file);
    } catch (err) {
      failed.push(`cannot write the ${o.format} report to ${o.file}: ${causeText(err)}`);
    }
  }
  if (outputs.every((o) => o.file) && !(opts.quiet && report.passed)) {
    io.stderr(`${escapeText(overallSummary(report))}${written.length ? ` (report${written.length === 1 ? "" : "s"}: ${written.map(escapeText).join(", ")})` : ""}\n`);
  }
  for (const f of failed) io.stderr(`${messageLine(f)}\n`);
  return failed.length === 0;
}
