/**
 * Redacts the credentials in a text taken from the image config (a history `created_by`,
 * a label value, an Entrypoint, Cmd or Healthcheck argument) before any output shows it:
 * - the value of `KEY=value` when KEY looks secret by the test of IMG-ENV-001
 *   (secretKeyReason: `GITHUB_TOKEN=…`, `--password=…`, `?access_token=…`), which covers
 *   the build-arg prefix the legacy builder records (`|2 K1=v1 K2=v2 /bin/sh -c …`);
 * - values in the known token formats (secret-values.ts: ghp_, glpat-, AKIA, xox?-,
 *   sk_live_, npm_, JSON Web Tokens, …) wherever they are, and PEM private keys;
 * - the password of a URL's userinfo (`scheme://user:pass@`);
 * - the word after `-u`/`--user` and in `-uuser:pass` (its part after `:`), after a flag
 *   whose name looks secret (`--password X`, `--token X`, to its closing quote when quoted),
 *   after a key whose name does (`Private-Token: X`, `"token":"X"`, `PASSWORD = X`,
 *   `password<TAB>X`), and the credentials of `Authorization: Bearer X` / `Authorization:Bearer X`;
 * - `-p X` and `-pX` after the programs whose `-p` takes a password (sshpass, mysql and
 *   its kin, docker login), and nowhere else (`mkdir -p`, `ssh -p 22`).
 * - given a policy's own names and patterns (RedactState.extra, policy-secrets.ts): keys with
 *   those names as above, and what the patterns match, anywhere.
 * Line continuations (backslash-newline) are joined before matching, as the shell joins them.
 * In an argv, the element after a secret flag is the value whole (`["--password", "a b"]`).
 * Each is replaced by the display form the ENV facts use (redact: at most two leading
 * characters and `…`). Whitespace is never added or removed, so what parses the text
 * (the build steps, the command form) reads the same words.
 *
 * Time is linear in the text: one scan by hand, `indexOf` walks that never go back, and
 * the token formats as one regex whose quantifiers are all bounded.
 */
import { secretKeyReason } from "./secret-env.js";
import { isAwsSecretKey } from "./secret-detectors.js";
import { jwtRanges } from "./jwt-scan.js";
import { redact, TOKEN_PATTERNS } from "./secret-values.js";
import type { PolicySecretMatcher } from "./policy-secrets.js";

/** The longest run a token pattern's open quantifier (`{36,}`) is tried over; a longer token is redacted whole all the same. */
const TOKEN_RUN = 1024;

/**
 * The token formats, as one regex with bounded quantifiers. PEM keys, URLs and JSON Web Tokens
 * are found by hand: a JWT's open segments, bounded, would still be tried from every `-eyJ`
 * of a long run (n × the bound).
 */
export const TOKEN_SCAN = new RegExp(
  TOKEN_PATTERNS.filter((p) => p.kind !== "private-key" && p.kind !== "url-credentials" && p.kind !== "jwt")
    .map((p) => `(?:${p.pattern.source.replace(/\{(\d+),\}(?:\\b)?/g, `{$1,${TOKEN_RUN}}`)})`)
    .join("|"),
  "g",
);

/** What follows a word and is redacted: the next word, its part after `:` (`-u user:pass`), or after an auth scheme. */
type Pending = "none" | "value" | "userpass" | "auth";

/** Carries a flag seen at the end of one argument to the next (`["--token", "X"]`). */
export interface RedactState {
  pending: Pending;
  /** The program seen last whose `-p` takes a password (`mysql`, `docker login`), until a shell separator. */
  program?: string;
  /**
   * A policy's own names and patterns (user-secrets.ts): a key whose name matches is a
   * secret key like the built-in ones, and what a pattern matches is redacted wherever it is.
   */
  extra?: PolicySecretMatcher;
}

/** Whether the key holds a secret: by the built-in test (IMG-ENV-001's), or by a policy's own name when it has a literal value. */
function secretKey(key: string, state: RedactState, value?: string): boolean {
  if (secretKeyReason(key, value) !== undefined) return true;
  // (the detectors' AWS secret key: a key naming AWS and SECRET, and a 40-character value, whatever else the name says)
  if (value !== undefined && isAwsSecretKey(key, value)) return true;
  if (state.extra === undefined || state.extra.name(key) === undefined) return false;
  return value === undefined || !value.startsWith("$");
}

