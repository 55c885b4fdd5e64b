/** IMG-LABEL-002: label values match the patterns a policy gives (opt-in). */
import { failIf, skip, type Finding, type Rule } from "../types.js";
import { compileUserRegex, showPattern, type UserRegex } from "../../text/user-regex.js";

interface Options {
  /** Label key → regular expression (RE2 syntax, see user-regex.ts; unanchored: add ^…$ to match the whole value). */
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
        description: "Label key → regular expression the value must match (RE2 syntax, unanchored).",
      },
    },
    additionalProperties: false,
  },
  defaultOptions: { patterns: {} },
  patterns(options) {
    return Object.keys(options.patterns ?? {}).map((key) => ({ path: ["patterns", key], kind: "regex" as const }));
  },
  check(facts, options) {
    const keys = Object.keys(options.patterns);
    if (keys.length === 0) return skip("the policy gives no label patterns");
    const labels = facts.config.labels;
    const present = keys.filter((k) => Object.hasOwn(labels, k));
    if (present.length === 0) return skip(`the image has none of the labels with patterns (${keys.join(", ")})`);
    const findings: Finding[] = [];
    for (const key of present) {
      const pattern = options.patterns[key];
      let re: UserRegex;
      try {
        re = compileUserRegex(pattern);
      } catch (err) {
        // The loader refuses such policies; this is for callers that pass options directly.
        findings.push({
          message: `The policy's pattern for label '${key}' is refused: ${err instanceof Error ? err.message : String(err)}.`,
          location: { config: `Labels.${key}` },
          expected: "a valid regular expression in the policy",
          found: pattern,
        });
        continue;
      }
      const value = labels[key];
      if (re.test(value)) continue;
      findings.push({
        message: `Label '${key}' is '${value}', which does not match ${showPattern(pattern)}.`,
        location: { config: `Labels.${key}` },
        expected: `a value matching ${showPattern(pattern)}`,
        found: value,
      });
    }
    return failIf(findings);
  },
};
