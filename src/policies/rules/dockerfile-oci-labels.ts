/** IMG-DF-014: the final stage sets the OCI provenance labels. */
import { effectiveLabels, finalStage } from "../../dockerfile/stages.js";
import { failIf, skip, type Finding, type Rule } from "../types.js";
import { at, dockerfileOf, shown } from "./dockerfile-helpers.js";

interface Options {
  /** Label keys the final stage must set. */
  required: string[];
}

export const rule: Rule<Options> = {
  id: "IMG-DF-014",
  title: "Dockerfile sets the OCI labels",
  category: "dockerfile",
  severity: "low",
  description:
    "Each label in `required` (by default org.opencontainers.image.source, .version, .revision and .created) is set by a LABEL of the final stage or a stage it is built FROM (LABELs of build stages do not reach the image), or is in the built image's config (labels given with `docker build --label`, as docker/metadata-action does).",
  rationale:
    "Provenance labels answer from the image alone which repository and commit it was built from and when: what incident response, vulnerability triage and SBOM tools need, and what registries such as GHCR use to link an image to its repository. IMG-LABEL-001 checks the image.",
  remediation:
    "Set them in the final stage from build args:\n" +
    "  ARG VERSION REVISION CREATED\n" +
    '  LABEL org.opencontainers.image.source="https://github.com/example/app" \\\n' +
    '        org.opencontainers.image.version="$VERSION" \\\n' +
    '        org.opencontainers.image.revision="$REVISION" \\\n' +
    '        org.opencontainers.image.created="$CREATED"',
  optionsSchema: {
    type: "object",
    properties: {
      required: { type: "array", items: { type: "string", minLength: 1 }, uniqueItems: true, description: "Label keys the final stage must set." },
    },
    additionalProperties: false,
  },
  defaultOptions: {
    required: ["org.opencontainers.image.source", "org.opencontainers.image.version", "org.opencontainers.image.revision", "org.opencontainers.image.created"],
  },
  check(facts, options) {
    const df = dockerfileOf(facts);
    if (typeof df === "string") return skip(df);
    const labels = effectiveLabels(df);
    const final = finalStage(df);
    const lastLabel = [...final.instructions].reverse().find((i) => i.keyword === "LABEL");
    const findings: Finding[] = [];
    for (const key of options.required) {
      const set = labels.get(key);
      const image = Object.hasOwn(facts.config.labels, key) ? facts.config.labels[key]! : undefined;
      // the built image's value is the truth; without it, a LABEL that takes its value from a build arg counts as set
      if (image !== undefined ? image.trim() !== "" : set !== undefined && (set.value.trim() !== "" || set.unresolved.length > 0)) continue;
      let message: string;
      if (image !== undefined) {
        const from = set?.unresolved.length ? `, from ${set.unresolved.map((u) => `$${u}`).join(", ")}, which the build did not pass` : "";
        message = `Label ${key} is empty in the image${set ? ` (LABEL at line ${set.line}${from})` : ""}.`;
      } else if (set) message = `LABEL ${key} (line ${set.line}) is empty.`;
      else message = `The final stage (${shown(final.fromInstruction, 60)}) does not set LABEL ${key}.`;
      findings.push({
        message,
        location: at(df, set ? set.line : (lastLabel ?? final.fromInstruction).line, { config: `Labels.${key}` }),
        expected: `LABEL ${key}=<value> in the final stage`,
        found: set || image !== undefined ? "an empty value" : "absent",
      });
    }
    return failIf(findings);
  },
};