type Span = [start: number, end: number];

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
const isQuote = (c: number) => c === 34 || c === 39 || c === 96;
/** Characters of a key before `=`: letters, digits, `_`, `-`, `.`. */
const isKeyChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46;
/** What ends an unquoted value: whitespace, quotes, `&` and `;` (query strings, shell lists). */
const endsValue = (c: number) => isSpace(c) || isQuote(c) || c === 38 || c === 59;
/** Characters a token runs on after its pattern's part: it is redacted to its end. */
const isTokenChar = (c: number) => isKeyChar(c) || c === 43 || c === 47 || c === 61 || c === 126;

const AUTH_HEADERS = new Set(["authorization:", "proxy-authorization:"]);
const AUTH_SCHEMES = new Set(["bearer", "basic", "token", "digest", "negotiate", "bot", "apikey"]);
const USER_FLAGS = new Set(["-u", "--user", "--proxy-user", "-U"]);
/** Programs whose `-p` is the password (`docker` only with `login`). */
const PASSWORD_P_PROGRAMS = new Set(["sshpass", "mysql", "mariadb", "mysqladmin", "mysqldump", "mariadb-dump", "mariadb-admin", "docker"]);
const SHELL_SEPARATORS = new Set([";", "&&", "||", "|", "&"]);

/** The text with its credentials redacted; `state` carries a pending flag from argument to argument. */
export function redactText(text: string, state: RedactState = { pending: "none" }): string {
  if (text === "") return text;
  const joined = joinContinuations(text);
  const t = joined?.text ?? text;
  const spans: Span[] = [];
  tokenSpans(t, spans);
  privateKeySpans(t, spans);
  jwtSpans(t, spans);
  urlPasswordSpans(t, spans);
  wordSpans(t, spans, state);
  if (state.extra) for (const sp of state.extra.spans(t)) spans.push(sp);
  if (joined) {
    const at = joined.at;
    for (const sp of spans) sp[1] = sp[1] > sp[0] ? at[sp[1] - 1]! + 1 : at[sp[0]]!;
    for (const sp of spans) sp[0] = at[sp[0]]!;
  }
  return apply(text, spans);
}

/** The text with its backslash-newlines removed, and where each of its characters was; undefined when it has none. */
function joinContinuations(text: string): { text: string; at: Int32Array } | undefined {
  if (!text.includes("\\\n") && !text.includes("\\\r\n")) return undefined;
  const at = new Int32Array(text.length + 1);
  const parts: string[] = [];
  let n = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== 92) continue;
    const skip = text.charCodeAt(i + 1) === 10 ? 2 : text.charCodeAt(i + 1) === 13 && text.charCodeAt(i + 2) === 10 ? 3 : 0;
    if (skip === 0) {
      i++; // an escaped character is not a continuation (`\\` then a newline)
      continue;
    }
    for (let k = from; k < i; k++) at[n++] = k;
    parts.push(text.slice(from, i));
    from = i + skip;
    i += skip - 1;
  }
  for (let k = from; k < text.length; k++) at[n++] = k;
  parts.push(text.slice(from));
  at[n] = text.length;
  return { text: parts.join(""), at };
}

/**
 * The text with only what has a known shape redacted: the token formats, PEM private keys,
 * JSON Web Tokens and URL passwords; no `KEY=value` or flag reading. For texts that are not
 * commands, such as a policy's pattern quoted in an error (`/(ghp_…/`), where reading
 * `token:\s*\S+` as a key and its value would garble the message.
 */
export function redactTokens(text: string): string {
  if (text === "") return text;
  const spans: Span[] = [];
  tokenSpans(text, spans);
  privateKeySpans(text, spans);
  jwtSpans(text, spans);
  urlPasswordSpans(text, spans);
  return apply(text, spans);
}

