/** IMG-LABEL-002: label values match the patterns a policy gives (opt-in). */
import { failIf, skip, type Finding, type Rule } from "../types.js";

interface Options {
  /** Label key → regular expression (JavaScript syntax, unanchored: add ^…$ to match the whole value). */
  patterns: Record<string, string>;
}

export const rule: Rule<Options> = {
  id: "IMG-LABEL-002",
  title: "Label values match patterns",
  category: "config",
  severity: "low",
  optIn: true,
  description:
    "For each label in `patterns` that the image has, its value matches the regular expression. Absent labels are not reported here (IMG-LABEL-001 requires labels).",
  rationale:
    "Tools downstream parse these values: a version that is not SemVer, a revision that is not a full commit hash or a source that is not an https URL breaks provenance lookups and release automation quietly.",
  remediation:
    "Write the value in the expected shape, e.g. for `org.opencontainers.image.revision: \"^[0-9a-f]{40}$\"`:\n" +
    '  LABEL org.opencontainers.image.revision="$REVISION"   # docker build --build-arg REVISION=$(git rev-parse HEAD)',
  optionsSchema: {
    type: "object",
    properties: {
      patterns: {
        type: "object",
        additionalProperties: { type: "string", minLength: 1 },
        description: "Label key → regular expression the value must match (unanchored).",
      },
    },
    additionalProperties: false,
  },
  defaultOptions: { patterns: {} },
  check(facts, options) {
    const keys = Object.keys(options.patterns);
    if (keys.length === 0) return skip("the policy gives no label patterns");
    const labels = facts.config.labels;
    const present = keys.filter((k) => Object.hasOwn(labels, k));
    if (present.length === 0) return skip(`the image has none of the labels with patterns (${keys.join(", ")})`);
    const findings: Finding[] = [];
    for (const key of present) {
      const pattern = options.patterns[key];
      let re: RegExp;
      try {
        re = new RegExp(pattern);
      } catch (err) {
        findings.push({
          message: `The policy's pattern for label '${key}' is not a valid regular expression: ${err instanceof Error ? err.message : String(err)}.`,
          location: { config: `Labels.${key}` },
          expected: "a valid regular expression in the policy",
          found: pattern,
        });
        continue;
      }
      const value = labels[key];
      if (re.test(value)) continue;
      findings.push({
        message: `Label '${key}' is '${value}', which does not match /${pattern}/.`,
        location: { config: `Labels.${key}` },
        expected: `a value matching /${pattern}/`,
        found: value,
      });
    }
    return failIf(findings);
  },
};
