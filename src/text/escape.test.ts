import { describe, expect, it } from "vitest";
import { escapeExact, escapeJson, escapeLines, escapeText } from "./escape.js";

/** Every character escapeText must not let through raw. */
const MUST_ESCAPE: [string, string][] = [
  ["\x00", "\\x00"],
  ["\x07", "\\x07"],
  ["\t", "\\x09"],
  ["\n", "\\x0a"],
  ["\r", "\\x0d"],
  ["\x1b", "\\x1b"],
  ["\x7f", "\\x7f"],
  ["\u0085", "\\x85"],
  ["\u009b", "\\x9b"],
  ["\u00ad", "\\xad"],
  ["\u061c", "\\u061c"],
  ["\u200b", "\\u200b"],
  ["\u200e", "\\u200e"],
  ["\u200f", "\\u200f"],
  ["\u202a", "\\u202a"],
  ["\u202e", "\\u202e"],
  ["\u2028", "\\u2028"],
  ["\u2029", "\\u2029"],
  ["\u2060", "\\u2060"],
  ["\u2066", "\\u2066"],
  ["\u2069", "\\u2069"],
  ["\ufeff", "\\ufeff"],
  ["\ud800", "\\ud800"],
  ["\u{e0041}", "\\u{e0041}"],
];

describe("escapeText", () => {
  it.each(MUST_ESCAPE)("shows %j as %s", (raw, shown) => {
    expect(escapeText(`a${raw}b`)).toBe(`a${shown}b`);
  });

  it("turns terminal sequences and forged lines into one visible line", () => {
    expect(escapeText("x\x1b]0;owned\x07\x1b[2J\r✓ all checks passed\n")).toBe("x\\x1b]0;owned\\x07\\x1b[2J\\x0d✓ all checks passed\\x0a");
  });

  it("keeps printable text, other scripts, emoji and the joiners they need", () => {
    const kept = "Grüße → /usr/bin/su … 日本語 \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \u{1f469}\u200d\u{1f4bb} \u0915\u094d\u200d\u0937 \ufe0f a\\b";
    expect(escapeText(kept)).toBe(kept);
  });

  it("is idempotent, so text escaped by a reporter is not escaped again at the final print", () => {
    const once = escapeText("\x1b[31m\u202e\n\u{e0041}\\x1b");
    expect(escapeText(once)).toBe(once);
  });
});

describe("escapeExact", () => {
  /** Reads an escapeExact text back: the inverse that exists because a backslash is escaped too. */
  const unescape = (t: string) => t.replace(/\\(\\|x[0-9a-f]{2}|u\{[0-9a-f]+\}|u[0-9a-f]{4})/g, (_, e: string) => (e === "\\" ? "\\" : String.fromCodePoint(parseInt(e.replace(/[xu{}]/g, ""), 16))));

  it("shows a backslash as \\\\, so a name holding the text \\x0a differs from one holding a newline", () => {
    expect(escapeExact("a\\nb")).toBe("a\\\\nb");
    expect(escapeExact("a\nb")).toBe("a\\x0ab");
    expect(escapeExact("a\\x0ab")).not.toBe(escapeExact("a\nb"));
    expect(escapeExact("\\")).toBe("\\\\");
  });

  it("escapes what escapeText escapes, and reads back to exactly the original", () => {
    for (const s of ["plain", "a\\b\\\\c", "\\x1b[31m", "\x1b[31m", "\u202e\\u202e", "\u{e0041}x", "tab\there\\t", "日本\u200d"]) {
      const shown = escapeExact(s);
      expect(shown).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e\u{e0041}]/u);
      expect(unescape(shown)).toBe(s);
    }
  });
});

describe("escapeLines", () => {
  it("keeps line ends and escapes the rest on each line", () => {
    expect(escapeLines("line 1\r\nline\t2\x07\rline 3\nend\u2028")).toBe("line 1\nline\\x092\\x07\nline 3\nend\\u2028");
  });
});

describe("escapeJson", () => {
  it("writes what JSON.stringify leaves raw as \\u escapes, and parses back to the same value", () => {
    const value = { "k\u202e": "a\x1b\x7f\u009b\u2028\u200b\u{e0041}\ud800 ok 👩‍💻" };
    const json = escapeJson(JSON.stringify(value, null, 2));
    expect(json).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b\u2028\u202e\u{e0041}]/u);
    expect(json).toContain("\\u202e");
    expect(json).toContain("\\udb40\\udc41");
    expect(JSON.parse(json)).toEqual(value);
  });
});
