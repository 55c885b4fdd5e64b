/** Parsing JSON documents of an image with messages that name the file. */
import { isUtf8 } from "node:buffer";
import { SourceError } from "../../errors.js";
import type { FileSource } from "../file-source.js";
import { goDecode, GoShapeError, type GoShape } from "./go-json.js";

/** No image document (manifest, index, config, archive manifest) nests this deep. */
export const MAX_JSON_DEPTH = 100;
/** Nor has this many objects and arrays: more would only cost memory to parse. */
export const MAX_JSON_CONTAINERS = 250_000;

/**
 * Keys that JSON.parse hides: for each object holding a key more than once, its path
 * (JSON.stringify of the keys and indexes from the root, as written) and each repeat.
 */
export type DuplicateKeys = ReadonlyMap<string, readonly string[]>;

export interface JsonScan {
  /** Why the text is not parsed at all, or undefined. */
  problem?: string;
  duplicates: DuplicateKeys;
}

interface Frame {
  object: boolean;
  /** The keys seen so far (objects, when keys are tracked). */
  keys?: Set<string>;
  expectKey: boolean;
  key: string;
  index: number;
  /** This container's key or index in its parent. */
  segment: string | number | undefined;
  /** Its path as a DuplicateKeys key, once computed. */
  path?: string;
}

/** A key's text: its bytes between the quotes, unescaped when it has escapes (undefined when they are not valid JSON). */
function keyText(bytes: Uint8Array, start: number, end: number, escaped: boolean): string | undefined {
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!escaped) return raw.toString("utf8", start, end);
  try {
    return JSON.parse(raw.toString("utf8", start - 1, end + 1)) as string;
  } catch {
    return undefined;
  }
}

/**
 * One pass over the bytes, before JSON.parse builds what a hostile text asks for:
 * refuses a text nested deeper than `maxDepth` or with more than `maxContainers`
 * objects and arrays (a 4 MiB "[[[[…" is two million arrays, and code that walks them
 * recursively overflows the stack), and, with `trackKeys`, finds the keys an object
 * holds twice, which JSON.parse hides (it keeps the last) and Go's encoding/json does
 * not (it decodes each into the same field).
 */
export function scanJson(bytes: Uint8Array, opts: { trackKeys?: boolean; maxDepth?: number; maxContainers?: number } = {}): JsonScan {
  const maxDepth = opts.maxDepth ?? MAX_JSON_DEPTH;
  const maxContainers = opts.maxContainers ?? MAX_JSON_CONTAINERS;
  const track = opts.trackKeys === true;
  const duplicates = new Map<string, string[]>();
  // JSON.parse (after Buffer's UTF-8 decoding) and Go replace bad UTF-8 differently: one
  // U+FFFD for a cut-short sequence, against one per byte, so a string (USER) could read
  // otherwise than the engine reads it
  if (track && !isUtf8(bytes)) return { problem: "not UTF-8 text", duplicates };
  const stack: Frame[] = [];
  let containers = 0;
  let inString = false;
  let keyStart = -1;
  let escaped = false;
  // UTF-8 continuation bytes are all ≥ 0x80: a quote or backslash byte is always that character
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c) {
        escaped = true;
        i++;
      } else if (c === 0x22) {
        inString = false;
        if (keyStart >= 0) {
          const top = stack[stack.length - 1]!;
          const key = keyText(bytes, keyStart, i, escaped);
          keyStart = -1;
          top.expectKey = false;
          if (key !== undefined) {
            top.key = key;
            if (top.keys!.has(key)) {
              top.path ??= JSON.stringify(stack.slice(1).map((f) => f.segment));
              const repeats = duplicates.get(top.path);
              if (repeats) repeats.push(key);
              else duplicates.set(top.path, [key]);
            } else top.keys!.add(key);
          }
        }
      }
      continue;
    }
    if (c === 0x22) {
      inString = true;
      const top = stack[stack.length - 1];
      if (track && top?.object && top.expectKey) {
        keyStart = i + 1;
        escaped = false;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (stack.length + 1 > maxDepth) return { problem: `nested more than ${maxDepth} levels deep`, duplicates };
      if (++containers > maxContainers) return { problem: `more than ${maxContainers} objects and arrays`, duplicates };
      const parent = stack[stack.length - 1];
      const object = c === 0x7b;
      stack.push({
        object,
        ...(track && object ? { keys: new Set<string>() } : {}),
        expectKey: object,
        key: "",
        index: 0,
        segment: parent === undefined ? undefined : parent.object ? parent.key : parent.index,
      });
    } else if (c === 0x5d || c === 0x7d) stack.pop();
    else if (c === 0x2c) {
      const top = stack[stack.length - 1];
      if (top?.object) top.expectKey = true;
      else if (top) top.index++;
    }
  }
  return { duplicates };
}

/** Why a JSON text is not parsed at all, or undefined (see scanJson). */
export function jsonShapeProblem(bytes: Uint8Array, maxDepth = MAX_JSON_DEPTH, maxContainers = MAX_JSON_CONTAINERS): string | undefined {
  return scanJson(bytes, { maxDepth, maxContainers }).problem;
}

/**
 * The document parsed. A document that is not JSON is one line that says where it
 * stops being JSON, never what it holds (V8's message quotes the text: a leak). With
 * a shape (an image document: go-json-shapes.ts), the value is what the engine's Go
 * code reads from it (go-json.ts), or a SourceError where that is not one thing.
 */
export function parseJson<T>(bytes: Buffer, what: string, shape?: GoShape): T {
  const scan = scanJson(bytes, { trackKeys: shape !== undefined });
  if (scan.problem) throw new SourceError(`${what}: not read: the JSON is ${scan.problem}`);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message)?.[1];
    const where = /Unexpected end of JSON input/.test(message) ? " (it ends too soon)" : at !== undefined ? ` (at byte ${at})` : "";
    throw new SourceError(`${what}: not valid JSON${where}`);
  }
  if (shape === undefined) return value as T;
  try {
    return goDecode(value, shape, scan.duplicates) as T;
  } catch (err) {
    if (err instanceof GoShapeError) throw new SourceError(`${what}: ${err.message}`, { cause: err });
    throw err;
  }
}

export async function readJson<T>(source: FileSource, path: string, shape?: GoShape, limit = 8 << 20): Promise<T> {
  return parseJson<T>(await source.readAll(path, limit), `${source.name}: ${path}`, shape);
}

export function blobPath(digest: string): string {
  const i = digest.indexOf(":");
  return `blobs/${digest.slice(0, i)}/${digest.slice(i + 1)}`;
}
