/**
 * The reporters of `imgpolicy check`: pure functions from a Report to a string. They
 * only render; whether the check passed, and the exit status, are decided elsewhere.
 */
import type { Report } from "../report-types.js";
import { renderJson } from "./json.js";
import { renderJunit } from "./junit.js";
import { renderMarkdown } from "./markdown.js";
import type { SarifRuleInfo } from "./sarif.js";
import { renderSarif } from "./sarif.js";
import { renderText } from "./text.js";

export type Format = "text" | "json" | "junit" | "sarif" | "markdown";

export const FORMATS: readonly Format[] = ["text", "json", "junit", "sarif", "markdown"];

export const isFormat = (s: string): s is Format => (FORMATS as readonly string[]).includes(s);

/** The usual file extension of each format, for naming output files. */
export const FORMAT_EXTENSIONS: Record<Format, string> = { text: "txt", json: "json", junit: "xml", sarif: "sarif", markdown: "md" };

export interface RenderOptions {
  /** text: ANSI colours (the CLI passes `isTTY`). Default false. */
  color?: boolean;
  /** text: also list passed and not-applicable rules. */
  verbose?: boolean;
  /** sarif: `tool.driver.informationUri`. */
  informationUri?: string;
  /** sarif: rule descriptions for `fullDescription` (from the rule registry). */
  rules?: readonly SarifRuleInfo[];
}

export function render(format: Format, report: Report, opts: RenderOptions = {}): string {
  switch (format) {
    case "text":
      return renderText(report, { color: opts.color ?? false, verbose: opts.verbose });
    case "json":
      return renderJson(report);
    case "junit":
      return renderJunit(report);
    case "sarif":
      return renderSarif(report, { informationUri: opts.informationUri, rules: opts.rules });
    case "markdown":
      return renderMarkdown(report);
  }
}

export { renderJson, renderJunit, renderMarkdown, renderSarif, renderText };
export type { SarifOptions, SarifRuleInfo } from "./sarif.js";
export type { TextOptions } from "./text.js";
