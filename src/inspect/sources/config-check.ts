/** Sanity checks on a config file, so later code can rely on its shape. */
import { SourceError } from "../../errors.js";
import { isDigest } from "../digest.js";
import type { ConfigFile } from "../image.js";
import { MAX_CONFIG_ENTRIES, MAX_HISTORY, MAX_LAYERS } from "../limits.js";

export function checkConfig(cfg: ConfigFile, what: string): ConfigFile {
  if (typeof cfg !== "object" || cfg === null) throw new SourceError(`${what}: config is not a JSON object`);
  const ids = cfg.rootfs?.diff_ids;
  if (!Array.isArray(ids)) throw new SourceError(`${what}: config has no rootfs.diff_ids`);
  if (ids.length > MAX_LAYERS) throw new SourceError(`${what}: config lists ${ids.length} layers (rootfs.diff_ids); an image has at most ${MAX_LAYERS}: not read`);
  for (const id of ids as unknown[]) {
    if (!isDigest(id)) throw new SourceError(`${what}: config has an invalid diff_id ${typeof id === "string" ? `'${id.slice(0, 80)}'` : `(${Array.isArray(id) ? "an array" : typeof id})`}`);
  }
  checkHistory(cfg, what);
  checkEntries(cfg, what);
  return cfg;
}

const LISTS = ["Env", "Entrypoint", "Cmd", "Shell", "OnBuild"] as const;
const MAPS = ["Labels", "ExposedPorts", "Volumes"] as const;

/** The runtime lists and maps hold at most MAX_CONFIG_ENTRIES entries together. */
function checkEntries(cfg: ConfigFile, what: string): void {
  const c = cfg.config as Record<string, unknown> | undefined;
  if (!c || typeof c !== "object") return;
  let n = 0;
  for (const k of LISTS) if (Array.isArray(c[k])) n += (c[k] as unknown[]).length;
  for (const k of MAPS) if (c[k] && typeof c[k] === "object") n += Object.keys(c[k] as object).length;
  const test = (c.Healthcheck as { Test?: unknown } | undefined)?.Test;
  if (Array.isArray(test)) n += test.length;
  if (n > MAX_CONFIG_ENTRIES) {
    throw new SourceError(`${what}: config holds ${n} env, label, port, volume and command entries; imgpolicy reads at most ${MAX_CONFIG_ENTRIES}: not read`);
  }
}

const HISTORY_TEXT = ["created", "created_by", "author", "comment"] as const;

/**
 * history: absent, null or an array of at most MAX_HISTORY entries, each an object (or
 * null, which Go reads as an empty entry) whose fields have the types the engine's
 * decoder accepts (it refuses the image otherwise).
 */
function checkHistory(cfg: ConfigFile, what: string): void {
  const history = cfg.history as unknown;
  if (history === undefined || history === null) return;
  if (!Array.isArray(history)) throw new SourceError(`${what}: config's history is not an array`);
  if (history.length > MAX_HISTORY) throw new SourceError(`${what}: config lists ${history.length} history entries; an image has at most ${MAX_HISTORY}: not read`);
  for (let i = 0; i < history.length; i++) {
    const h = history[i] as unknown;
    if (h === null) {
      history[i] = {};
      continue;
    }
    if (typeof h !== "object" || Array.isArray(h)) throw new SourceError(`${what}: config's history[${i}] is not an object`);
    const e = h as Record<string, unknown>;
    for (const k of HISTORY_TEXT) if (e[k] !== undefined && e[k] !== null && typeof e[k] !== "string") throw new SourceError(`${what}: config's history[${i}].${k} is not a string`);
    if (e.empty_layer !== undefined && e.empty_layer !== null && typeof e.empty_layer !== "boolean") throw new SourceError(`${what}: config's history[${i}].empty_layer is not true or false`);
  }
}
