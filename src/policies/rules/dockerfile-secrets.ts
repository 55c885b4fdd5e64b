/** IMG-DF-012: no secret in an ENV or ARG of the Dockerfile. Messages carry only redacted values. */
import { isBuilt } from "../../dockerfile/built-stages.js";
import { substituteAt } from "../../dockerfile/stages.js";
import type { Dockerfile, DockerfileInstruction, DockerfileProperty } from "../../dockerfile/types.js";
import { secretEnv, secretKeyReason } from "../../inspect/parsers/secret-env.js";
import { isTemplate } from "../../inspect/parsers/secret-placeholders.js";
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
    "No ENV or ARG (in any stage, or before the first FROM) looks secret, by its name (PASSWORD, TOKEN, SECRET, API_KEY…) or by its value (cloud keys, GitHub/GitLab/Slack/Stripe tokens, private keys, URLs with a password), by the same test as IMG-ENV-001. In the stages the build runs (the final or `--target` stage and the stages it uses), the values the build gave count too: an ARG given a secret with --build-arg, an ENV that takes one from a build arg; and an ARG with a secret name and no default is reported: its value comes from --build-arg. Findings show only a redacted form of the value.",
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
        const f = written(df, instr, p) ?? (isBuilt(df, instr) ? asBuilt(df, instr, p) : undefined);
        if (f) findings.push(f);
      }
    }
    return failIf(findings);
  },
};

/** A secret written in the Dockerfile: in source control whether or not the stage is built. Never p.value in a message. */
function written(df: Dockerfile, instr: DockerfileInstruction, p: DockerfileProperty): Finding | undefined {
  if (p.value === undefined || p.value === "") return undefined;
  const hit = secretEnv([`${p.name}=${p.value}`])[0];
  if (!hit) return instr.keyword === "ENV" && isTemplate(p.value) ? takesVariable(df, p) : undefined;
  const where = instr.keyword === "ENV" ? "is stored in the image config" : "is in the Dockerfile and the image history";
  return {
    message: `${instr.keyword} ${p.name} looks like a secret (${hit.reason}): ${p.name}=${hit.valueRedacted} ${where}.`,
    location: at(df, p.line),
    expected: `no secret in ${instr.keyword}`,
    found: `${instr.keyword} ${p.name}=${hit.valueRedacted}`,
  };
}

/** An ENV with a secret name that takes its value from a variable (`ENV NPM_TOKEN=$NPM_TOKEN`): what the build gives it is stored in the image config. */
function takesVariable(df: Dockerfile, p: DockerfileProperty): Finding | undefined {
  const reason = secretKeyReason(p.name);
  if (!reason) return undefined;
  return {
    message: `ENV ${p.name} looks like a secret (${reason}) and takes its value from a variable: the value the build gives it is stored in the image config.`,
    location: at(df, p.line),
    expected: "no secret in ENV",
    found: `ENV ${p.name} from a variable`,
  };
}

/**
 * A secret the build puts in, in a stage it runs: an ARG given a secret by --build-arg (or
 * with a secret name and no value yet), an ENV whose value takes one from a build arg.
 */
function asBuilt(df: Dockerfile, instr: DockerfileInstruction, p: DockerfileProperty): Finding | undefined {
  if (instr.keyword === "ENV") {
    const value = substituteAt(df, instr, p.value ?? "").text;
    const hit = value !== p.value ? secretEnv([`${p.name}=${value}`])[0] : undefined;
    if (!hit) return undefined;
    return {
      message: `ENV ${p.name} takes a secret from the build's values (${hit.reason}): ${p.name}=${hit.valueRedacted} is stored in the image config.`,
      location: at(df, p.line),
      expected: "no secret in ENV",
      found: `ENV ${p.name}=${hit.valueRedacted}`,
    };
  }
  if (Object.hasOwn(df.buildArgs, p.name) && df.buildArgs[p.name] !== "") {
    const hit = secretEnv([`${p.name}=${df.buildArgs[p.name]}`])[0];
    if (!hit) return undefined;
    return {
      message: `ARG ${p.name} is given a secret by --build-arg (${hit.reason}): ${p.name}=${hit.valueRedacted} is recorded in the image history and build provenance.`,
      location: at(df, p.line),
      expected: "build secrets passed with RUN --mount=type=secret",
      found: `--build-arg ${p.name}=${hit.valueRedacted}`,
    };
  }
  if (p.value !== undefined && p.value !== "") return undefined;
  const reason = secretKeyReason(p.name);
  if (!reason) return undefined;
  return {
    message: `ARG ${p.name} looks like a secret (${reason}): a value passed with --build-arg is recorded in the image history and build provenance.`,
    location: at(df, p.line),
    expected: "build secrets passed with RUN --mount=type=secret",
    found: `ARG ${p.name} (no default)`,
  };
}
