/**
 * `imgpolicy ls REF [PATH]`: the image's flattened filesystem (every layer applied, as the
 * engine does), one line an entry with the layer it comes from, or a JSON array.
 */
import type { OpenOptions } from "../../inspect/resolve.js";
import { openImage } from "../../inspect/resolve.js";
import { readLayers } from "../../inspect/read-layers.js";
import { interestFromSpec } from "../../inspect/scan/interest-spec.js";
import { escapeJson } from "../../text/escape.js";
import type { Io } from "../main.js";
import { listTree, type ListedEntry } from "../list-tree.js";
import { writeListing } from "../render-listing.js";

export interface ListOptions extends OpenOptions {
  /** The path to list, with everything below it (default "/": all of it). */
  path?: string;
  /** Worker threads for the layer scan (0 = on this thread; default: chosen by image size and CPUs). */
  workers?: number;
}

/** Headers only: no file content is kept, no ELF file parsed, nothing sniffed. */
const HEADERS_ONLY = interestFromSpec({ exact: [], rules: [], maxSize: 0, elf: false, privateKeyScanBytes: 0 });

/** Opens a reference, reads its layers into the flattened tree, and lists PATH. */
export async function listImage(ref: string, opts: ListOptions = {}): Promise<ListedEntry[]> {
  const { path, workers, ...open } = opts;
  const image = await openImage(ref, open);
  try {
    const { tree } = await readLayers(image, HEADERS_ONLY, workers !== undefined ? { workers } : {});
    return listTree(tree, path ?? "/");
  } finally {
    await image.close();
  }
}

/**
 * One entry a line in an array: greppable, and still one JSON document. Exact values,
 * with what JSON.stringify leaves raw (C1 controls, bidi overrides…) as \u escapes.
 */
function writeJsonListing(entries: readonly ListedEntry[], write: (text: string) => void): void {
  if (entries.length === 0) return write("[]\n");
  // a slice at a time: the text of 300,000 entries is never held at once
  const SLICE = 4096;
  for (let i = 0; i < entries.length; i += SLICE) {
    const part = entries.slice(i, i + SLICE).map((e) => `  ${escapeJson(JSON.stringify(e))}`).join(",\n");
    write(`${i === 0 ? "[\n" : ",\n"}${part}`);
  }
  write("\n]\n");
}

export async function runLs(ref: string, path: string | undefined, opts: { json?: boolean }, io: Io, source: OpenOptions = {}): Promise<number> {
  const entries = await listImage(ref, { ...source, ...(path !== undefined ? { path } : {}) });
  const write = (text: string) => io.stdout(text);
  if (opts.json) writeJsonListing(entries, write);
  else writeListing(entries, write);
  return 0;
}