/** An argv (Entrypoint, Cmd, Healthcheck test) redacted element by element, a flag's value found in the next element. */
export function redactArgv(argv: readonly string[], extra?: PolicySecretMatcher): string[] {
  const state: RedactState = extra ? { pending: "none", extra } : { pending: "none" };
  return argv.map((a) => {
    const pending = state.pending;
    if (pending === "value" && a !== "" && !a.startsWith("-")) {
      state.pending = "none";
      return apply(a, [[0, a.length]]);
    }
    if (pending === "userpass" && a.indexOf(":") !== -1) {
      state.pending = "none";
      return apply(a, [[a.indexOf(":") + 1, a.length]]);
    }
    return redactText(a, state);
  });
}

function tokenSpans(text: string, spans: Span[]): void {
  const re = new RegExp(TOKEN_SCAN.source, "g");
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let end = m.index + m[0].length;
    while (end < text.length && isTokenChar(text.charCodeAt(end))) end++;
    spans.push([m.index, end]);
    re.lastIndex = end;
  }
}

/** JSON Web Tokens (jwt-scan.ts, the detectors' one scan), each redacted to the end of its run of token characters. */
function jwtSpans(text: string, spans: Span[]): void {
  for (const [s, e] of jwtRanges(text)) {
    let end = e;
    while (end < text.length && isTokenChar(text.charCodeAt(end))) end++;
    spans.push([s, end]);
  }
}

/** `-----BEGIN … PRIVATE KEY-----` up to the end of its END line (or of the text). */
function privateKeySpans(text: string, spans: Span[]): void {
  for (let at = text.indexOf("-----BEGIN "); at !== -1; ) {
    const close = text.indexOf("-----", at + 11);
    if (close === -1) return;
    if (close - at > 80 || !text.slice(at, close).includes("PRIVATE KEY")) {
      at = text.indexOf("-----BEGIN ", close);
      continue;
    }
    const endLine = text.indexOf("-----END", close + 5);
    const endClose = endLine === -1 ? -1 : text.indexOf("-----", endLine + 8);
    const end = endClose === -1 ? text.length : endClose + 5;
    spans.push([close + 5, end]);
    at = text.indexOf("-----BEGIN ", end);
  }
}

/**
 * `scheme://user:pass@host`: the password. The walk from each `://` stops at the host's end,
 * before the next one; after the user's `:` a `?` or `#` is part of the password (as the
 * detectors read it: only whitespace, `/`, `@` and quotes end it).
 */
function urlPasswordSpans(text: string, spans: Span[]): void {
  for (let at = text.indexOf("://"); at !== -1; ) {
    const start = at + 3;
    let colon = -1;
    let i = start;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 64 /* @ */) break;
      if (c === 47 || isSpace(c) || isQuote(c) || (colon === -1 && (c === 63 || c === 35))) break; // / ? #
      if (c === 58 /* : */ && colon === -1) colon = i;
    }
    if (i < text.length && text.charCodeAt(i) === 64 && colon !== -1 && i > colon + 1) spans.push([colon + 1, i]);
    at = text.indexOf("://", Math.max(i, start));
  }
}

const isOpening = (c: number) => c === 40 || c === 91 || c === 123; // ( [ {
const isClosing = (c: number) => c === 41 || c === 93 || c === 125; // ) ] }

/** Words (split on whitespace) and the `KEY=value` inside them; flags and headers whose next word is a secret. */
function wordSpans(text: string, spans: Span[], state: RedactState): void {
  let i = 0;
  const n = text.length;
  let afterKey = false; // the word before was a bare secret-looking key name (`PASSWORD = X`)
  while (i < n) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const c0 = text.charCodeAt(i);
    if (state.pending === "value" && (isQuote(c0) || (c0 === 36 && text.charCodeAt(i + 1) === 39))) {
      // a flag's quoted value runs to its closing quote (`--password "a b c"`)
      state.pending = "none";
      const [vs, ve, after] = valueAt(text, i, n);
      if (ve > vs) spans.push([vs, ve]);
      i = Math.max(after, i + 1);
      afterKey = false;
      continue;
    }
    let end = i;
    while (end < n && !isSpace(text.charCodeAt(end))) end++;
    // the word without its quotes and trailing punctuation
    let a = i;
    let b = end;
    // (and brackets: `(Authorization: Bearer X)` in a server's words)
    while (a < b && (isQuote(text.charCodeAt(a)) || isOpening(text.charCodeAt(a)))) a++;
    while (b > a && (isQuote(text.charCodeAt(b - 1)) || text.charCodeAt(b - 1) === 59 || text.charCodeAt(b - 1) === 44 || isClosing(text.charCodeAt(b - 1)))) b--;
    if (afterKey && b - a === 1 && text.charCodeAt(a) === 61 && state.pending === "none") {
      state.pending = "value";
      afterKey = false;
      i = end;
      continue;
    }
    const bare = a < b && state.pending === "none" && isBareSecretKey(text, a, b, state);
    const next = a < b ? word(text, a, b, spans, state) : end;
    afterKey = bare;
    if (bare && state.pending === "none") {
      let k = end;
      while (k < n && isSpace(text.charCodeAt(k)) && text.charCodeAt(k) !== 9) k++;
      if (text.charCodeAt(k) === 9) state.pending = "value"; // `password<TAB>X`
    }
    if (end > a && text.charCodeAt(end - 1) === 59) state.program = undefined;
    i = Math.max(end, next);
  }
}

