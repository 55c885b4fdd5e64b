/** IMG-ENV-001: no ENV variable holds a secret. Messages carry only the redacted value. */
import { failIf, type Finding, type Rule } from "../types.js";

interface Options {
  /** Variable names known not to hold secrets (exact names). */
  allow: string[];
}

export const rule: Rule<Options> = {
  id: "IMG-ENV-001",
  title: "No secrets in ENV",
  category: "config",
  severity: "critical",
  cis: "4.10",
  description:
    "No variable in the config's Env looks secret, by its name (PASSWORD, TOKEN, SECRET, …) or by its value (cloud keys, GitHub/GitLab/Slack/Stripe tokens, private keys, credentials in URLs). Findings show only a redacted form of the value.",
  rationale:
    "CIS Docker Benchmark 4.10 (Ensure secrets are not stored in Dockerfiles): ENV values are stored in the image config in clear text, printed by `docker inspect` and `docker history`, and copied to every registry and cache the image reaches. Deleting the variable in a later layer does not remove it from the image's history.",
  remediation:
    "Remove the ENV line, rotate the secret (it has been published with the image), and pass it at run time instead (`docker run --env-file`, a Kubernetes Secret, a mounted file). " +
    "A secret needed at build time goes through a build secret, which is never stored in the image:\n" +
    "  RUN --mount=type=secret,id=npm_token NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci",
  optionsSchema: {
    type: "object",
    properties: {
      allow: { type: "array", items: { type: "string", minLength: 1 }, uniqueItems: true, description: "Variable names that are not secrets." },
    },
    additionalProperties: false,
  },
  defaultOptions: { allow: [] },
  check(facts, options) {
    const allowed = new Set(options.allow);
    const findings: Finding[] = [];
    for (const e of facts.config.env) {
      if (!e.secret || allowed.has(e.name)) continue;
      // never e.value: the facts hold no value for a secret variable, and only the redacted form is shown
      findings.push({
        message: `ENV ${e.name} looks like a secret (${e.secret.reason}): ${e.name}=${e.secret.redacted}.`,
        location: { config: `Env.${e.name}` },
        expected: "no secret in the image config",
        found: `${e.name}=${e.secret.redacted}`,
      });
    }
    return failIf(findings);
  },
};
