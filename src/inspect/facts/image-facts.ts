/** Facts about the image itself: identity, platform, sizes, layers with their history. */
import { SourceError } from "../../errors.js";
import { StringReplacer } from "../../text/replace-strings.js";
import { sha256, textSha256 } from "../digest.js";
import type { ConfigFile } from "../image.js";
import { MAX_REDACTED_CHARS } from "../limits.js";
import { historySecrets, parseHistoryEntry } from "../parsers/history-secrets.js";
import { redactText, type RedactState } from "../parsers/redact-text.js";
import { redactedForm } from "../parsers/secret-detectors.js";
import { secretEnv } from "../parsers/secret-env.js";
import { redact as redactValue } from "../parsers/secret-values.js";
import { policySecretReason, type PolicySecretMatcher } from "../parsers/policy-secrets.js";
import type { LayerSummary } from "../read-layers.js";
import type { HistorySecretFact, ImageFact, LayerFact } from "./types.js";

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
export function historyRedactor(env: readonly string[] | undefined, where = "the image", more?: ReadonlyMap<string, string>): (text: string) => string {
  const swaps = new Map<string, string>(more);
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

/**
 * What a policy's own names and patterns (user-secrets.ts) find in the raw history: the
 * `KEY=value` assignments (build args, RUN scripts, ENV and ARG) whose key has one of the
 * names or whose value matches one of the patterns, as IMG-HIST-007 reports them; and the
 * swaps that take those exact values out of the texts the facts keep (the value anywhere
 * when 8 characters or more, else as `KEY=value`).
 */
export function userHistorySecrets(
  history: readonly { created_by?: string; empty_layer?: boolean }[],
  layerCount: number,
  m: PolicySecretMatcher,
): { found: HistorySecretFact[]; swaps: Map<string, string> } {
  const found: HistorySecretFact[] = [];
  const swaps = new Map<string, string>();
  const mapped = history.filter((h) => !h.empty_layer).length === layerCount;
  let layer = 0;
  history.forEach((h, index) => {
    const own = h.empty_layer ? undefined : layer++;
    if (!h.created_by?.trim()) return;
    for (const a of parseHistoryEntry(h.created_by).assignments) {
      if (a.value === "") continue;
      const name = m.name(a.key);
      const pattern = name === undefined ? m.pattern(a.value) : undefined;
      if (name === undefined && pattern === undefined) continue;
      const reason = policySecretReason(name !== undefined ? { name } : { pattern: pattern! });
      const f: HistorySecretFact = { index, via: a.via, key: a.key, kind: "policy-secret", reason, redacted: redactedForm(a.value, "policy-secret"), sha256: textSha256(a.value) };
      if (mapped && own !== undefined) f.layer = own;
      found.push(f);
      if (a.value.length >= 8) swaps.set(a.value, redactValue(a.value));
      else swaps.set(`${a.key}=${a.value}`, `${a.key}=${redactValue(a.value)}`);
    }
  });
  return { found, swaps };
}

/**
 * `userSecrets`: a policy's own names and patterns (check() passes those of the enabled
 * rules, Rule.userSecrets): the history is redacted for them as for the built-in ones, and
 * what they find there is listed in `historySecrets` (kind `policy-secret`), since the
 * redacted text no longer shows it.
 */
export function imageFact(id: ImageIdentity, cfg: ConfigFile, layers: LayerSummary[], userSecrets?: PolicySecretMatcher): ImageFact {
  const history = cfg.history ?? [];
  const mine = userSecrets ? userHistorySecrets(history, layers.length, userSecrets) : undefined;
  const envRedact = historyRedactor(cfg.config?.Env, id.reference, mine?.swaps);
  // the ENV values first (they may look like anything), then what looks secret by itself (redact-text.ts)
  const state = (): RedactState => (userSecrets ? { pending: "none", extra: userSecrets } : { pending: "none" });
  const redact = (text: string) => redactText(envRedact(text), state());
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
  const secrets: HistorySecretFact[] = [...historySecrets(history, layers.length, textSha256), ...(mine?.found ?? [])];
  if (secrets.length > 0) f.historySecrets = secrets;
  if (cfg.created) f.created = cfg.created;
  return f;
}
