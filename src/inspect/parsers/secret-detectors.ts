/**
 * The secret detectors: one per credential format with a documented shape, shared by
 * IMG-ENV-001 (ENV values), the build-history rule IMG-HIST-007 (history text), the text
 * redaction of every config text (redact-text.ts), and later the file-content scan.
 *
 * Each detector's `pattern` finds the token anywhere in a text; its quantifiers are all
 * bounded or `{n,}` (redact-text.ts bounds those) so a scan stays linear.
 *
 * | kind               | shape                                                                 |
 * |--------------------|-----------------------------------------------------------------------|
 * | private-key        | a PEM header `-----BEGIN [… ]PRIVATE KEY-----` (RSA, EC, OPENSSH, …)   |
 * | aws-access-key-id  | `AKIA`/`ASIA` + 16 of [0-9A-Z], not inside a longer word               |
 * | aws-secret-key     | 40 of [A-Za-z0-9/+] under a key naming AWS and SECRET (by key only)    |
 * | github-token       | `ghp_`/`gho_`/`ghs_`/`ghu_`/`ghr_` + 36 or more alnum; `github_pat_` + 22 or more |
 * | gitlab-token       | `glpat-` + 20 or more of [A-Za-z0-9_-]                                 |
 * | slack-token        | `xoxa-`/`xoxb-`/`xoxp-`/`xoxr-`/`xoxs-` + 10 or more of [A-Za-z0-9-]   |
 * | stripe-key         | `sk_live_`/`rk_live_` + 16 or more alnum (test keys are not secrets)   |
 * | google-api-key     | `AIza` + exactly 35 of [0-9A-Za-z_-]                                   |
 * | npm-token          | `npm_` + 36 alnum                                                      |
 * | pypi-token         | `pypi-AgEIcHlwaS5vcmc` (a macaroon for pypi.org) + 50 or more          |
 * | jwt                | `eyJ….eyJ….…`, three base64url segments of 10 or more                  |
 * | url-credentials    | `scheme://user:password@` (an inline password)                          |
 *
 * Documented examples and placeholders are not findings (secret-placeholders.ts, the one
 * list): AWS's example keys (`AKIAIOSFODNN7EXAMPLE`), a prefix followed by a placeholder
 * (`ghp_xxxx…`, `AKIAXXXXXXXXXXXXXXXX`), and a URL whose password is a template
 * (`${PASSWORD}`), a placeholder word (`pass`, `changeme`, `xxx`) or holds `:`. A value that
 * is a secret all the same can still be named by the policy's `patterns`.
 *
 * For a URL the secret is its password: `secret` (what findings show and hash for
 * `accept`) is the password, in ENV, history and files alike.
 */

import { jwtRanges } from "./jwt-scan.js";
import { isAwsExample, isPlaceholderPassword, isPlaceholderToken } from "./secret-placeholders.js";

export interface SecretDetector {
  /** Stable id, e.g. `github-token`; the kind in every redacted form. */
  kind: string;
  /** Human-readable, e.g. `a GitHub token`. */
  label: string;
  pattern: RegExp;
  /** Literal strings one of which every match holds: the regex runs only on a text holding one (a cheap first look). */
  hints: readonly string[];
}

export const SECRET_DETECTORS: readonly SecretDetector[] = [
  { kind: "private-key", label: "a PEM private key", pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/, hints: ["PRIVATE KEY"] },
  { kind: "aws-access-key-id", label: "an AWS access key id", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, hints: ["AKIA", "ASIA"] },
  { kind: "github-token", label: "a GitHub token", pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/, hints: ["gh"] },
  { kind: "github-token", label: "a GitHub fine-grained token", pattern: /\bgithub_pat_[A-Za-z0-9_]{22,}/, hints: ["github_pat_"] },
  { kind: "gitlab-token", label: "a GitLab personal access token", pattern: /\bglpat-[A-Za-z0-9_-]{20,}/, hints: ["glpat-"] },
  { kind: "slack-token", label: "a Slack token", pattern: /\bxox[baprs]-[A-Za-z0-9-]{10,}/, hints: ["xox"] },
  { kind: "stripe-key", label: "a Stripe live secret key", pattern: /\b[sr]k_live_[A-Za-z0-9]{16,}/, hints: ["k_live_"] },
  { kind: "google-api-key", label: "a Google API key", pattern: /\bAIza[0-9A-Za-z_-]{35}/, hints: ["AIza"] },
  { kind: "npm-token", label: "an npm access token", pattern: /\bnpm_[A-Za-z0-9]{36}\b/, hints: ["npm_"] },
  { kind: "pypi-token", label: "a PyPI API token", pattern: /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}/, hints: ["pypi-"] },
  {
    kind: "jwt",
    label: "a JSON Web Token",
    pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/,
    hints: ["eyJ"],
  },
  {
    kind: "url-credentials",
    label: "a URL with an inline password",
    pattern: /\b[a-z][a-z0-9+.-]{0,31}:\/\/[^\s/:@'"`]{0,256}:[^\s/@'"`]{1,256}@/i,
    hints: ["://"],
  },
];

