/**
 * The reporters of `imgpolicy check`: pure functions from a Report to a string. They
 * only render; whether the check passed, and the exit status, are decided elsewhere.
 */
import type { Report } from "../report-types.js";
import { renderCodeQuality } from "./codequality.js";
import { renderJson } from "./json.js";
import { renderJunit } from "./junit.js";
import { renderMarkdown } from "./markdown.js";
import type { SarifRuleInfo } from "./sarif.js";
import { renderSarif } from "./sarif.js";
import { renderText } from "./text.js";

export type Format = "text" | "json" | "junit" | "sarif" | "markdown" | "codequality";

export const FORMATS: readonly Format[] = ["text", "json", "junit", "sarif", "markdown", "codequality"];

export const isFormat = (s: string): s is Format => (FORMATS as readonly string[]).includes(s);

/** The usual file extension of each format, for naming output files. */
export const FORMAT_EXTENSIONS: Record<Format, string> = { text: "txt", json: "json", junit: "xml", sarif: "sarif", markdown: "md", codequality: "json" };

export interface RenderOptions {
  /** text: ANSI colours (the CLI passes `isTTY`). Default false. */
  color?: boolean;
  /** text: also list passed and not-applicable rules; markdown: list passed rules. */
  verbose?: boolean;
  /** text: only the images that failed, their failed rules, and the overall line when the report failed (`--quiet`). */
  failuresOnly?: boolean;
  /** markdown, junit: list not-applicable rules one by one (markdown folds them into a count; junit leaves them out). */
  showSkipped?: boolean;
  /** sarif, codequality: the directory file locations are relative to (the working directory). */
  baseDir?: string;
  /** sarif, codequality: the Dockerfile the images were built from, a stand-in location for findings without a line of it. */
  dockerfile?: string;
  /** sarif: `tool.driver.informationUri`. */
  informationUri?: string;
  /** sarif: rule descriptions for `fullDescription` (from the rule registry). */
  rules?: readonly SarifRuleInfo[];
}

export function render(format: Format, report: Report, opts: RenderOptions = {}): string {
  switch (format) {
    case "text":
      return renderText(report, { color: opts.color ?? false, verbose: opts.verbose, failuresOnly: opts.failuresOnly });
    case "json":
      return renderJson(report);
    case "junit":
      return renderJunit(report, { showSkipped: opts.showSkipped });
    case "sarif":
      return renderSarif(report, { informationUri: opts.informationUri, rules: opts.rules, ...artifacts(opts) });
    case "markdown":
      return renderMarkdown(report, { showSkipped: opts.showSkipped, showPassed: opts.verbose });
    case "codequality":
      return renderCodeQuality(report, artifacts(opts));
  }
}

const artifacts = (o: RenderOptions) => ({ ...(o.baseDir !== undefined ? { baseDir: o.baseDir } : {}), ...(o.dockerfile !== undefined ? { dockerfile: o.dockerfile } : {}) });

export { renderCodeQuality, renderJson, renderJunit, renderMarkdown, renderSarif, renderText };
export type { CodeQualityIssue, CodeQualityOptions } from "./codequality.js";
export type { SarifOptions, SarifRuleInfo } from "./sarif.js";
export type { TextOptions } from "./text.js";
