/** IMG-DF-015: the final stage's USER is the user the image config records. */
import { effectiveUser } from "../../dockerfile/stages.js";
import { fail, pass, skip, type Rule, NO_OPTIONS } from "../types.js";
import { at, dockerfileOf } from "./dockerfile-helpers.js";

type Options = Record<string, never>;

export const rule: Rule<Options> = {
  id: "IMG-DF-015",
  title: "Dockerfile USER matches the image",
  category: "dockerfile",
  severity: "medium",
  description:
    "The last USER of the Dockerfile's final stage (after ARG and ENV substitution) is the image config's User. Skipped when the final stage sets no USER (the base image's applies) or the USER depends on a build arg without a default or --build-arg value. The final stage is the `--target` stage when the build was given one.",
  rationale:
    "The Dockerfile is reviewed, the image is what runs. When they disagree the image was built from another stage (`--target`), with build args that change the user, from another revision of the Dockerfile, or changed after the build: the review of the USER line does not hold for what ships.",
  remediation:
    "Rebuild the image from this Dockerfile's final stage (imgpolicy check --build), or fix the USER line so that it says what the image runs as:\n  USER 65532:65532",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const df = dockerfileOf(facts);
    if (typeof df === "string") return skip(df);
    const eff = effectiveUser(df);
    if (!eff) return skip("the Dockerfile's final stage sets no USER (the base image's user applies)");
    if (eff.unresolved.length) return skip(`USER ${eff.instruction.args} depends on build args without defaults (${eff.unresolved.join(", ")})`);
    const image = (facts.config.user ?? "").trim();
    if (image === eff.user) return pass();
    return fail({
      message: `The Dockerfile's final USER is '${eff.user}' (line ${eff.instruction.line}), but the image config's User is ${image ? `'${image}'` : "not set (root)"}: the image was not built from this final stage as written.`,
      location: at(df, eff.instruction, { config: "User" }),
      expected: `User ${eff.user}, as the Dockerfile says`,
      found: image ? `User ${image}` : "User unset",
    });
  },
};
