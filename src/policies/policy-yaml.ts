/**
 * YAML (and JSON) text to data, bounded: a hostile policy must end as a `file:line:col`
 * problem like any bad policy, never as a stack overflow or an "internal error".
 * - nesting: the syntax tree from yaml's Parser (which keeps its own stack) is measured
 *   without recursion before anything recursive sees it, at most MAX_DEPTH levels (and
 *   flow brackets are counted on the lexer's tokens first, which stops at the limit:
 *   a megabyte of "[" ends in milliseconds, not seconds);
 * - aliases: `maxAliasCount` bounds what one alias may expand to ("billion laughs");
 * - size: the data, aliases expanded, holds at most MAX_VALUES values.
 * Messages quote no text of the file beyond YAML's own short phrase, escaped.
 */
import { CST as Tokens, Lexer, LineCounter, Parser, parseDocument, type CST, type Document } from "yaml";
import { escapeText } from "../text/escape.js";

export const MAX_DEPTH = 64;
export const MAX_ALIAS_COUNT = 100;
export const MAX_VALUES = 100_000;

export interface YamlProblem {
  line: number;
  col: number;
  message: string;
}

export type ParsedYaml = { doc: Document; lc: LineCounter; data: unknown; problems?: undefined } | { problems: YamlProblem[] };

interface Measure {
  /** Offset of the first token nested deeper than MAX_DEPTH. */
  tooDeep?: number;
  /** Offset of the first alias. */
  firstAlias?: number;
}

/** Depth and first alias of the syntax tree, without recursion. */
function measure(tokens: readonly CST.Token[]): Measure {
  const out: Measure = {};
  const stack: [CST.Token, number][] = tokens.map((t) => [t, 0]);
  while (stack.length) {
    const [t, depth] = stack.pop()!;
    if (depth > MAX_DEPTH) {
      out.tooDeep = "offset" in t ? t.offset : 0;
      return out;
    }
    if (t.type === "alias" && (out.firstAlias === undefined || t.offset < out.firstAlias)) out.firstAlias = t.offset;
    if (t.type === "document" && t.value) stack.push([t.value, depth]);
    else if (t.type === "block-map" || t.type === "block-seq" || t.type === "flow-collection") {
      for (const item of t.items) {
        if ("key" in item && item.key) stack.push([item.key, depth + 1]);
        if (item.value) stack.push([item.value, depth + 1]);
      }
    } else if (t.type === "block-scalar") for (const p of t.props) stack.push([p, depth]);
  }
  return out;
}

/** The offset where "[" / "{" first nest deeper than MAX_DEPTH, from the lexer's tokens, stopping there. */
function flowTooDeep(text: string): number | undefined {
  let offset = 0;
  let depth = 0;
  for (const token of new Lexer().lex(text)) {
    const type = Tokens.tokenType(token);
    if (type === "flow-seq-start" || type === "flow-map-start") {
      if (++depth > MAX_DEPTH) return offset;
    } else if (type === "flow-seq-end" || type === "flow-map-end") depth--;
    // the lexer's own markers (document start, scalar, flow end) are not source text
    if (token !== Tokens.DOCUMENT && token !== Tokens.SCALAR && token !== Tokens.FLOW_END) offset += token.length;
  }
  return undefined;
}

/** How many values `data` holds with aliases expanded, counting up to `cap` + 1. */
export function countValues(data: unknown, cap = MAX_VALUES): number {
  let n = 0;
  const stack: unknown[] = [data];
  while (stack.length && n <= cap) {
    const v = stack.pop();
    n++;
    if (v === null || typeof v !== "object") continue;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push(child);
  }
  return n;
}

const yamlMessage = (m: string): string => {
  const first = escapeText(m.split("\n")[0] ?? "");
  return first.length > 160 ? `${first.slice(0, 160)}…` : first;
};

export function parsePolicyYaml(text: string): ParsedYaml {
  const deep = (offset: number) => {
    const lines = new LineCounter();
    lines.addNewLine(0);
    for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) lines.addNewLine(i + 1);
    return { problems: [{ ...lines.linePos(offset), message: `the document nests deeper than ${MAX_DEPTH} levels; a policy needs a few` }] };
  };
  const flow = flowTooDeep(text);
  if (flow !== undefined) return deep(flow);
  const m = measure([...new Parser().parse(text)]);
  if (m.tooDeep !== undefined) return deep(m.tooDeep);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) return { problems: doc.errors.map((e) => ({ ...lc.linePos(e.pos[0]), message: `invalid YAML: ${yamlMessage(e.message)}` })) };
  const aliasAt = (): { line: number; col: number } => lc.linePos(m.firstAlias ?? 0);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // yaml throws a ReferenceError for excessive aliasing; anything else from toJS is a bad document too
    const why = err instanceof ReferenceError ? `its aliases expand too far (more than ${MAX_ALIAS_COUNT} values for one alias)` : yamlMessage((err as Error).message);
    return { problems: [{ ...aliasAt(), message: `invalid YAML: ${why}` }] };
  }
  if (countValues(data) > MAX_VALUES) {
    return { problems: [{ ...aliasAt(), message: `the document holds more than ${MAX_VALUES} values once its aliases are expanded; a policy needs far fewer` }] };
  }
  return { doc, lc, data: data ?? {} };
}
