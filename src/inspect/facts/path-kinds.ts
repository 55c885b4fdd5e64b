/**
 * The kinds of the entries' paths (parsers/path-kinds.ts) for the facts: as the
 * layer scan attached them, or worked out as each layer comes in (while later
 * layers are still being read) when it did not, or at the end for an entry not
 * seen then (or moved since).
 */
import type { FileRecord } from "../fs/file-record.js";
import { attachedKinds, attachKinds, classifyPath, type PathKinds } from "../parsers/path-kinds.js";

export type { PathKinds } from "../parsers/path-kinds.js";

export class PathKindsMemo {
  /** `pathDirs`: the directories of the image's PATH (see `classifyBinary`), as the scan was given them. */
  constructor(private readonly pathDirs: readonly string[] = []) {}

  /** Classifies the paths of entries the scan did not classify. */
  learn(files: readonly FileRecord[]): void {
    for (const f of files) if (attachedKinds(f) === undefined) attachKinds(f, classifyPath(f.path, this.pathDirs));
  }

  /** The kinds of an entry's path. */
  of(r: FileRecord): PathKinds {
    return attachedKinds(r) ?? classifyPath(r.path, this.pathDirs);
  }
}
