/**
 * JSON policy files are JSON: YAML would take `{"failOn": "high",}` (a trailing comma),
 * single quotes or comments, which JSON tools and editors refuse. This checks the text
 * against JSON's grammar (RFC 8259) before the YAML parser reads it (JSON is YAML, so
 * that parser then gives the positions of schema problems), and reports the first
 * syntax error at line:col. Without recursion, nesting bounded as for YAML; messages
 * name the kind of token found ("a comma"), never the file's text.
 */
import { MAX_DEPTH, type YamlProblem } from "./policy-yaml.js";

type Want = "value" | "valueOrClose" | "key" | "keyOrClose" | "colon" | "after" | "end";

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const LITERAL = /true|false|null/y;
const WHITESPACE = /[ \t\n\r]*/y;

/** What was found at `c`, in words. */
function kind(c: string): string {
  const names: Record<string, string> = { ",": "a comma", ":": "a colon", "{": "an opening brace", "}": "a closing brace", "[": "an opening bracket", "]": "a closing bracket", '"': "a string", "'": "a single quote" };
  if (names[c]) return names[c];
  if (/[-0-9]/.test(c)) return "a number";
  return c === "/" || c === "#" ? "a comment" : "text that is no JSON value";
}

/** The end of the string that starts at `start` (its closing quote + 1), or a problem at an offset. */
function scanString(text: string, start: number): number | { at: number; message: string } {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20) return { at: i, message: "a control character (a line break or tab) inside a string: write it as an escape (\\n, \\t)" };
    if (c === 0x5c) {
      const e = text[i + 1];
      if (e === "u") {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return { at: i, message: "a \\u escape without four hex digits" };
        i += 6;
        continue;
      }
      if (e === undefined || !'"\\/bfnrt'.includes(e)) return { at: i, message: "an escape JSON does not have (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)" };
      i += 2;
      continue;
    }
    i++;
  }
  return { at: start, message: "a string that does not end" };
}

/** Line and column (1-based) of an offset. */
function position(text: string, at: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < at; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: at - lineStart + 1 };
}

/** The first JSON syntax error in `text`, or undefined when it is JSON. */
export function jsonSyntaxProblem(text: string): YamlProblem | undefined {
  const stack: string[] = [];
  let want: Want = "value";
  let comma = -1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const problem = (at: number, message: string): YamlProblem => ({ ...position(text, at), message: `not valid JSON: ${message}` });
  const afterValue = (): Want => (stack.length ? "after" : "end");
  for (;;) {
    WHITESPACE.lastIndex = i;
    WHITESPACE.exec(text);
    i = WHITESPACE.lastIndex;
    if (i >= text.length) return want === "end" ? undefined : problem(i, stack.length ? `the file ends inside ${stack.length === 1 ? "an" : "a nested"} ${stack.at(-1) === "{" ? "object" : "array"}` : "the file holds no value");
    const c = text[i];
    if (want === "end") return problem(i, `${kind(c)} after the end of the JSON value`);
    if (want === "colon") {
      if (c !== ":") return problem(i, `expected a colon after the property name, found ${kind(c)}`);
      i++;
      want = "value";
      continue;
    }
    if (want === "after") {
      const top = stack.at(-1);
      if (c === ",") {
        comma = i++;
        want = top === "{" ? "key" : "value";
      } else if ((c === "}" && top === "{") || (c === "]" && top === "[")) {
        stack.pop();
        i++;
        want = afterValue();
      } else return problem(i, `expected a comma or ${top === "{" ? "a closing brace" : "a closing bracket"}, found ${kind(c)}`);
      continue;
    }
    if ((want === "keyOrClose" && c === "}") || (want === "valueOrClose" && c === "]")) {
      stack.pop();
      i++;
      want = afterValue();
      continue;
    }
    if ((want === "key" || want === "value") && comma >= 0 && (c === "}" || c === "]")) return problem(comma, `a trailing comma before ${kind(c)}: JSON allows none`);
    if (want === "key" || want === "keyOrClose") {
      if (c !== '"') return problem(i, `expected a property name in double quotes, found ${kind(c)}`);
      comma = -1;
      const end = scanString(text, i);
      if (typeof end !== "number") return problem(end.at, end.message);
      i = end;
      want = "colon";
      continue;
    }
    // a value
    comma = -1;
    if (c === "{" || c === "[") {
      if (stack.length >= MAX_DEPTH) return problem(i, `nested deeper than ${MAX_DEPTH} levels`);
      stack.push(c);
      i++;
      want = c === "{" ? "keyOrClose" : "valueOrClose";
      continue;
    }
    if (c === '"') {
      const end = scanString(text, i);
      if (typeof end !== "number") return problem(end.at, end.message);
      i = end;
    } else {
      NUMBER.lastIndex = i;
      LITERAL.lastIndex = i;
      const m = NUMBER.exec(text) ?? LITERAL.exec(text);
      if (!m) return problem(i, `expected a value, found ${kind(c)}`);
      i += m[0].length;
    }
    want = afterValue();
  }
}
