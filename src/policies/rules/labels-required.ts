/** IMG-LABEL-001: the image carries the labels a policy requires (by default the OCI provenance labels). */
import { failIf, type Finding, type Rule } from "../types.js";

interface Options {
  /** Label keys that must be present with a non-empty value. */
  required: string[];
}

export const rule: Rule<Options> = {
  id: "IMG-LABEL-001",
  title: "Required labels are present",
  category: "config",
  severity: "medium",
  description:
    "Each label in `required` is set with a non-empty value. The default is the OCI annotations that tie an image to its source: org.opencontainers.image.source, .version, .revision and .created.",
  rationale:
    "Provenance labels answer, from the image alone, which repository and commit it was built from and when: what incident response, vulnerability triage and SBOM tools need, and what registries such as GHCR use to link a package to its repository.",
  remediation:
    "Set them at build time:\n" +
    "  ARG VERSION REVISION CREATED\n" +
    '  LABEL org.opencontainers.image.source="https://github.com/example/app" \\\n' +
    '        org.opencontainers.image.version="$VERSION" \\\n' +
    '        org.opencontainers.image.revision="$REVISION" \\\n' +
    '        org.opencontainers.image.created="$CREATED"\n' +
    "(`docker buildx build --build-arg REVISION=$(git rev-parse HEAD) …`, or docker/metadata-action in CI).",
  optionsSchema: {
    type: "object",
    properties: {
      required: { type: "array", items: { type: "string", minLength: 1 }, uniqueItems: true, description: "Label keys that must be set." },
    },
    additionalProperties: false,
  },
  defaultOptions: {
    required: ["org.opencontainers.image.source", "org.opencontainers.image.version", "org.opencontainers.image.revision", "org.opencontainers.image.created"],
  },
  check(facts, options) {
    const labels = facts.config.labels;
    const findings: Finding[] = [];
    for (const key of options.required) {
      const value = Object.hasOwn(labels, key) ? labels[key] : undefined;
      if (value !== undefined && value.trim() !== "") continue;
      findings.push({
        message: value === undefined ? `Label '${key}' is missing.` : `Label '${key}' is set but empty.`,
        location: { config: `Labels.${key}` },
        expected: `label ${key} with a value`,
        found: value === undefined ? "absent" : "empty value",
      });
    }
    return failIf(findings);
  },
};
