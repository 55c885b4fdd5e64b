/**
 * Finds credentials in an image's environment (CIS 4.10: do not store
 * secrets in ENV), by key name and by value shape.
 *
 * A key is suspicious when one of its words (split on `_`, `-`, `.` and
 * camelCase, case-insensitive) is a secret word (PASSWORD, PASSWD, PASS, PWD,
 * PASSPHRASE, SECRET, TOKEN, CREDENTIALS, ... or a word ending in PASSWORD,
 * PASSWD, SECRET or TOKEN such as GITHUBTOKEN), or when KEY follows a word that
 * makes it a secret (API_KEY, ACCESS_KEY, PRIVATE_KEY, SECRET_KEY, ...).
 * Bare KEY is not enough, so GPG_KEY, NGINX_GPGKEY or KEY_ID are not flagged.
 *
 * Exceptions, for key-based findings only:
 * - the last word says the value is not the secret itself: *_FILE, *_PATH,
 *   *_DIR, *_URL, *_URI, *_VERSION, *_LENGTH, *_TTL (a URL with an inline
 *   password is still caught by the value check);
 * - the key configures password handling rather than holding one:
 *   MYSQL_ALLOW_EMPTY_PASSWORD, MYSQL_RANDOM_ROOT_PASSWORD, *_ENABLED, ...;
 * - the key mentions PUBLIC (PUBLIC_KEY);
 * - `PWD` and `OLDPWD` (shell working directories);
 * - GPG/PGP keys whose value is a hex fingerprint list (official images use
 *   these to verify downloads).
 * Values matching a known credential pattern are flagged whatever the key.
 * Values that stand for a secret without being one (secret-placeholders.ts: empty,
 * templates such as `${VAR}`, placeholder words such as `changeme`, `xxx`, placeholder
 * tokens such as `ghp_xxxx…`, AWS's documented examples) are never secrets.
 *
 * A finding's display form and sha256 are of the secret: for a URL, its password (as the
 * file finder's IMG-FS-007), else the whole value.
 */
import { detectToken, isAwsSecretKey, redactedForm } from "./secret-detectors.js";
import { isPlaceholderValue } from "./secret-placeholders.js";
import { sha256Text } from "./sha256-text.js";
import { redact } from "./secret-values.js";

export interface SecretEnvFinding {
  key: string;
  reason: string;
  /** The detector's kind (`github-token`), or for a key-name finding what the name says (`password`, `token`, `secret`, `api-key`, `credentials`). */
  kind: string;
  /** The short in-text form (`gh…`, see redact-text.ts). */
  valueRedacted: string;
  /** The display form of findings: `<kind xx… N chars>` (secret-detectors.ts), of the secret (a URL's password). */
  display: string;
  /** `sha256:<hex>` of the secret (a URL's password, else the value), for `accept`. */
  sha256: string;
}

export interface SecretJudgement {
  kind: string;
  reason: string;
  /** The part of the value that is the secret (shown redacted, hashed for `accept`): a URL's password, else the value. */
  secret: string;
}

/** The kind a key-name reason (`key name contains 'DB_PASSWORD'`) stands for. */
function nameKind(reason: string): string {
  const w = /'([^']*)'/.exec(reason)?.[1] ?? "";
  if (/PASS|PWD/.test(w)) return "password";
  if (/TOKEN/.test(w)) return "token";
  if (/KEY/.test(w)) return "api-key";
  if (/CRED/.test(w)) return "credentials";
  return "secret";
}

/**
 * Whether `key=value` holds a secret, by the value's format first (secret-detectors.ts,
 * placeholders and examples aside), then, unless the value is a placeholder
 * (secret-placeholders.ts), an AWS secret key (key and 40-character shape), then the key's
 * name (secretKeyReason). Empty values are never secrets.
 */
export function judgeAssignment(key: string, value: string): SecretJudgement | undefined {
  if (value === "") return undefined;
  const byValue = detectToken(value);
  if (byValue) return { kind: byValue.kind, reason: `value looks like ${byValue.label}`, secret: byValue.kind === "url-credentials" ? byValue.secret : value };
  if (isPlaceholderValue(value)) return undefined;
  if (isAwsSecretKey(key, value)) return { kind: "aws-secret-key", reason: "value looks like an AWS secret access key", secret: value };
  const reason = secretKeyReason(key, value);
  return reason ? { kind: nameKind(reason), reason, secret: value } : undefined;
}