export interface DetectedToken {
  kind: string;
  label: string;
  /** The token as found (never shown: only its redacted form). */
  value: string;
  /** What is the secret in it, shown redacted and hashed for `accept`: the password of a URL, else the value. */
  secret: string;
}

/** Longest run an open quantifier (`{36,}`) is tried over when scanning: the scan stays linear in the text. */
const RUN_BOUND = 1024;

/** The detectors as global regexes with bounded quantifiers, compiled once. */
const SCANS: readonly { d: SecretDetector; re: RegExp }[] = SECRET_DETECTORS.map((d) => ({
  d,
  re: new RegExp(d.pattern.source.replace(/\{(\d+),\}/g, `{$1,${RUN_BOUND}}`), d.pattern.flags + "g"),
}));

/** The password of a `scheme://user:password@` match. */
function urlPassword(match: string): string {
  const userAt = match.indexOf("://") + 3;
  return match.slice(match.indexOf(":", userAt) + 1, -1);
}

/** A match as a token, or undefined when it is a placeholder or example (secret-placeholders.ts). */
function token(d: SecretDetector, match: string): DetectedToken | undefined {
  if (d.kind === "url-credentials") {
    const password = urlPassword(match);
    return isPlaceholderPassword(password) ? undefined : { kind: d.kind, label: d.label, value: match, secret: password };
  }
  return isPlaceholderToken(match) ? undefined : { kind: d.kind, label: d.label, value: match, secret: match };
}

/** The matches of one detector in the text: a JSON Web Token by hand (jwt-scan.ts), any other by its bounded regex. */
function* matches(d: SecretDetector, re: RegExp, text: string): Generator<string> {
  if (d.kind === "jwt") {
    for (const [s, e] of jwtRanges(text)) yield text.slice(s, e);
    return;
  }
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    yield m[0];
    if (m[0] === "") re.lastIndex++;
  }
}

/** The first token in the text, by the detectors' order. */
export function detectToken(text: string): DetectedToken | undefined {
  if (text === "") return undefined;
  for (const { d, re } of SCANS) {
    if (!d.hints.some((h) => text.includes(h))) continue;
    for (const m of matches(d, re, text)) {
      const t = token(d, m);
      if (t) return t;
    }
  }
  return undefined;
}

/** Every token in the text, each found once. */
export function detectTokens(text: string): DetectedToken[] {
  const out: DetectedToken[] = [];
  if (text === "") return out;
  for (const { d, re } of SCANS) {
    if (!d.hints.some((h) => text.includes(h))) continue;
    for (const m of matches(d, re, text)) {
      const t = token(d, m);
      if (t) out.push(t);
    }
  }
  return out;
}

const AWS_SECRET_SHAPE = /^[A-Za-z0-9/+]{40}$/;

/** An AWS secret access key: a key naming AWS (or the AWS default names) and SECRET, and a 40-character value (not AWS's example). */
export function isAwsSecretKey(key: string, value: string): boolean {
  const k = key.toUpperCase();
  return (k.includes("AWS") || k === "SECRET_ACCESS_KEY") && k.includes("SECRET") && AWS_SECRET_SHAPE.test(value) && !isAwsExample(value);
}

/**
 * The one display form of a secret everywhere a finding shows it: its kind, at most its
 * first two characters, and its length, e.g. `<github-token gh… 40 chars>`. Shorter values
 * reveal less (one character below 8, none below 4).
 */
export function redactedForm(value: string, kind: string): string {
  // counted in code points without an array of them: facts may hold 100,000 secret values
  let length = 0;
  let twoEnd = 0;
  let oneEnd = 0;
  for (let i = 0; i < value.length; length++) {
    i += (value.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
    if (length === 0) oneEnd = i;
    if (length === 1) twoEnd = i;
  }
  const head = length >= 8 ? value.slice(0, twoEnd) : length >= 4 ? value.slice(0, oneEnd) : "";
  return `<${kind} ${head}… ${length} char${length === 1 ? "" : "s"}>`;
}
