/** What the facts make of a path by its name alone: stray file, secret file (by name), known program, zone. */
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