const SECRET_WORDS: ReadonlySet<string> = new Set([
  "PASSWORD", "PASSWORDS", "PASSWD", "PASS", "PWD", "PASSPHRASE",
  "SECRET", "SECRETS", "TOKEN", "TOKENS",
  "APIKEY", "ACCESSKEY", "PRIVATEKEY", "SECRETKEY", "AUTHKEY",
  "CREDENTIAL", "CREDENTIALS", "CREDS",
]);
const SECRET_SUFFIXES = ["PASSWORD", "PASSWD", "SECRET", "TOKEN"];
const KEY_QUALIFIERS: ReadonlySet<string> = new Set([
  "API", "ACCESS", "PRIVATE", "SECRET", "AUTH", "ENCRYPTION", "SIGNING",
  "MASTER", "CLIENT", "ACCOUNT", "LICENSE", "SESSION", "JWT",
]);
const NOT_THE_VALUE: ReadonlySet<string> = new Set([
  "FILE", "FILES", "PATH", "DIR", "URL", "URI", "VERSION", "LENGTH", "TTL",
]);
const SETTING_WORDS: ReadonlySet<string> = new Set([
  "ALLOW", "EMPTY", "RANDOM", "GENERATE", "ENABLE", "ENABLED", "DISABLE", "DISABLED",
  "REQUIRE", "REQUIRED", "PUBLIC",
]);

/** Upper-cased words of an environment key, less a trailing number (`PASSWORD2` is `PASSWORD`, as `PASSWORD_2` is). */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== "")
    .map((w) => w.toUpperCase().replace(/(?<=[A-Z])[0-9]+$/, ""));
}

/**
 * A matcher of key names against a policy's own names (IMG-ENV-001's and IMG-HIST-007's
 * `names`): a key matches a name when its words hold the name's words in a row
 * (`INTERNAL_CODE` matches `APP_INTERNAL_CODE`); it gives the name as written.
 */
export function keyNameMatcher(names: readonly string[]): (key: string) => string | undefined {
  const list = names.map((n) => ({ n, words: keyWords(n) })).filter((x) => x.words.length > 0);
  if (list.length === 0) return () => undefined;
  return (key) => {
    const words = keyWords(key);
    return list.find(({ words: nw }) => words.some((_, i) => nw.every((w, k) => words[i + k] === w)))?.n;
  };
}

/** Why the key name looks like it holds a secret, or undefined. */
export function secretKeyReason(key: string, value = ""): string | undefined {
  const words = keyWords(key);
  if (words.length === 0) return undefined;
  const upper = key.toUpperCase();
  if (upper === "PWD" || upper === "OLDPWD") return undefined;
  if (NOT_THE_VALUE.has(words[words.length - 1])) return undefined;
  if (words.some((w) => SETTING_WORDS.has(w))) return undefined;
  if (words.some((w) => w.includes("GPG") || w.includes("PGP")) && /^[0-9A-Fa-f\s]+$/.test(value)) {
    return undefined;
  }
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (SECRET_WORDS.has(w)) return `key name contains '${w}'`;
    const suffix = SECRET_SUFFIXES.find((s) => w.endsWith(s));
    if (suffix) return `key name contains '${suffix}'`;
    if (w === "KEY" && i > 0 && KEY_QUALIFIERS.has(words[i - 1])) {
      return `key name contains '${words[i - 1]}_KEY'`;
    }
  }
  return undefined;
}

/** Environment entries (`KEY=value`) that look like they carry credentials. */
export function secretEnv(env: readonly string[]): SecretEnvFinding[] {
  const findings: SecretEnvFinding[] = [];
  for (const entry of env) {
    const eq = entry.indexOf("=");
    if (eq <= 0) continue;
    const key = entry.slice(0, eq);
    const value = entry.slice(eq + 1);
    const j = judgeAssignment(key, value);
    if (j) findings.push({ key, reason: j.reason, kind: j.kind, valueRedacted: redact(value), display: redactedForm(j.secret, j.kind), sha256: sha256Text(j.secret) });
  }
  return findings;
}
