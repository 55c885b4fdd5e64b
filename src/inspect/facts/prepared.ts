/**
 * Work on each layer's entries as the layer comes in, while later layers are still
 * being read, that the facts would otherwise do at the end: the paths classified
 * (path-kinds.ts) and the CA bundles' certificates parsed.
 */
import type { FileRecord } from "../fs/file-record.js";
import { certificateExpiries } from "../parsers/ca-bundle.js";
import { PathKindsMemo } from "./path-kinds.js";

export class PreparedFacts {
  readonly kinds: PathKindsMemo;
  readonly #bundlePaths: ReadonlySet<string>;
  readonly #expiries = new WeakMap<Buffer, (Date | undefined)[]>();

  /** `pathDirs`: the directories of the image's PATH; `bundlePaths`: where CA bundles are looked for. */
  constructor(pathDirs: readonly string[], bundlePaths: readonly string[]) {
    this.kinds = new PathKindsMemo(pathDirs);
    this.#bundlePaths = new Set(bundlePaths);
  }

  /** Takes a layer's entries (in any number of pieces). */
  readonly learn = (files: readonly FileRecord[]): void => {
    this.kinds.learn(files);
    for (const f of files) {
      if (f.content === undefined || !this.#bundlePaths.has(f.path)) continue;
      // the layer scan has most often read the certificates already (where it kept the bundle)
      const expiries = f.certExpiries?.map((t) => (t === null ? undefined : new Date(t))) ?? certificateExpiries(f.content);
      this.#expiries.set(f.content, expiries);
    }
  };

  /** The expiries of the certificates in a bundle, when it was parsed ahead of time. */
  readonly expiriesOf = (content: Buffer): (Date | undefined)[] | undefined => this.#expiries.get(content);
}
