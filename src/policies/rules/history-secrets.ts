/**
 * IMG-HIST-007: the build history records no secret. The detection runs where the raw
 * `created_by` text is still seen (facts: `image.historySecrets`, parsers/history-secrets.ts).
 * The policy's own names and patterns: check() hands those of the enabled secret rules to
 * the inspector (Rule.userSecrets), which redacts the history for them and lists what they
 * find (kind `policy-secret`); on facts made without them, this rule looks for them in the
 * redacted text, where what the built-in detectors did not find is still plain. It drops
 * accepted hashes, and reports each leaked value once, at the first entry that records it;
 * the Dockerfile line is history-lines.ts's.
 */
import type { Facts, HistorySecretFact } from "../../inspect/facts/types.js";
import { parseHistoryEntry } from "../../inspect/parsers/history-secrets.js";
import { failIf, skip, type Finding, type Location, type Rule } from "../types.js";
import { dockerfileOf } from "./dockerfile-helpers.js";
import { dockerfileLine, instructionsByHistory } from "./history-lines.js";
import { extraDetectors, extraFinding, secretPatternRefs, SECRET_OPTION_DEFAULTS, SECRET_OPTION_PROPERTIES, type SecretOptions } from "./secret-options.js";

const VIA: Record<HistorySecretFact["via"], string> = {
  "build-arg": "build arg",
  "run-assignment": "RUN assignment",
  env: "ENV",
  arg: "ARG default",
  token: "token",
  "secret-mount-copy": "build secret",
};

/** Already redacted by the facts (`gh…`): not a value a policy pattern should judge. */
const isRedacted = (v: string) => v.endsWith("…") && Array.from(v).length <= 3;

export const rule: Rule<SecretOptions> = {
  id: "IMG-HIST-007",
  title: "No secrets in build history",
  category: "config",
  severity: "critical",
  cis: "4.10",
  description:
    "No entry of the image's build history (`docker history`) records a secret: build args the builder records (`|N KEY=value`), `KEY=value` in RUN lines, ENV and ARG lines, tokens in a known format, or a build secret (`--mount=type=secret`) copied into a layer. Names and formats are IMG-ENV-001's, plus the policy's `names` and `patterns` (this rule's and, in a check, IMG-ENV-001's: what they find is redacted wherever the history is shown, as the built-in ones are). Each value is reported once, with the history entry and layer that record it and, when the Dockerfile is known, its line; only its kind, first two characters, length and sha256 are shown.",
  rationale:
    "CIS Docker Benchmark 4.10, dockle CIS-DI-0010: the history is part of the image config. Anyone who can pull the image reads it with `docker history --no-trunc`, whatever later layers delete; build args are recorded in it verbatim.",
  remediation:
    "Rotate the secret (it shipped with the image), then pass it as a build secret, which is never recorded:\n" +
    "  RUN --mount=type=secret,id=github_token GITHUB_TOKEN=$(cat /run/secrets/github_token) ./fetch-deps\n" +
    "  docker build --secret id=github_token,env=GITHUB_TOKEN .\n" +
    "and read it inside the RUN only (never `cp`/`cat >` it into the filesystem). A value that is not a secret: list its hash (printed in the finding) in `accept`.",
  optionsSchema: { type: "object", properties: { ...SECRET_OPTION_PROPERTIES }, additionalProperties: false },
  defaultOptions: { ...SECRET_OPTION_DEFAULTS },
  patterns: secretPatternRefs,
  userSecrets: (options) => ({ names: options.names, patterns: options.patterns }),
  check(facts, options) {
    const history = facts.image.history;
    if (history.length === 0) return skip("the image config records no build history");
    const extra = extraDetectors(options);
    const found = [...(facts.image.historySecrets ?? []), ...policyFindings(facts, extra)];
    // IMG-ENV-001 reports an ENV still in the final config
    const inEnv = new Set(facts.config.env.filter((e) => e.secret?.sha256).map((e) => `${e.name}\0${e.secret!.sha256}`));
    const groups = new Map<string, HistorySecretFact[]>();
    for (const s of found) {
      if (extra.accepted(s.sha256)) continue;
      if (s.via === "env" && inEnv.has(`${s.key}\0${s.sha256}`)) continue;
      const id = `${s.key ?? ""}\0${s.sha256}`;
      const g = groups.get(id);
      if (g) g.push(s);
      else groups.set(id, [s]);
    }
    const df = dockerfileOf(facts);
    const byHistory = typeof df === "string" ? new Map() : instructionsByHistory(df, history);
    const findings: Finding[] = [];
    for (const [first, ...more] of groups.values()) {
      const s = first!;
      const entry = s.layer === undefined ? `history entry ${s.index}` : `history entry ${s.index} (layer ${s.layer + 1})`;
      const what =
        s.via === "secret-mount-copy" ? `build secret ${s.key ?? ""} copied into a layer` : s.key === undefined ? `${VIA[s.via]} ${s.redacted}` : `${VIA[s.via]} ${s.key}=${s.redacted}`;
      const also = more.length ? `; also in history entr${more.length === 1 ? "y" : "ies"} ${[...new Set(more.map((m) => m.index))].join(", ")}` : "";
      const location: Location = { config: `history[${s.index}]` };
      if (s.layer !== undefined) location.layer = s.layer;
      const line = typeof df === "string" ? undefined : dockerfileLine(df, s, byHistory);
      if (line !== undefined && typeof df !== "string") location.dockerfile = { file: df.path, line };
      findings.push({
        message: `${entry} records a secret: ${what} (${s.reason}; value ${s.sha256})${also}.`,
        location,
        expected: "no secret in the build history",
        found: what,
      });
    }
    return failIf(findings);
  },
};

/** What the policy's own names and patterns find in the (redacted) history text. */
function policyFindings(facts: Facts, extra: ReturnType<typeof extraDetectors>): HistorySecretFact[] {
  const out: HistorySecretFact[] = [];
  const mapped = facts.image.history.filter((h) => !h.emptyLayer).length === facts.image.layers.length;
  let layer = 0;
  facts.image.history.forEach((h, index) => {
    const own = h.emptyLayer ? undefined : layer++;
    if (!h.createdBy) return;
    for (const a of parseHistoryEntry(h.createdBy).assignments) {
      if (isRedacted(a.value)) continue;
      const byName = extra.name(a.key);
      const byPattern = byName ? undefined : extra.pattern(a.value);
      if (!byName && !byPattern) continue;
      const reason = byName ? `key name matches the policy's name '${byName}'` : `value matches the policy's pattern ${byPattern}`;
      const f: HistorySecretFact = { index, via: a.via, key: a.key, kind: "policy-secret", reason, ...extraFinding(a.value, "policy-secret") };
      if (mapped && own !== undefined) f.layer = own;
      out.push(f);
    }
  });
  return out;
}
