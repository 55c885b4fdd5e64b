/** Policies as written (files) and as resolved (extends applied, ready to evaluate). */
import type { Waiver } from "./report-types.js";
import type { CommandTestSpec } from "../runtime/command-tests.js";
import type { Severity } from "./types.js";
import { escapeText } from "../text/escape.js";

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
  /** What the description promises to block: claim (a phrase of the description) → the rules that enforce it (policy-promises.ts). */
  promises?: Record<string, string[]>;
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

/**
 * `file:line:col: message`; a problem with no position (line 0: a file that could not
 * be read, an unknown name) is its message alone, which names the file.
 */
export function formatProblem(p: PolicyProblem): string {
  return p.line > 0 ? `${p.file}:${p.line}:${p.col}: ${p.message}` : p.message;
}

/** What a key in a policy looks like: rule ids, option names, label keys. */
const KEY_SHAPE = /^[A-Za-z0-9_.\/@-]{1,64}$/;

/**
 * A key from a policy, as a message names it. A key that does not look like one (a
 * line of /etc/shadow read as YAML is one long key: `root:$6$…:19000::`) is not shown,
 * only its length: the file may not be a policy at all, and its lines are secrets.
 */
export function shownKey(key: string): string {
  return KEY_SHAPE.test(key) ? `'${key}'` : `(not shown: ${key.length} characters that do not look like a policy key; is this a policy file?)`;
}

/**
 * Text from a policy (a name, a path) as a message quotes it: escaped (control
 * and invisible characters as \x.. escapes), cut at `max` characters, in quotes.
 * A policy may be any file, so what it holds is hostile text.
 */
export function shownText(s: string, max = 64, quote = true): string {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  const text = escapeText(cut);
  return quote ? `'${text}'` : text;
}
