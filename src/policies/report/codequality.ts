/**
 * The report as a GitLab Code Quality report (`artifacts:reports:codequality`): a JSON
 * array with one issue per unwaived finding, placed as the SARIF results are (the
 * Dockerfile line, else the image's stand-in file at line 1: artifact-location.ts).
 * Waived findings, passed and not-applicable rules have no issue: Code Quality has no
 * way to show a suppression.
 */
import type { Report } from "../report-types.js";
import type { Severity } from "../types.js";
import { escapeJson } from "../../text/escape.js";
import { findingArtifact, type ArtifactOptions } from "./artifact-location.js";
import { fingerprints } from "./finding-fingerprint.js";
import { messageText } from "./sarif.js";

export type CodeQualitySeverity = "info" | "minor" | "major" | "critical" | "blocker";

/** Our five severities onto GitLab's five, in order. */
export const CODE_QUALITY_SEVERITY: Record<Severity, CodeQualitySeverity> = { critical: "blocker", high: "critical", medium: "major", low: "minor", info: "info" };

export interface CodeQualityIssue {
  description: string;
  check_name: string;
  fingerprint: string;
  severity: CodeQualitySeverity;
  location: { path: string; lines: { begin: number } };
}

export type CodeQualityOptions = ArtifactOptions;

export function codeQualityIssues(report: Report, opts: CodeQualityOptions = {}): CodeQualityIssue[] {
  const issues: CodeQualityIssue[] = [];
  for (const img of report.images) {
    for (const r of img.results) {
      const prints = fingerprints(img, r);
      r.findings.forEach((f, n) => {
        if (f.waivedBy) return;
        const spot = findingArtifact(img, f, report, opts);
        issues.push({
          description: `${r.rule} ${messageText(img, f)}`,
          check_name: r.rule,
          fingerprint: prints[n]!,
          severity: CODE_QUALITY_SEVERITY[r.severity],
          location: { path: spot.path, lines: { begin: spot.line } },
        });
      });
    }
  }
  return issues;
}

/** The issues as a JSON array, pretty-printed, ending in a newline; values exact, invisible characters as \u escapes. */
export function renderCodeQuality(report: Report, opts: CodeQualityOptions = {}): string {
  return escapeJson(JSON.stringify(codeQualityIssues(report, opts), null, 2)) + "\n";
}
