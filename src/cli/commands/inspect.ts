/** `imgpolicy inspect REF`: print the facts of one image, as text or JSON. */
import { inspect } from "../../inspect/facts/collect.js";
import type { OpenOptions } from "../../inspect/resolve.js";
import { renderJsonChunks } from "../../policies/report/json.js";
import type { Io } from "../main.js";
import { renderFacts } from "../render-facts.js";

export async function runInspect(ref: string, opts: { json?: boolean }, io: Io, source: OpenOptions = {}): Promise<number> {
  const facts = await inspect(ref, source);
  // JSON: exact values, with what JSON.stringify leaves raw (C1, bidi…) as \u escapes,
  // written in pieces (the facts of an image with 100,000 env entries are a 14 MB document:
  // one whole string, its escaped copy and its bytes held at once took 60 MB more)
  if (opts.json) for (const piece of renderJsonChunks(facts)) io.stdout(piece);
  else io.stdout(renderFacts(facts, { color: io.isTTY }));
  return 0;
}
