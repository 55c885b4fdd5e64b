/**
 * Registry failures as one readable line: the distribution error body
 * ({"errors":[{"code","message","detail"}]}), an HTML page where JSON was
 * expected, or a connection failure, prefixed with the registry and repository.
 *
 * No credential the client sent appears in one (sent-secrets.ts): what a server says
 * is cleaned of them before it is shortened, and every message registryError() makes,
 * and the error it was caused by (shown with --debug), once more as a whole.
 */
import type { IncomingMessage } from "node:http";
import { redactText } from "../parsers/redact-text.js";
import { RegistryError, causeText } from "../../errors.js";
import { REDACTED, type SentSecrets } from "./sent-secrets.js";

export interface RegistryContext {
  /** The registry as the user named it ("docker.io", "127.0.0.1:5000"). */
  registry: string;
  repository?: string;
  /** What the client has sent that no message may show. */
  secrets?: SentSecrets;
}

/**
 * Removes what `ctx` must not show from a text: what the client sent (the credentials,
 * tokens), and what the outputs' redaction hides anywhere (known token shapes, URL
 * passwords, `password=…`, `Authorization: Bearer …`): a server or proxy may echo a
 * secret it was given by someone else, and its words are shown.
 */
export type Redact = (text: string) => string;

/** What the outputs' redaction hides; what SentSecrets already put in its place stays as it is. */
const hideSecrets: Redact = (text) => text.split(REDACTED).map((part) => redactText(part)).join(REDACTED);

export function redactorOf(ctx: { secrets?: SentSecrets | undefined }): Redact {
  const secrets = ctx.secrets;
  return secrets ? (text) => hideSecrets(secrets.redact(text)) : hideSecrets;
}

/** Most of an error body we read. */
const BODY_LIMIT = 64 * 1024;
/** The longest an error body (or one we throw away) is waited for: it only adds words to a message. */
export const BODY_WAIT_MS = 5_000;

/** Collapses whitespace and cuts a text to `max` characters. */
export function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function prefix(ctx: RegistryContext): string {
  return `registry ${ctx.registry}${ctx.repository ? `: repository ${ctx.repository}` : ""}`;
}

/** What an error answer was: its HTTP status and the distribution error codes of its body. */
export interface Answer {
  status: number;
  codes: string[];
}

export function registryError(ctx: RegistryContext, cause: string, options?: { cause?: unknown; retryable?: boolean; answer?: Answer }): RegistryError {
  const message = redactorOf(ctx)(`${prefix(ctx)}: ${cause}`);
  const inner = options?.cause !== undefined && ctx.secrets ? ctx.secrets.redactError(options.cause) : options?.cause;
  const answer = options?.answer;
  const err = new RegistryError(message, {
    ...(inner !== undefined ? { cause: inner } : {}),
    ...(answer ? { status: answer.status, codes: answer.codes } : {}),
  });
  if (options?.retryable !== undefined) err.retryable = options.retryable;
  return err;
}

/**
 * What an answer's body says, read for a message (or to free the connection): at most
 * `limit` bytes, waited for at most `waitMs` in all. What arrived by then is what it
 * says; a body that stalls or never ends is cut, never waited for.
 */
export async function readBody(res: IncomingMessage, limit = BODY_LIMIT, waitMs = BODY_WAIT_MS): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const timer = setTimeout(() => res.destroy(), waitMs);
  try {
    for await (const chunk of res) {
      const b = chunk as Buffer;
      chunks.push(b.subarray(0, Math.max(0, limit - size)));
      size += b.length;
      if (size >= limit) break;
    }
  } catch {
    // a body cut short still says what it says
  } finally {
    clearTimeout(timer);
    res.destroy();
  }
  return Buffer.concat(chunks);
}

export function looksLikeHtml(contentType: string | undefined, body: Buffer): boolean {
  if (contentType && /text\/html|application\/xhtml/i.test(contentType)) return true;
  return /^\s*(<!doctype html|<html|<head|<body)/i.test(body.subarray(0, 512).toString("utf8"));
}

function htmlTitle(body: Buffer, redact: Redact): string | undefined {
  const m = /<title[^>]*>([^<]*)<\/title>/i.exec(body.toString("utf8"));
  return m?.[1] ? oneLine(redact(m[1]), 80) : undefined;
}

interface ErrorEntry {
  code?: unknown;
  message?: unknown;
}

/** A code as the spec spells them: a short upper-case word; anything else a server sends is not one. */
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** The `errors[].code`s of a distribution error body, upper case, in order, without repeats ([] when none). */
export function distributionCodes(body: Buffer): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return [];
  }
  const errors = (parsed as { errors?: unknown })?.errors;
  if (!Array.isArray(errors)) return [];
  const codes = new Set<string>();
  for (const e of errors as ErrorEntry[]) {
    const code = typeof e?.code === "string" ? e.code.trim().toUpperCase() : "";
    if (CODE.test(code)) codes.add(code);
  }
  return [...codes];
}

/** The answer a non-success status and its body make. */
export function answerOf(status: number, body: Buffer): Answer {
  return { status, codes: distributionCodes(body) };
}

/** The messages of a distribution error body (`redact`ed before they are shortened), or undefined when it is not one. */
export function distributionErrors(body: Buffer, redact: Redact = hideSecrets): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  const errors = (parsed as { errors?: unknown })?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  return (errors as ErrorEntry[]).map((e) => {
    if (typeof e?.message === "string" && e.message.trim()) return oneLine(redact(e.message), 160);
    if (typeof e?.code === "string") return oneLine(redact(e.code), 160).toLowerCase().replace(/_/g, " ");
    return "unknown error";
  });
}

function statusPhrase(status: number): string {
  switch (status) {
    case 401:
      return "authentication required";
    case 403:
      return "access denied";
    case 404:
      return "not found";
    case 429:
      return "too many requests";
    default:
      return status >= 500 ? "server error" : "unexpected answer";
  }
}

/**
 * What a non-success answer says, in a few words: "manifest unknown", "an HTML page (HTTP
 * 502, title "Bad Gateway")". What the server wrote is `redact`ed before it is shortened
 * (a secret cut in half would no longer be found whole).
 */
export function describeAnswer(status: number, contentType: string | undefined, body: Buffer, redact: Redact = hideSecrets): string {
  if (looksLikeHtml(contentType, body)) {
    const title = htmlTitle(body, redact);
    return `answered with an HTML page, not the registry API (HTTP ${status}${title ? `, title "${title}"` : ""})`;
  }
  const errors = distributionErrors(body, redact);
  if (errors) return [...new Set(errors)].join("; ");
  const text = oneLine(redact(body.toString("utf8")), 120);
  return `HTTP ${status} ${statusPhrase(status)}${text && /^[\x20-\x7e…]+$/.test(text) ? `: ${text}` : ""}`;
}

/** Connection-level failures in words, with a hint where one helps. */
export function connectionCause(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { code?: string };
  const code = e?.code ?? "";
  if (code === "ECONNREFUSED") return "cannot connect: connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "cannot connect: unknown host";
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return "cannot connect: host unreachable";
  if (code === "ECONNRESET" || /socket hang up/.test(e?.message ?? "")) return "the connection was dropped";
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT/i.test(code)) {
    return `TLS certificate not trusted (${causeText(err)}); add its CA with --ca-cert FILE`;
  }
  if (code === "EPROTO" || /wrong version number|packet length too long/i.test(e?.message ?? "")) {
    return "TLS handshake failed: the registry does not speak HTTPS here (for a plain-HTTP registry use --insecure-registry HOST)";
  }
  return causeText(err);
}
