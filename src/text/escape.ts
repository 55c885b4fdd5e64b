/**
 * The one escaping function for everything a person reads: inspect's and ls's text,
 * the check reports (text, JUnit, Markdown), error lines, `policy validate`. Labels,
 * ENV, paths, history, registry answers, tags and the user's own arguments can hold
 * any character; images are built by anyone.
 *
 * Shown as visible escapes (`\x1b`, `\x0a`, `\u202e`, `\u{e0041}`):
 * - Unicode category Cc: C0 controls (ESC starts terminal sequences; CR and LF start
 *   a new line, so one field could forge another: "✓ all checks passed"), DEL, and
 *   the C1 controls U+0080–U+009F (U+009B is a one-character CSI, U+0085 a newline);
 * - category Cf, the invisible format characters: the bidirectional marks, embeddings,
 *   overrides and isolates (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069) that make
 *   text read differently from what it is, zero-width space, word joiner, BOM, soft
 *   hyphen, interlinear annotations and the tag characters U+E0000–U+E007F ("ASCII
 *   smuggling": text nobody sees);
 * - categories Zl and Zp (U+2028, U+2029), which some terminals and viewers break at;
 * - lone surrogates (category Cs), which cannot be written as UTF-8.
 *
 * Kept: ZERO WIDTH NON-JOINER and ZERO WIDTH JOINER (U+200C, U+200D), which Persian,
 * Indic scripts and emoji sequences need to read right; they change how neighbours
 * join, they cannot hide or move text. Tabs are escaped too: a field is one cell.
 *
 * Backslashes are not escaped by `escapeText`, so escaping twice changes nothing: a
 * message built from text already escaped by a reporter can be escaped again at the final
 * print. The cost is that a literal "\x1b" written in a label reads the same as ESC; the
 * JSON outputs keep the exact value. Where a field is printed once and must read back
 * exactly (`ls`'s file names, which scripts and people compare), `escapeExact` also
 * writes a backslash as `\\`: the name `a\nb` (four characters) is shown `a\\nb`, the
 * name with a newline `a\x0ab`, and the two cannot be confused.
 */

// The character set, in one place. The lookahead keeps ZWNJ and ZWJ out of Cf.
const UNSAFE = /(?![\u200c\u200d])[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;
const UNSAFE_OR_BACKSLASH = /\\|(?![\u200c\u200d])[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0");

function visible(c: string): string {
  const n = c.codePointAt(0)!;
  if (n <= 0xff) return `\\x${hex(n, 2)}`;
  return n <= 0xffff ? `\\u${hex(n, 4)}` : `\\u{${hex(n, 5)}}`;
}

/**
 * Text for one field of human output, on one line: every unsafe character (newlines
 * too) shown as an escape, `"a\x1b[2Jb"` → `a\x1b[2Jb` written out. Idempotent.
 */
export function escapeText(s: string): string {
  return s.replace(UNSAFE, visible);
}

/**
 * Like `escapeText`, and a backslash is shown as `\\`: the escaped text reads back to
 * exactly one original. Not idempotent: for data printed once, never for a message that
 * is escaped again at the final print.
 */
export function escapeExact(s: string): string {
  return s.replace(UNSAFE_OR_BACKSLASH, (c) => (c === "\\" ? "\\\\" : visible(c)));
}

/**
 * Text meant to span lines (a rule's remediation, a --debug stack): each line through
 * `escapeText`, joined with "\n" (CRLF and a bare CR count as line ends).
 */
export function escapeLines(s: string): string {
  return s.split(/\r\n?|\n/).map(escapeText).join("\n");
}

/**
 * A JSON document (as JSON.stringify writes it) with the same characters written as
 * \u escapes. JSON.stringify escapes C0 controls inside strings but leaves DEL, C1
 * controls, the bidi and invisible characters and U+2028/2029 raw. Outside strings JSON
 * text is ASCII, and its only C0 characters are the layout's newlines: those are kept.
 * JSON.parse returns exactly the same values.
 */
export function escapeJson(json: string): string {
  return json.replace(UNSAFE, (c) => (c < " " ? c : Array.from({ length: c.length }, (_, i) => `\\u${hex(c.charCodeAt(i), 4)}`).join("")));
}
