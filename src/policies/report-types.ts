/**
 * The report: what `imgpolicy check` found, for one or many images.
 * JSON reporters print it as is (schema `imgpolicy/report@1`, see docs/report.md).
 */
import type { Finding, RuleCategory, Severity } from "./types.js";

export const REPORT_SCHEMA = "imgpolicy/report@1";

export type ResultStatus = "pass" | "fail" | "skip" | "waived";

export interface Waiver {
  rule: string;
  /** Glob over finding paths; absent = every finding of the rule. */
  path?: string;
  /** Glob over image references; absent = every image. */
  image?: string;
  reason: string;
  /** ISO date (YYYY-MM-DD); the waiver stops applying after this day. */
  expires?: string;
  /** Where the waiver was written (file:line). */
  source?: string;
}

export interface ReportedFinding extends Finding {
  /** Set when a waiver covers this finding. */
  waivedBy?: Waiver;
}

export interface RuleResult {
  rule: string;
  title: string;
  category: RuleCategory;
  /** Effective severity (policy override or the rule's default). */
  severity: Severity;
  /**
   * pass: checked, nothing found; fail: findings not all waived; waived: every finding
   * is waived; skip: not applicable (input absent), with `reason`.
   */
  status: ResultStatus;
  findings: ReportedFinding[];
  reason?: string;
  remediation: string;
  /** Waivers for this rule that had expired and so did not apply. */
  expiredWaivers?: Waiver[];
}

export interface Counts {
  pass: number;
  fail: number;
  skip: number;
  waived: number;
  /** Failed rules by severity. */
  failedBySeverity: Record<Severity, number>;
}

/** What running the image showed, in figures (`imgpolicy check --runtime`); the runtime rules judge it. */
export interface RuntimeFigures {
  /** "ran", or "not-run" with `reason` (no container engine, image not loadable…). */
  status: "ran" | "not-run";
  reason?: string;
  /** How health was judged: http, tcp, healthcheck, log or running. */
  healthMethod?: "http" | "tcp" | "healthcheck" | "log" | "running";
  healthy?: boolean;
  /** Milliseconds from start to healthy. */
  timeToHealthyMs?: number;
  /** Peak memory in bytes seen through the engine's stats. */
  peakMemoryBytes?: number;
  /** Milliseconds from the stop signal to exit. */
  timeToStopMs?: number;
  /** The exit code after the stop signal. */
  stopExitCode?: number;
  /** True when it did not exit within the grace period and was killed. */
  killed?: boolean;
  /** Set when the container exited on its own (crash, exit at once). */
  exitCode?: number;
}

export interface ImageReport {
  reference: string;
  digest?: string;
  id?: string;
  platform?: string;
  /** Set when the image could not be read: no results then. */
  error?: string;
  results: RuleResult[];
  counts: Counts;
  /** True when no finding at or above the threshold is left unwaived. */
  passed: boolean;
  /** Set when the image was run (`--runtime`, `--runtime-only`), or was to be run and could not be. */
  runtime?: RuntimeFigures;
}

export interface Report {
  schema: typeof REPORT_SCHEMA;
  tool: { name: "imgpolicy"; version: string };
  /** Policy names or files, in the order given. */
  policies: string[];
  /** The severity at or above which a finding fails the check. */
  failOn: Severity;
  generatedAt: string;
  images: ImageReport[];
  counts: Counts;
  passed: boolean;
}
