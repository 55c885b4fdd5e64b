/** IMG-DF-012: no secret in an ENV or ARG of the Dockerfile. Messages carry only redacted values. */
import { secretEnv, secretKeyReason } from "../../inspect/parsers/secret-env.js";
import { failIf, skip, type Finding, type Rule } from "../types.js";
import { at, dockerfileOf } from "./dockerfile-helpers.js";

interface Options {
  /** ENV and ARG names known not to hold secrets (exact names). */
  allow: string[];
}

export const rule: Rule<Options> = {
  id: "IMG-DF-012",
  title: "No secrets in Dockerfile ENV or ARG",
  category: "dockerfile",
  severity: "critical",
  cis: "4.10",
  description:
    "No ENV or ARG (in any stage, or before the first FROM) looks secret, by its name (PASSWORD, TOKEN, SECRET, API_KEY…) or by its value (cloud keys, GitHub/GitLab/Slack/Stripe tokens, private keys, URLs with a password), by the same test as IMG-ENV-001. An ARG with a secret name and no default is reported too: its value comes from --build-arg. Findings show only a redacted form of the value.",
  rationale:
    "CIS Docker Benchmark 4.10 (Ensure secrets are not stored in Dockerfiles), Docker's build check SecretsUsedInArgOrEnv: a value written in the Dockerfile is in source control and every build context; ENV values are stored in the image config of every image built FROM the stage; build arg values are recorded in the image history (`|1 NPM_TOKEN=… /bin/sh -c …`) and in build provenance.",
  remediation:
    "Pass build-time secrets as BuildKit secrets, which are never stored in the image, and run-time secrets at run time:\n" +
    "  RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci\n" +
    "  (docker buildx build --secret id=npm_token,env=NPM_TOKEN .)\n" +
    "Remove the ENV or ARG and rotate any secret that was written in the Dockerfile.",
  optionsSchema: {
    type: "object",
    properties: {
      allow: { type: "array", items: { type: "string", minLength: 1 }, uniqueItems: true, description: "ENV and ARG names that are not secrets." },
    },
    additionalProperties: false,
  },
  defaultOptions: { allow: [] },
  check(facts, options) {
    const df = dockerfileOf(facts);
    if (typeof df === "string") return skip(df);
    const allowed = new Set(options.allow);
    const findings: Finding[] = [];
    for (const instr of df.instructions) {
      if (instr.keyword !== "ENV" && instr.keyword !== "ARG") continue;
      for (const p of instr.properties) {
        if (allowed.has(p.name)) continue;
        if (p.value === undefined || p.value === "") {
          const reason = instr.keyword === "ARG" ? secretKeyReason(p.name) : undefined;
          if (!reason) continue;
          findings.push({
            message: `ARG ${p.name} looks like a secret (${reason}): a value passed with --build-arg is recorded in the image history and build provenance.`,
            location: at(df, p.line),
            expected: "build secrets passed with RUN --mount=type=secret",
            found: `ARG ${p.name} (no default)`,
          });
          continue;
        }
        // never p.value in a message: only the redacted form
        const hit = secretEnv([`${p.name}=${p.value}`])[0];
        if (!hit) continue;
        const where = instr.keyword === "ENV" ? "is stored in the image config" : "is in the Dockerfile and the image history";
        findings.push({
          message: `${instr.keyword} ${p.name} looks like a secret (${hit.reason}): ${p.name}=${hit.valueRedacted} ${where}.`,
          location: at(df, p.line),
          expected: `no secret in ${instr.keyword}`,
          found: `${instr.keyword} ${p.name}=${hit.valueRedacted}`,
        });
      }
    }
    return failIf(findings);
  },
};
