/**
 * An image document as the engine reads it. The engine decodes manifest.json, configs,
 * manifests and indexes with Go's encoding/json into structs, and that is not what
 * JSON.parse gives:
 * - a key names a struct field without regard to case: ASCII letters fold, and so do
 *   'ſ' (U+017F) with s and 'K' (U+212A) with k (bytes.EqualFold), so "user" and "Uſer"
 *   set User;
 * - a field set by several keys is decoded again for each, in document order: the last
 *   value wins, except that null leaves a string as it was and a second object or
 *   array is decoded into the first (fields merge, elements are updated in place);
 * - a map (Labels, annotations) matches its keys exactly, the last of equal keys wins;
 * - docker's StrSlice (Cmd, Entrypoint, Shell) takes a string as a one-element list;
 * - null elements of a list or values of a map are zero values ("" for a string);
 * - a value of another type fails the whole decode (the engine refuses the image).
 *
 * goDecode walks a parsed document along a declared shape (go-json-shapes.ts) and
 * returns it under the canonical field names, with Go's values. Where two or more keys
 * of one object set the same field (exact repeats come from json.ts's scan, since
 * JSON.parse keeps only the last), it refuses rather than imitate the merging above;
 * no tool writes such a document.
 */
import type { DuplicateKeys } from "./json.js";

/** How Go decodes a value: a Go type, reduced to what changes the reading. */
export type GoShape =
  | "string"
  | "int"
  | "bool"
  /** docker's strslice.StrSlice: a list of strings, or one string. */
  | "strslice"
  /** Not decoded here (its reader checks it), but its key still names the field. */
  | "any"
  | { readonly list: GoShape }
  | { readonly map: GoShape }
  | GoStruct;

export interface GoStruct {
  readonly struct: Readonly<Record<string, GoShape>>;
}

/** A document that Go would read otherwise than it is written, or not at all; the message names the field. */
export class GoShapeError extends Error {
  override readonly name = "GoShapeError";
}

/** The fold of a key as Go compares it with an ASCII field name: equal folds, same field. */
export function goFold(key: string): string {
  let out = "";
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) out += String.fromCharCode(c - 0x20);
    else if (c === 0x17f) out += "S";
    else if (c === 0x212a) out += "K";
    else out += key[i];
  }
  return out;
}

/** The field a key sets in a struct, or undefined (a key Go ignores). */
function fieldOf(s: GoStruct, key: string): string | undefined {
  if (Object.hasOwn(s.struct, key)) return key;
  // no field name is this long: no need to fold a long key
  if (key.length > 40) return undefined;
  const folded = goFold(key);
  // 'ſ' and 'K' are one UTF-16 unit, like the letters they fold with: lengths must agree
  for (const name of Object.keys(s.struct)) if (name.length === key.length && goFold(name) === folded) return name;
  return undefined;
}

type Path = readonly (string | number)[];
/** A map's key in a path shown in a message: the image's text is not quoted. */
const MAP_ENTRY = "[…]";

function shown(path: Path): string {
  if (path.length === 0) return "the document";
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : p === MAP_ENTRY || i === 0 ? p : `.${p}`)).join("");
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "number") return Number.isInteger(v) ? "a number" : "a fraction";
  return `a ${typeof v}`;
}

const EXPECTED: Record<string, string> = { string: "a string", int: "a whole number", bool: "true or false", strslice: "a string or a list of strings" };

function mismatch(path: Path, v: unknown, want: string): GoShapeError {
  return new GoShapeError(`${shown(path)} is ${kindOf(v)} where the engine reads ${want}, and refuses the image`);
}

function define(out: Record<string, unknown>, key: string, value: unknown): void {
  // a key "__proto__" is data here, never the prototype
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Go's zero value, for a null list element or map value. */
function zero(shape: GoShape): unknown {
  if (shape === "string") return "";
  if (shape === "int") return 0;
  if (shape === "bool") return false;
  if (typeof shape === "object" && "struct" in shape) return {};
  return null;
}

class Decoder {
  constructor(private readonly duplicates: DuplicateKeys) {}

  /** `value` as Go decodes it into `shape`; undefined where Go leaves the zero value (null). */
  value(v: unknown, shape: GoShape, path: Path, at: Path): unknown {
    if (shape === "any") return v;
    if (v === null) return undefined;
    if (typeof shape === "string") return this.scalar(v, shape, path);
    if ("list" in shape) {
      if (!Array.isArray(v)) throw mismatch(path, v, "a list");
      return v.map((e, i) => (e === null ? zero(shape.list) : this.value(e, shape.list, [...path, i], [...at, i])));
    }
    if (typeof v !== "object" || Array.isArray(v)) throw mismatch(path, v, "an object");
    const obj = v as Record<string, unknown>;
    if ("map" in shape) {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(obj)) {
        const e = obj[key];
        define(out, key, e === null ? zero(shape.map) : this.value(e, shape.map, [...path, MAP_ENTRY], [...at, key]));
      }
      return out;
    }
    return this.struct(obj, shape, path, at);
  }

  private scalar(v: unknown, shape: "string" | "int" | "bool" | "strslice", path: Path): unknown {
    if (shape === "string" && typeof v === "string") return v;
    if (shape === "int" && typeof v === "number" && Number.isInteger(v)) return v;
    if (shape === "bool" && typeof v === "boolean") return v;
    if (shape === "strslice") {
      if (typeof v === "string") return [v];
      if (Array.isArray(v) && v.every((e) => e === null || typeof e === "string")) return v.map((e) => e ?? "");
    }
    throw mismatch(path, v, EXPECTED[shape]!);
  }

  /** `path` names fields canonically (for messages); `at` as written (the scan's paths). */
  private struct(obj: Record<string, unknown>, shape: GoStruct, path: Path, at: Path): Record<string, unknown> {
    const keysOf = new Map<string, string[]>();
    const repeats = this.duplicates.size > 0 ? (this.duplicates.get(JSON.stringify(at)) ?? []) : [];
    for (const key of [...Object.keys(obj), ...repeats]) {
      const field = fieldOf(shape, key);
      if (field === undefined) continue;
      const keys = keysOf.get(field);
      if (keys) keys.push(key);
      else keysOf.set(field, [key]);
    }
    const out: Record<string, unknown> = {};
    for (const [field, keys] of keysOf) {
      if (keys.length > 1) {
        const spelled = keys.map((k) => JSON.stringify(k)).join(", ");
        throw new GoShapeError(`${shown([...path, field])} is set by ${keys.length} keys (${spelled}): the engine matches keys without regard to case and decodes each, so which value it runs with is not clear; refused`);
      }
      const value = this.value(obj[keys[0]!], shape.struct[field]!, [...path, field], [...at, keys[0]!]);
      if (value !== undefined) define(out, field, value);
    }
    return out;
  }
}

/**
 * The document as the engine's Go code reads it, under canonical field names (keys
 * that name no field are left out). `duplicates` are the repeated keys JSON.parse hid
 * (json.ts's scanJson). Throws GoShapeError, whose message names the field.
 */
export function goDecode(value: unknown, shape: GoShape, duplicates: DuplicateKeys = new Map()): unknown {
  return new Decoder(duplicates).value(value, shape, [], []);
}