/**
 * The key name that ends at `end` (before a `:`): the key characters there, perhaps closed
 * by a quote (`Private-Token`, `{"token"`); "" when something else ends it (`$TOKEN)`).
 */
function keyBefore(w: string, end: number): string {
  let e = end;
  if (e > 0 && isQuote(w.charCodeAt(e - 1))) e--;
  let s = e;
  while (s > 0 && isKeyChar(w.charCodeAt(s - 1))) s--;
  return w.slice(s, e);
}

/** A word of key characters only, not a flag, whose name looks secret (`PASSWORD`, `api-key`). */
function isBareSecretKey(text: string, a: number, b: number, state: RedactState): boolean {
  if (text.charCodeAt(a) === 45) return false;
  for (let i = a; i < b; i++) if (!isKeyChar(text.charCodeAt(i))) return false;
  return secretKey(text.slice(a, b), state);
}

/** Judges one word [a, b); returns where the scan goes on (past a quoted value that spans words). */
function word(text: string, a: number, b: number, spans: Span[], state: RedactState): number {
  const w = text.slice(a, b);
  const pending = state.pending;
  state.pending = "none";
  if (pending === "auth" && AUTH_SCHEMES.has(w.toLowerCase())) {
    state.pending = "value";
    return b;
  }
  if (pending === "value" || pending === "auth") {
    if (!w.startsWith("-") || pending === "auth") {
      spans.push([a, b]);
      return b;
    }
  } else if (pending === "userpass") {
    const colon = w.indexOf(":");
    if (colon !== -1 && colon + 1 < w.length) spans.push([a + colon + 1, b]);
    return b;
  }
  const lower = w.toLowerCase();
  if (AUTH_HEADERS.has(lower)) {
    state.pending = "auth";
    return b;
  }
  const headerColon = lower.startsWith("authorization:") ? 14 : lower.startsWith("proxy-authorization:") ? 20 : -1;
  if (headerColon !== -1) {
    // `Authorization:Bearer X`, `Authorization:X`
    if (AUTH_SCHEMES.has(lower.slice(headerColon))) state.pending = "value";
    else spans.push([a + headerColon, b]);
    return b;
  }
  if (SHELL_SEPARATORS.has(w)) {
    state.program = undefined;
    return b;
  }
  const base = w.slice(w.lastIndexOf("/") + 1);
  if (PASSWORD_P_PROGRAMS.has(base)) {
    state.program = base;
    return b;
  }
  if (state.program === "docker") {
    if (w === "login") state.program = "docker login";
  } else if (state.program !== undefined && w.startsWith("-p") && !w.startsWith("--")) {
    if (state.program === "sshpass") state.program = undefined; // what follows is the command run
    if (w.length === 2) state.pending = "value";
    else spans.push([a + 2, b]);
    return b;
  }
  if (w.length > 3 && w.startsWith("-u") && w.indexOf(":") > 2 && !w.endsWith(":")) {
    spans.push([a + w.indexOf(":") + 1, b]); // `curl -uuser:pass`
    return b;
  }
  let resume = b;
  let assigned = false;
  let floor = a;
  for (let i = a; i < b; i++) {
    const c = text.charCodeAt(i);
    const eq = c === 61; /* = */
    if (!eq && !(c === 58 /* : */ && text.charCodeAt(i + 1) !== 47)) continue;
    // the key: the key characters before, perhaps closed by a quote (`"token":"X"`)
    let ke = i;
    if (ke > floor && isQuote(text.charCodeAt(ke - 1))) ke--;
    let ks = ke;
    while (ks > floor && isKeyChar(text.charCodeAt(ks - 1))) ks--;
    const key = text.slice(ks, ke);
    if (!eq && (key === "" || !secretKey(key, state))) continue;
    const [vs, ve, after] = valueAt(text, i + 1, b);
    if (!eq && ve <= vs) continue;
    assigned = true;
    if (key !== "" && ve > vs && secretKey(key, state, text.slice(vs, ve))) spans.push([vs, ve]);
    resume = Math.max(resume, after);
    i = Math.max(i, Math.min(ve, b) - 1);
    floor = i + 1;
  }
  if (assigned) return resume;
  if (USER_FLAGS.has(w)) state.pending = "userpass";
  else if (w.startsWith("-") && secretKey(w, state)) state.pending = "value";
  else if (w.endsWith(":") && w.length > 1 && secretKey(keyBefore(w, w.length - 1), state)) state.pending = "value";
  return b;
}

