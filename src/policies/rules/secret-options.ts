/**
 * The options IMG-ENV-001 and IMG-HIST-007 share (not a rule): a policy's own secret
 * key names and value patterns, and the values it accepts by `sha256:` of the value (a
 * known false positive, named without writing it down; a waiver may name the same hash).
 */
import { keyNameMatcher } from "../../inspect/parsers/secret-env.js";
import { redactedForm } from "../../inspect/parsers/secret-detectors.js";
import { sha256Text } from "../../inspect/parsers/sha256-text.js";
import { compileUserRegex, showPattern, type UserRegex } from "../../text/user-regex.js";
import type { UserPatternRef } from "../types.js";

export interface SecretOptions {
  /** More key names that hold secrets: a key matches when its words hold the name's words (`INTERNAL_CODE` matches `APP_INTERNAL_CODE`). */
  names: string[];
  /** More value patterns (RE2, unanchored, under the guard of user-regex.ts). */
  patterns: string[];
  /** `sha256:<hex>` of values that are not secrets. */
  accept: string[];
}

export const SECRET_OPTION_PROPERTIES = {
  names: {
    type: "array",
    items: { type: "string", minLength: 1, maxLength: 200 },
    uniqueItems: true,
    description: "More key names that hold secrets (matched word by word, case-insensitively: INTERNAL_CODE matches APP_INTERNAL_CODE).",
  },
  patterns: {
    type: "array",
    items: { type: "string", minLength: 1 },
    uniqueItems: true,
    description: "More value patterns that are secrets (RE2 syntax, unanchored).",
  },
  accept: {
    type: "array",
    items: { type: "string", pattern: "^sha256:[0-9a-f]{64}$" },
    uniqueItems: true,
    description: "Values that are not secrets, by `sha256:` of the value (`printf %s VALUE | sha256sum`); findings print the hash to copy.",
  },
} as const;

export const SECRET_OPTION_DEFAULTS: SecretOptions = { names: [], patterns: [], accept: [] };

export function secretPatternRefs(options: Partial<SecretOptions>): UserPatternRef[] {
  return (options.patterns ?? []).map((_, i) => ({ path: ["patterns", i], kind: "regex" as const }));
}

/** The policy's own detectors, compiled once per check call. */
export interface ExtraDetectors {
  /** The name (as the policy wrote it) the key matches, or undefined. */
  name(key: string): string | undefined;
  /** The pattern (as shown) the value matches, or undefined. */
  pattern(value: string): string | undefined;
  accepted(sha256: string): boolean;
}

export function extraDetectors(options: Partial<SecretOptions>): ExtraDetectors {
  const name = keyNameMatcher(options.names ?? []);
  const res: { p: string; re: UserRegex }[] = [];
  for (const p of options.patterns ?? []) res.push({ p, re: compileUserRegex(p) }); // the loader refused bad ones already
  const accept = new Set(options.accept ?? []);
  return {
    name,
    pattern(value) {
      if (value === "") return undefined;
      const hit = res.find(({ re }) => re.test(value));
      return hit ? showPattern(hit.p) : undefined;
    },
    accepted: (sha) => accept.has(sha),
  };
}

/** The display form and hash of a value a policy's own detector found. */
export function extraFinding(value: string, kind: string): { redacted: string; sha256: string } {
  return { redacted: redactedForm(value, kind), sha256: sha256Text(value) };
}
