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
  /** The Dockerfile the image was built from (`--dockerfile`, `--build`), as given: SARIF's and Code Quality's stand-in location. */
  dockerfile?: string;
  /** Set when the image could not be read: no results then. */
  error?: string;
  results: RuleResult[];
  counts: Counts;
  /** True when no finding at or above the threshold is left unwaived. */
  passed: boolean;
  /** Set when the image was run (`--runtime`, `--runtime-only`), or was to be run and could not be. */
  runtime?: RuntimeFigures;
}

/**
 * Something about the run that does not change the verdict but wants attention: a waiver
 * that matched no finding, one about to expire, one that has expired (src/policies/waiver-warnings.ts).
 */
export interface ReportWarning {
  kind: "waiver-unused" | "waiver-expiring" | "waiver-expired";
  /** One line, as `imgpolicy check` prints it on stderr (after "imgpolicy: warning: "). */
  message: string;
  /** The waiver as written in the policy. */
  waiver?: Waiver;
  /** For waiver-expiring and waiver-expired: whole days from today (UTC) to its last day (0: today; negative: past). */
  daysLeft?: number;
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
  /** Warnings about the policy's waivers in this run (unused, expiring, expired); absent when there are none. */
  warnings?: ReportWarning[];
  /** `check --from`: the list the report is of (report/gate-report.ts). */
  gate?: GateInfo;
}

/** One policy of a release gate's list: the policies as named, their threshold and their waivers. */
export interface GateGroup {
  policies: string[];
  failOn: Severity;
  waivers: Waiver[];
}

/** What `imgpolicy report merge` needs to join the reports of a gate's shards (docs/report.md). */
export interface GateInfo {
  /** The list file, as given to --from. */
  list: string;
  /** sha256 of the list file's bytes: the shards of one gate read the same list. */
  digest: string;
  /** How many images the list names. */
  images: number;
  /** Every policy of the list, in the order the list first names them. */
  groups: GateGroup[];
  /** --runtime-only: only the runtime rules ran. */
  runtimeOnly?: true;
  /** --ignore / IMGPOLICY_IGNORE: the rules ignored on every image, their ids sorted; absent when none. */
  ignore?: string[];
  /** --shard K/N: the report holds shard `index` of `count` only. */
  shard?: { index: number; count: number };
}
