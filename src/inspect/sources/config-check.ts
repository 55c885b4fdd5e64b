/** Sanity checks on a config file, so later code can rely on its shape. */
import { SourceError } from "../../errors.js";
import { isDigest } from "../digest.js";
import type { ConfigFile } from "../image.js";

export function checkConfig(cfg: ConfigFile, what: string): ConfigFile {
  if (typeof cfg !== "object" || cfg === null) throw new SourceError(`${what}: config is not a JSON object`);
  const ids = cfg.rootfs?.diff_ids;
  if (!Array.isArray(ids)) throw new SourceError(`${what}: config has no rootfs.diff_ids`);
  for (const id of ids as unknown[]) {
    if (!isDigest(id)) throw new SourceError(`${what}: config has an invalid diff_id ${typeof id === "string" ? `'${id.slice(0, 80)}'` : `(${Array.isArray(id) ? "an array" : typeof id})`}`);
  }
  return cfg;
}
