/**
 * Recognises values that are credentials by their shape alone (vendor token
 * prefixes, PEM private keys, URLs with a password), and redacts values for
 * display.
 */

import { detectToken, SECRET_DETECTORS } from "./secret-detectors.js";

export interface TokenPattern {
  kind: string;
  label: string;
  pattern: RegExp;
}

/** The detectors' patterns (secret-detectors.ts, the one place the formats are defined). */
export const TOKEN_PATTERNS: readonly TokenPattern[] = SECRET_DETECTORS.map(({ kind, label, pattern }) => ({ kind, label, pattern }));

export interface SecretValueMatch {
  /** Stable id, e.g. `aws-access-key-id`. */
  kind: string;
  /** Human-readable, e.g. `an AWS access key id`. */
  label: string;
}

/** The first credential format the value holds (placeholders and examples aside: secret-placeholders.ts), or undefined. */
export function secretValueKind(value: string): SecretValueMatch | undefined {
  const hit = detectToken(value);
  return hit ? { kind: hit.kind, label: hit.label } : undefined;
}

/**
 * A display form of a secret: at most the first two characters and `…`.
 * Shorter values reveal less (one character below 8, none below 4) so that
 * the prefix never gives away a meaningful share of the secret.
 */
export function redact(value: string): string {
  if (value === "") return "";
  const chars = Array.from(value);
  const keep = chars.length >= 8 ? 2 : chars.length >= 4 ? 1 : 0;
  return chars.slice(0, keep).join("") + "…";
}
