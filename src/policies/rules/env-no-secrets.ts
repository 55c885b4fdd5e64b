/** IMG-ENV-001: no ENV variable, label or command argument holds a secret. Messages carry only the redacted value. */
import { failIf, type Finding, type Rule } from "../types.js";
import { extraDetectors, extraFinding, secretPatternRefs, SECRET_OPTION_DEFAULTS, SECRET_OPTION_PROPERTIES, type SecretOptions } from "./secret-options.js";

interface Options extends SecretOptions {
  /** Variable names known not to hold secrets (exact names). */
  allow: string[];
}

export const rule: Rule<Options> = {
  id: "IMG-ENV-001",
  title: "No secrets in ENV, labels or commands",
  category: "config",
  severity: "critical",
  cis: "4.10",
  description:
    "No variable in the config's Env, and no label, looks secret, by its name (PASSWORD, TOKEN, SECRET, …, and the policy's `names`) or by its value (cloud keys, GitHub/GitLab/Slack/Stripe/npm/PyPI tokens, private keys, credentials in URLs, and the policy's `patterns`); no argument of ENTRYPOINT, CMD, HEALTHCHECK, SHELL or ONBUILD holds one (a known token, a credential in a URL, `--password=…`, `--token VALUE`: what outputs redact). Findings show only the kind, first two characters and length of the value, and its sha256 for `accept` (of the whole argument, for a command).",
  rationale:
    "CIS Docker Benchmark 4.10 (Ensure secrets are not stored in Dockerfiles): ENV values are stored in the image config in clear text, printed by `docker inspect` and `docker history`, and copied to every registry and cache the image reaches. Deleting the variable in a later layer does not remove it from the image's history.",
  remediation:
    "Remove the ENV line (or the argument from ENTRYPOINT/CMD/HEALTHCHECK), rotate the secret (it has been published with the image), and pass it at run time instead (`docker run --env-file`, a Kubernetes Secret, a mounted file, read by the program or expanded by its shell). " +
    "A secret needed at build time goes through a build secret, which is never stored in the image:\n" +
    "  RUN --mount=type=secret,id=npm_token NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci\n" +
    "A value that is not a secret: list its name in `allow`, or its hash (printed in the finding) in `accept`.",
  optionsSchema: {
    type: "object",
    properties: {
      allow: { type: "array", items: { type: "string", minLength: 1 }, uniqueItems: true, description: "Variable (and label) names that are not secrets." },
      ...SECRET_OPTION_PROPERTIES,
    },
    additionalProperties: false,
  },
  defaultOptions: { allow: [], ...SECRET_OPTION_DEFAULTS },
  patterns: secretPatternRefs,
  userSecrets: (options) => ({ names: options.names, patterns: options.patterns }),
  check(facts, options) {
    const allowed = new Set(options.allow);
    const extra = extraDetectors(options);
    const findings: Finding[] = [];
    for (const e of facts.config.env) {
      if (allowed.has(e.name)) continue;
      let reason: string;
      let redacted: string;
      let sha: string | undefined;
      if (e.secret) {
        // never e.value: the facts hold no value for a secret variable, and only the redacted form is shown
        ({ reason, redacted } = e.secret);
        sha = e.secret.sha256;
      } else {
        const value = e.value ?? "";
        const byName = value === "" ? undefined : extra.name(e.name);
        const byPattern = byName ? undefined : extra.pattern(value);
        if (!byName && !byPattern) continue;
        reason = byName ? `key name matches the policy's name '${byName}'` : `value matches the policy's pattern ${byPattern}`;
        ({ redacted, sha256: sha } = extraFinding(value, "policy-secret"));
      }
      if (sha !== undefined && extra.accepted(sha)) continue;
      findings.push({
        message: `ENV ${e.name} looks like a secret (${reason}): ${e.name}=${redacted}${sha ? ` (value ${sha})` : ""}.`,
        location: { config: `Env.${e.name}` },
        expected: "no secret in the image config",
        found: `${e.name}=${redacted}`,
      });
    }
    for (const l of facts.config.labelSecrets ?? []) {
      if (allowed.has(l.name) || (l.sha256 !== undefined && extra.accepted(l.sha256))) continue;
      findings.push({
        message: `LABEL ${l.name} looks like a secret (${l.reason}): ${l.name}=${l.redacted}${l.sha256 ? ` (value ${l.sha256})` : ""}.`,
        location: { config: `Labels.${l.name}` },
        expected: "no secret in the image config",
        found: `${l.name}=${l.redacted}`,
      });
    }
    for (const c of facts.config.commandSecrets ?? []) {
      if (extra.accepted(c.sha256)) continue;
      const name = c.field === "Healthcheck" ? "HEALTHCHECK" : c.field === "OnBuild" ? "ONBUILD" : c.field.toUpperCase();
      findings.push({
        message: `${name} argument ${c.index + 1} holds a secret${c.kind ? ` (${c.kind})` : ""}: ${c.redacted} (argument ${c.sha256}).`,
        location: { config: `${c.field}[${c.index}]` },
        expected: "no secret in the image config",
        found: c.redacted,
      });
    }
    return failIf(findings);
  },
};
