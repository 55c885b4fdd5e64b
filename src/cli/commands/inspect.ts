/** `imgpolicy inspect REF`: print the facts of one image, as text or JSON. */
import { inspect } from "../../inspect/facts/collect.js";
import type { OpenOptions } from "../../inspect/resolve.js";
import { escapeJson } from "../../text/escape.js";
import type { Io } from "../main.js";
import { renderFacts } from "../render-facts.js";

export async function runInspect(ref: string, opts: { json?: boolean }, io: Io, source: OpenOptions = {}): Promise<number> {
  const facts = await inspect(ref, source);
  // JSON: exact values, with what JSON.stringify leaves raw (C1, bidi…) as \u escapes.
  io.stdout(opts.json ? escapeJson(JSON.stringify(facts, null, 2)) + "\n" : renderFacts(facts, { color: io.isTTY }));
  return 0;
}
