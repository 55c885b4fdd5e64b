/** Policies as written (files) and as resolved (extends applied, ready to evaluate). */
import type { Waiver } from "./report-types.js";
import type { CommandTestSpec } from "../runtime/command-tests.js";
import type { Severity } from "./types.js";

/** A rule entry as written: a severity, "off"/"on", or an object. */
export type RuleEntry =
  | Severity
  | "off"
  | "on"
  | { enabled?: boolean; severity?: Severity; options?: Record<string, unknown> };

export interface PolicyFile {
  $schema?: string;
  /** Shipped policy names or file paths (relative to this file). */
  extends?: string | string[];
  description?: string;
  failOn?: Severity;
  rules?: Record<string, RuleEntry>;
  waivers?: Waiver[];
  /** Runtime section (issue 5): accepted and kept, not evaluated yet. */
  runtime?: Record<string, unknown>;
}

export interface ResolvedRule {
  enabled: boolean;
  severity?: Severity;
  options?: Record<string, unknown>;
  /** Where the entry was last set (file:line), for messages. */
  source?: string;
}

export interface ResolvedPolicy {
  /** The names/files the policy was built from, outermost last. */
  sources: string[];
  failOn: Severity;
  rules: Record<string, ResolvedRule>;
  waivers: Waiver[];
  runtime?: Record<string, unknown>;
  /** Set when the policy came from a container-structure-test config: its commandTests, run by the runtime probe. */
  cst?: { commandTests: CommandTestSpec[] };
}

export interface PolicyProblem {
  file: string;
  line: number;
  col: number;
  message: string;
}

export function formatProblem(p: PolicyProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`;
}
