/** Parsing JSON documents of an image with messages that name the file. */
import { SourceError } from "../../errors.js";
import type { FileSource } from "../file-source.js";

/** No image document (manifest, index, config, archive manifest) nests this deep. */
export const MAX_JSON_DEPTH = 100;
/** Nor has this many objects and arrays: more would only cost memory to parse. */
export const MAX_JSON_CONTAINERS = 250_000;

/**
 * Why a JSON text is not parsed at all, or undefined: nested deeper than `maxDepth`, or
 * more than `maxContainers` objects and arrays. One pass over the bytes, before
 * JSON.parse builds what a hostile text asks for (a 4 MiB "[[[[…" is two million
 * arrays, and code that walks them recursively overflows the stack).
 */
export function jsonShapeProblem(bytes: Uint8Array, maxDepth = MAX_JSON_DEPTH, maxContainers = MAX_JSON_CONTAINERS): string | undefined {
  let depth = 0;
  let containers = 0;
  let inString = false;
  // UTF-8 continuation bytes are all ≥ 0x80: a quote or backslash byte is always that character
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return `nested more than ${maxDepth} levels deep`;
      if (++containers > maxContainers) return `more than ${maxContainers} objects and arrays`;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return undefined;
}

/**
 * The document parsed. A document that is not JSON is one line that says where it
 * stops being JSON, never what it holds (V8's message quotes the text: a leak).
 */
export function parseJson<T>(bytes: Buffer, what: string): T {
  const shape = jsonShapeProblem(bytes);
  if (shape) throw new SourceError(`${what}: not read: the JSON is ${shape}`);
  try {
    return JSON.parse(bytes.toString("utf8")) as T;
  } catch (err) {
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message)?.[1];
    const where = /Unexpected end of JSON input/.test(message) ? " (it ends too soon)" : at !== undefined ? ` (at byte ${at})` : "";
    throw new SourceError(`${what}: not valid JSON${where}`);
  }
}

export async function readJson<T>(source: FileSource, path: string, limit = 8 << 20): Promise<T> {
  return parseJson<T>(await source.readAll(path, limit), `${source.name}: ${path}`);
}

export function blobPath(digest: string): string {
  const i = digest.indexOf(":");
  return `blobs/${digest.slice(0, i)}/${digest.slice(i + 1)}`;
}
