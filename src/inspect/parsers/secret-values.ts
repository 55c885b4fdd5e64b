/**
 * Recognises values that are credentials by their shape alone (vendor token
 * prefixes, PEM private keys, URLs with a password), and redacts values for
 * display.
 */

export interface TokenPattern {
  kind: string;
  label: string;
  pattern: RegExp;
}

export const TOKEN_PATTERNS: readonly TokenPattern[] = [
  { kind: "private-key", label: "a PEM private key", pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { kind: "aws-access-key-id", label: "an AWS access key id", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { kind: "github-token", label: "a GitHub token", pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
  { kind: "github-token", label: "a GitHub fine-grained token", pattern: /\bgithub_pat_[A-Za-z0-9_]{22,}/ },
  { kind: "gitlab-token", label: "a GitLab personal access token", pattern: /\bglpat-[A-Za-z0-9_-]{20,}/ },
  { kind: "slack-token", label: "a Slack token", pattern: /\bxox[baprs]-[A-Za-z0-9-]{10,}/ },
  { kind: "stripe-key", label: "a Stripe live secret key", pattern: /\b[sr]k_live_[A-Za-z0-9]{16,}/ },
  { kind: "google-api-key", label: "a Google API key", pattern: /\bAIza[0-9A-Za-z_-]{35}/ },
  { kind: "npm-token", label: "an npm access token", pattern: /\bnpm_[A-Za-z0-9]{36}\b/ },
  {
    kind: "jwt",
    label: "a JSON Web Token",
    pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/,
  },
  {
    kind: "url-credentials",
    label: "a URL with an inline password",
    pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:[^\s/@]+@/i,
  },
];

export interface SecretValueMatch {
  /** Stable id, e.g. `aws-access-key-id`. */
  kind: string;
  /** Human-readable, e.g. `an AWS access key id`. */
  label: string;
}

/** The first credential pattern the value matches, or undefined. Empty values never match. */
export function secretValueKind(value: string): SecretValueMatch | undefined {
  if (value === "") return undefined;
  const hit = TOKEN_PATTERNS.find((p) => p.pattern.test(value));
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
