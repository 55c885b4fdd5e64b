/**
 * What the facts make of a path by its name alone: stray file, secret file (by
 * name), known program, zone. The layer scan works it out for each entry as it
 * reads the entry's header (in a worker thread, mostly), so that neither the main
 * thread nor the end of the inspection spends time on it; the kinds travel with
 * the entry.
 */
import type { FileRecord } from "../fs/file-record.js";
import { classifyBinary, type BinaryClass } from "./known-binaries.js";
import { lastSegment } from "./path-tail.js";
import { secretKindOf } from "./secret-files.js";
import { strayKindOf } from "./stray-files.js";
import { zoneName } from "./zoneinfo.js";

export interface PathKinds {
  stray: string | undefined;
  /** By path only (a private key found by content is the record's `privateKey`). */
  secret: string | undefined;
  binary: BinaryClass | undefined;
  zone: string | undefined;
}

/** Most paths are none of these: one shared answer for them. */
export const NOTHING: PathKinds = Object.freeze({ stray: undefined, secret: undefined, binary: undefined, zone: undefined });

/** `pathDirs`: the directories of the image's PATH (see `classifyBinary`). */
export function classifyPath(path: string, pathDirs: readonly string[]): PathKinds {
  const base = lastSegment(path);
  const stray = strayKindOf(path, base);
  const secret = secretKindOf(path, base);
  const binary = classifyBinary(path, pathDirs);
  const zone = zoneName(path);
  return stray === undefined && secret === undefined && binary === undefined && zone === undefined ? NOTHING : { stray, secret, binary, zone };
}

/**
 * The kinds are kept on the entries themselves (a lookup by path in a map of every
 * path costs more than the rest of a walk over them), with the path they are for:
 * the flattening copies an entry it moves (symlinked parent directories), and the
 * copy keeps the properties of the original.
 */
const KINDS = Symbol("path kinds");
const KINDS_PATH = Symbol("path kinds for");
type Classified = FileRecord & { [KINDS]?: PathKinds; [KINDS_PATH]?: string };

export function attachKinds(rec: FileRecord, kinds: PathKinds): void {
  const c = rec as Classified;
  c[KINDS] = kinds;
  c[KINDS_PATH] = rec.path;
}

/** The kinds attached to an entry for its path, if any. */
export function attachedKinds(rec: FileRecord): PathKinds | undefined {
  const c = rec as Classified;
  return c[KINDS_PATH] === rec.path ? c[KINDS] : undefined;
}
