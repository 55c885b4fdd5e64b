/**
 * The report as JSON (schema `imgpolicy/report@1`, described in docs/report.md and
 * schema/report.schema.json): the Report object as is, pretty-printed.
 *
 * Written in pieces: a report of 20,000 findings is a 10 MB document, and building it
 * whole (JSON.stringify, then the escaping pass, then the bytes for the file) held three
 * copies of it at once. `renderJsonChunks` yields the same text a piece at a time, so
 * what is held is one piece and the Report itself.
 */
import { escapeJson } from "../../text/escape.js";
import type { Report } from "../report-types.js";

/** Characters gathered before a piece is given out. */
const PIECE = 64 * 1024;
const STEP = "  ";

/**
 * Exactly `escapeJson(JSON.stringify(report, null, 2)) + "\n"`, in pieces of about 64 K
 * characters. A piece ends between two tokens, never inside a string (so never between
 * the halves of a surrogate pair), and the escaping is per character, so escaping each
 * piece gives the text the whole document would. Follows JSON.stringify's rules for
 * plain data: toJSON, properties that are undefined or functions left out (null in an
 * array), non-finite numbers as null, boxed primitives unboxed, a cycle a TypeError.
 */
export function* renderJsonChunks(report: Report | object, pieceSize = PIECE): Generator<string, void, undefined> {
  const parts: string[] = [];
  let size = 0;
  const add = (s: string): boolean => {
    parts.push(s);
    size += s.length;
    return size >= pieceSize;
  };
  const take = (): string => {
    const piece = escapeJson(parts.join(""));
    parts.length = 0;
    size = 0;
    return piece;
  };
  const open = new Set<object>();

  /** Writes one value already through toJSON and known to be written (not undefined). */
  function* value(v: object, indent: string): Generator<string, void, undefined> {
    if (open.has(v)) throw new TypeError("Converting circular structure to JSON");
    open.add(v);
    const inner = indent + STEP;
    if (Array.isArray(v)) {
      if (v.length === 0) add("[]");
      else {
        add("[");
        for (let i = 0; i < v.length; i++) {
          if (add(i === 0 ? `\n${inner}` : `,\n${inner}`)) yield take();
          const item = prepare(v[i], String(i));
          if (typeof item === "string") {
            if (add(item)) yield take();
          } else if (item === undefined) {
            if (add("null")) yield take();
          } else yield* value(item, inner);
        }
        add(`\n${indent}]`);
      }
    } else {
      let first = true;
      for (const key of Object.keys(v)) {
        const item = prepare((v as Record<string, unknown>)[key], key);
        if (item === undefined) continue;
        if (add(`${first ? "{" : ","}\n${inner}${JSON.stringify(key)}: `)) yield take();
        first = false;
        if (typeof item === "string") {
          if (add(item)) yield take();
        } else yield* value(item, inner);
      }
      add(first ? "{}" : `\n${indent}}`);
    }
    open.delete(v);
    if (size >= pieceSize) yield take();
  }

  const top = prepare(report, "");
  if (top === undefined) throw new TypeError("the report is not a JSON value");
  if (typeof top === "string") add(top);
  else yield* value(top, "");
  add("\n");
  yield take();
}

/**
 * A value as JSON.stringify sees it: after toJSON, a primitive as its JSON text, an
 * object or array to walk, or undefined when it is left out.
 */
function prepare(v: unknown, key: string): string | object | undefined {
  if (v !== null && (typeof v === "object" || typeof v === "bigint") && typeof (v as { toJSON?: unknown }).toJSON === "function") {
    v = (v as { toJSON: (k: string) => unknown }).toJSON(key);
  }
  if (v === null || typeof v !== "object") return JSON.stringify(v) as string | undefined;
  if (v instanceof Number || v instanceof String || v instanceof Boolean) return JSON.stringify(v);
  return v;
}

/**
 * Two-space indented JSON ending in a newline. Values are exact; JSON.stringify escapes
 * C0 controls, and escapeJson the DEL, C1, bidi and invisible characters it leaves raw,
 * so the document is safe to print on a terminal too. The whole text: where it is
 * written to a stream or file, `renderJsonChunks` holds less.
 */
export function renderJson(report: Report): string {
  return Array.from(renderJsonChunks(report)).join("");
}
