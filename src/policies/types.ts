/**
 * The policy model: rules judge facts and return findings; a policy chooses rules,
 * severities, options and waivers; evaluation turns facts + policy into a report.
 */
import type { Facts } from "../inspect/facts/types.js";

export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher is worse. */
export function severityRank(s: Severity): number {
  return SEVERITIES.length - SEVERITIES.indexOf(s);
}

export type RuleCategory = "binary" | "config" | "users" | "filesystem" | "certificates" | "size" | "files" | "runtime" | "dockerfile";

/** Where a finding points. */
export interface Location {
  /** Path inside the image. */
  path?: string;
  /** Layer index (0 = bottom) that introduced it. */
  layer?: number;
  /** Config field, e.g. "User", "Env.API_TOKEN", "Labels". */
  config?: string;
  /** Dockerfile path and line, when a Dockerfile is known. */
  dockerfile?: { file: string; line: number };
}

export interface Finding {
  /** One sentence: what is wrong, where. */
  message: string;
  location?: Location;
  expected?: string;
  found?: string;
}

export type RuleOutcome =
  | { status: "pass" }
  | { status: "fail"; findings: Finding[] }
  /** The rule's input is absent: "not applicable", which is not a pass. */
  | { status: "skip"; reason: string };

/** A JSON Schema (draft 2020-12 subset ajv understands) for a rule's options. */
export type JsonSchema = Record<string, unknown>;

/** The options schema of a rule that takes no options. */
export const NO_OPTIONS: JsonSchema = { type: "object", properties: {}, additionalProperties: false };

export interface Rule<O extends object = Record<string, unknown>> {
  /** Stable id, e.g. "IMG-USER-001". Never reused. */
  id: string;
  title: string;
  category: RuleCategory;
  severity: Severity;
  /** What the rule checks. */
  description: string;
  /** Why it matters. */
  rationale: string;
  /** CIS Docker Benchmark item, e.g. "4.1", where there is one. */
  cis?: string;
  /** How to fix it; includes the Dockerfile line to write where there is one. */
  remediation: string;
  /** Off unless a policy enables it (rules that need options to mean anything). */
  optIn?: boolean;
  optionsSchema: JsonSchema;
  defaultOptions: O;
  check(facts: Facts, options: O): RuleOutcome;
  /**
   * Paths inside the image whose probes (`facts.files`: existence, mode, owner and,
   * for regular files up to 1 MiB, content) this rule judges under these options.
   * The inspector probes the union over the enabled rules; `check` then reads
   * `facts.files[path]` keyed by the path exactly as returned here.
   */
  files?(options: O): string[];
  /**
   * Directories whose files the search for token formats may leave out under these
   * options (`facts.filesystem.secretContents`). With several enabled rules saying so, a
   * directory is left out only when all of them leave it out; with none, the inspector's
   * default (distribution data, token-search-scope.ts).
   */
  tokenSkipDirs?(options: O): string[];
  /**
   * A policy's own secret files under these options (user-secret-files.ts): the inspector
   * matches the union over the enabled rules over every path of the final filesystem and
   * of the layers, and lists the matches in `filesystem.secretFiles` and `deletedSecrets`
   * with the kinds `user-file` and `user-extension`.
   */
  userSecretFiles?(options: O): { files: string[]; extensions: string[] };
  /**
   * A policy's own secret key names and value patterns under these options: the inspector
   * redacts the texts it keeps from the config (the build history) for the union over the
   * enabled rules, and lists what they find in the history (`image.historySecrets`).
   */
  userSecrets?(options: O): { names: string[]; patterns: string[] };
  /**
   * Where these options hold user patterns: each as its path inside `options` and its
   * kind. The loader checks each (user-regex.ts, user-glob.ts) so that a pattern
   * imgpolicy would refuse is a policy error at file:line:col, not a finding.
   */
  patterns?(options: O): UserPatternRef[];
}

/** A pattern in a rule's options: `path` leads from `options` to the string. */
export interface UserPatternRef {
  path: (string | number)[];
  kind: "regex" | "glob";
}

/** Any rule, whatever its options type (for registries and lists). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRule = Rule<any>;

/** Helpers for rule authors. */
export const pass = (): RuleOutcome => ({ status: "pass" });
export const skip = (reason: string): RuleOutcome => ({ status: "skip", reason });
export const fail = (...findings: Finding[]): RuleOutcome => ({ status: "fail", findings });
export const failIf = (findings: Finding[]): RuleOutcome => (findings.length ? { status: "fail", findings } : { status: "pass" });