/** The value that starts at `s`: [start, end, where the scan goes on]; a quoted value may run past the word's end `b`. */
function valueAt(text: string, s: number, b: number): [number, number, number] {
  if (text.charCodeAt(s) === 36 && text.charCodeAt(s + 1) === 39) s++; // `$'…'`
  const q = text.charCodeAt(s);
  if (s < text.length && isQuote(q)) {
    const close = closingQuote(text, s);
    if (close !== -1) {
      // the shell joins what follows the quote into the same word (`"hu"nter2`, `'a''b'`): the
      // value runs on over token characters and further quotes (not over `}`, `,`, `)`: JSON's, a list's)
      let end = close;
      let e = close + 1;
      for (;;) {
        if (e < text.length && isQuote(text.charCodeAt(e))) {
          const c2 = closingQuote(text, e);
          if (c2 === -1) break;
          end = c2;
          e = c2 + 1;
          continue;
        }
        let k = e;
        while (k < text.length && isTokenChar(text.charCodeAt(k))) k++;
        if (k === e) break;
        end = k;
        e = k;
      }
      return [s + 1, end, Math.max(end, close) + (end === close || isQuote(text.charCodeAt(end)) ? 1 : 0)];
    }
    let e = s + 1;
    while (e < b && !endsValue(text.charCodeAt(e))) e++;
    return [s + 1, e, e];
  }
  let e = s;
  while (e < b && !endsValue(text.charCodeAt(e))) e++;
  return [s, e, e];
}

/**
 * Where the quote at `s` closes, or -1: a backslash escapes the next character inside
 * double quotes and `$'…'` (not inside plain single quotes).
 */
function closingQuote(text: string, s: number): number {
  const q = text.charCodeAt(s);
  const escapes = q === 34 || (q === 39 && s > 0 && text.charCodeAt(s - 1) === 36);
  for (let i = s + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === q) return i;
    if (c === 92 && escapes) i++;
  }
  return -1;
}

/** Already the display form (`gh…`, `h…`, `…`): redacting it again would only lose its prefix. */
const isRedacted = (value: string) => value.endsWith("…") && Array.from(value).length <= 3;

/** The text with each span (merged where they overlap) replaced by its redacted form. */
function apply(text: string, spans: Span[]): string {
  if (spans.length === 0) return text;
  spans.sort((x, y) => x[0] - y[0] || y[1] - x[1]);
  const parts: string[] = [];
  let copied = 0;
  let k = 0;
  while (k < spans.length) {
    let [s, e] = spans[k]!;
    k++;
    while (k < spans.length && spans[k]![0] < e) e = Math.max(e, spans[k++]![1]);
    if (s < copied) s = copied;
    if (e <= s) continue;
    const secret = text.slice(s, e);
    parts.push(text.slice(copied, s), isRedacted(secret) ? secret : redact(secret));
    copied = e;
  }
  parts.push(text.slice(copied));
  return parts.join("");
}
