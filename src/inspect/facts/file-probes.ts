/** `facts.files`: what the image holds at the paths a policy asked about. */
import type { FileTree } from "../fs/file-tree.js";
import { joinInRoot } from "../fs/image-path.js";
import type { FileProbe } from "./types.js";

const MAX_TEXT = 1 << 20;

export function fileProbes(tree: FileTree, paths: readonly string[]): Record<string, FileProbe> {
  const out: Record<string, FileProbe> = {};
  for (const asked of paths) {
    const path = joinInRoot("/", asked);
    const r = tree.resolve(path);
    if (!r.ok) {
      out[asked] = { path, exists: false };
      continue;
    }
    const rec = r.record;
    const p: FileProbe = { path, exists: true, type: rec.type, mode: rec.mode, uid: rec.uid, gid: rec.gid, size: rec.size, layer: rec.layer };
    if (r.path !== path) p.resolvedPath = r.path;
    if (rec.content && rec.content.length <= MAX_TEXT) p.content = rec.content.toString("utf8");
    out[asked] = p;
  }
  return out;
}
