/**
 * Settings as `policy show` may print them: a policy's `runtime.env` values are always
 * hidden whole (they are the container's environment: tokens, passwords, DSNs); in every
 * other string of a setting (a command, a healthcheck, a rule option) the credentials are
 * redacted as the image config's texts are (inspect/parsers/redact-text.ts: secret-named
 * KEY=value and --flag value pairs, token formats, URL passwords), an argv as an argv. A
 * hidden env value keeps what helps to check it: its first characters as every other
 * redaction of the tool (inspect/parsers/secret-values.ts), its length and the kind of
 * credential it looks like.
 */
import { redactArgv, redactText } from "../inspect/parsers/redact-text.js";
import { redact, secretValueKind } from "../inspect/parsers/secret-values.js";

/** "gh… (40 chars, a GitHub token)": that a value is set, never the value. */
export function hiddenValue(value: string): string {
  const n = Array.from(value).length;
  const kind = secretValueKind(value);
  return `${redact(value)} (${n} char${n === 1 ? "" : "s"}${kind ? `, ${kind.label}` : ""})`;
}

/** A setting's value with the credentials in its strings redacted, at any depth. */
export function redactSecrets(value: unknown): unknown {
  if (typeof value === "string") return redactText(value);
  if (Array.isArray(value)) return value.every((v) => typeof v === "string") ? redactArgv(value as string[]) : value.map(redactSecrets);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v)]));
  return value;
}

/** An environment map with every value hidden (an empty one stays empty: it is not a secret). */
export function redactEnv(env: unknown): unknown {
  if (!env || typeof env !== "object" || Array.isArray(env)) return redactSecrets(env);
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, typeof v === "string" ? (v === "" ? "" : hiddenValue(v)) : redactSecrets(v)]));
}

/** A runtime setting (`name` as policy show names it: env, command, stop.signal…) as it may be shown. */
export function shownRuntimeSetting(name: string, value: unknown): unknown {
  return name === "env" ? redactEnv(value) : redactSecrets(value);
}
