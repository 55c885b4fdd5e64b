/**
 * Values that have a secret's shape but are not secrets: documented examples, placeholders
 * and templates. The one list every judge of a value uses (IMG-ENV-001's ENV, IMG-HIST-007's
 * build history, IMG-FS-007's file finder); the in-text redaction (redact-text.ts) does not
 * ask, and still hides them.
 *
 * - AWS's documented example credentials: an access key id (`AKIA`/`ASIA` + 16) ending in
 *   `EXAMPLE` (`AKIAIOSFODNN7EXAMPLE`), a 40-character secret key shape holding `EXAMPLEKEY`
 *   (`wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`). AWS's documentation and SDKs ship them.
 * - A token placeholder: a known format's fixed prefix (TOKEN_PREFIX) followed by one
 *   character repeated (`npm_aaaa…`), or by only `x`, `X`, `*`, `0`, `.` and the format's
 *   separators `-` `_` (`ghp_xxxx…`, `AKIAXXXXXXXXXXXXXXXX`, `xoxb-XXXX-XXXX`).
 * - A template (TEMPLATE): `$VAR`, `${VAR}`, `$(cmd)` (from their start), `{{ … }}`,
 *   `{name}`, `<…>`, `%…%`, `%s`, `%(name)s` (whole).
 * - A placeholder word (PLACEHOLDER_WORDS, any case), a run of `x`, `*` or `.`, or empty.
 * - For a URL's password only: one holding `:` (`cvs://:pserver:anoncvs@host`).
 */

/** What documentation and examples write instead of a secret (compared lower-cased). */
export const PLACEHOLDER_WORDS: ReadonlySet<string> = new Set([
  "changeme", "change-me", "password", "passwd", "pass", "pwd", "pw", "secret",
  "example", "dummy", "placeholder", "redacted", "none", "null",
]);

const RUN = /^(?:[xX*.])+$/;
const TEMPLATE = /^(?:\$[A-Za-z_{(]|\{\{[^]*\}\}$|\{[A-Za-z_][\w.-]*\}$|<[^<>]*>$|%[^%\s]+%$|%s$|%\(\w+\)s$)/;

/** The fixed prefixes of the token formats (secret-detectors.ts); `AIzaSy` is how Google keys begin. */
const TOKEN_PREFIX = /^(?:AKIA|ASIA|gh[pousr]_|github_pat_|glpat-|xox[baprs]-|[sr]k_live_|AIza(?:Sy)?|npm_|pypi-AgEIcHlwaS5vcmc)/;
const PLACEHOLDER_BODY = /^[xX*0._-]+$/;
const REPEATED = /^(.)\1*$/s;

const AWS_EXAMPLE_ID = /^(?:AKIA|ASIA)[0-9A-Z]{9}EXAMPLE$/;
const AWS_SECRET_SHAPE = /^[A-Za-z0-9/+]{40}$/;

/** AWS's documented example access key id or secret access key. */
export function isAwsExample(value: string): boolean {
  return AWS_EXAMPLE_ID.test(value) || (value.includes("EXAMPLEKEY") && AWS_SECRET_SHAPE.test(value));
}

/** A token whose part after its format's prefix is a placeholder, or an AWS example. */
export function isPlaceholderToken(token: string): boolean {
  if (isAwsExample(token)) return true;
  const prefix = TOKEN_PREFIX.exec(token);
  if (!prefix) return false;
  const body = token.slice(prefix[0].length);
  return body !== "" && (REPEATED.test(body) || PLACEHOLDER_BODY.test(body));
}

/** A template (`${VAR}`, `{{ .x }}`, `<password>`, …). */
export function isTemplate(value: string): boolean {
  return TEMPLATE.test(value);
}

/** A value that stands for a secret without being one: empty, a template, a placeholder word or run, a placeholder token, an AWS example. */
export function isPlaceholderValue(value: string): boolean {
  const v = value.trim();
  if (v === "") return true;
  return isTemplate(v) || RUN.test(v) || PLACEHOLDER_WORDS.has(v.toLowerCase()) || isPlaceholderToken(v);
}

/** A URL password that is not one: a placeholder value, or one holding `:`. */
export function isPlaceholderPassword(password: string): boolean {
  return password.includes(":") || isPlaceholderValue(password);
}
