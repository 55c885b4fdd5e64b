/** Facts about the image itself: identity, platform, sizes, layers with their history. */
import { SourceError } from "../../errors.js";
import { StringReplacer } from "../../text/replace-strings.js";
import { sha256, textSha256 } from "../digest.js";
import type { ConfigFile } from "../image.js";
import { MAX_REDACTED_CHARS } from "../limits.js";
import { historySecrets } from "../parsers/history-secrets.js";
import { redactText } from "../parsers/redact-text.js";
import { secretEnv } from "../parsers/secret-env.js";
import type { LayerSummary } from "../read-layers.js";
import type { ImageFact, LayerFact } from "./types.js";

export interface ImageIdentity {
  reference: string;
  digest: string;
  mediaType: string;
  rawConfig: Buffer;
}

/**
 * Build history echoes ENV instructions (`ENV API_TOKEN=…`): the values the env facts
 * redact are redacted in it too (anywhere when 8 characters or more, else as
 * `KEY=value`). All of them in one pass over each text (StringReplacer), however many
 * there are; past MAX_REDACTED_CHARS of them the image is refused.
 */
export function historyRedactor(env: readonly string[] | undefined, where = "the image"): (text: string) => string {
  const swaps = new Map<string, string>();
  for (const e of env ?? []) {
    const found = secretEnv([e])[0];
    if (!found) continue;
    const value = e.slice(found.key.length + 1);
    if (value.length >= 8) swaps.set(value, found.valueRedacted);
    else swaps.set(`${found.key}=${value}`, `${found.key}=${found.valueRedacted}`);
  }
  if (swaps.size === 0) return (text) => text;
  const size = StringReplacer.sizeOf(swaps);
  if (size > MAX_REDACTED_CHARS) {
    throw new SourceError(`${where}: its ENV holds ${size} characters of values that look secret, more than the ${MAX_REDACTED_CHARS} that can be redacted from its history: not read`);
  }
  const replacer = new StringReplacer(swaps);
  return (text) => replacer.replace(text);
}

export function imageFact(id: ImageIdentity, cfg: ConfigFile, layers: LayerSummary[]): ImageFact {
  const history = cfg.history ?? [];
  const envRedact = historyRedactor(cfg.config?.Env, id.reference);
  // the ENV values first (they may look like anything), then what looks secret by itself (redact-text.ts)
  const redact = (text: string) => redactText(envRedact(text));
  const layerHistory = history.filter((h) => !h.empty_layer);
  const layerFacts: LayerFact[] = layers.map((l, i) => {
    const h = layerHistory.length === layers.length ? layerHistory[i] : undefined;
    const f: LayerFact = {
      index: l.index,
      digest: l.digest,
      diffId: l.diffId,
      mediaType: l.mediaType,
      size: l.size,
      uncompressedSize: l.uncompressedSize,
      files: l.entries,
    };
    if (h?.created_by) f.createdBy = redact(h.created_by);
    if (h?.created) f.created = h.created;
    return f;
  });
  const platform: ImageFact["platform"] = { os: cfg.os, architecture: cfg.architecture };
  if (cfg.variant) platform.variant = cfg.variant;
  const f: ImageFact = {
    reference: id.reference,
    digest: id.digest,
    id: sha256(id.rawConfig),
    mediaType: id.mediaType,
    platform,
    size: {
      compressed: layers.reduce((n, l) => n + l.size, 0),
      uncompressed: layers.reduce((n, l) => n + l.uncompressedSize, 0),
    },
    layers: layerFacts,
    history: history.map((h) => {
      const e: ImageFact["history"][number] = { emptyLayer: Boolean(h.empty_layer) };
      if (h.created_by) e.createdBy = redact(h.created_by);
      if (h.created) e.created = h.created;
      return e;
    }),
  };
  // found on the raw text: `history` above is redacted
  const secrets = historySecrets(history, layers.length, textSha256);
  if (secrets.length > 0) f.historySecrets = secrets;
  if (cfg.created) f.created = cfg.created;
  return f;
}
