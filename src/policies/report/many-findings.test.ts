/**
 * Every reporter renders a rule with more findings than a call can take arguments: the
 * text report once pushed a section's lines with `push(...lines)`, and 29,000 history
 * steps (a finding each) overflowed the stack ("internal error"); SARIF and Code Quality
 * looked at every finding of the image for each finding's file (quadratic: hours).
 */
import { describe, expect, it } from "vitest";
import type { ReportedFinding } from "../report-types.js";
import { FORMATS, render } from "./index.js";
import { GITHUB_COMMENT_LIMIT } from "./markdown.js";
import { sampleReport } from "./sample-report.fixture.js";

const MANY = 200_000;

function reportWithManyFindings() {
  const report = sampleReport();
  const img = report.images.find((i) => i.results.some((r) => r.status === "fail"))!;
  const rule = img.results.find((r) => r.status === "fail")!;
  const findings: ReportedFinding[] = Array.from({ length: MANY }, (_, i) => ({ message: `history step ${i} runs apt-get upgrade`, location: { config: `history[${i}]` } }));
  rule.findings = findings;
  return { report, rule };
}

describe("reporters with 200,000 findings in one rule", () => {
  const { report, rule } = reportWithManyFindings();
  it.each(FORMATS.map((f) => [f]))("%s renders them all", (format) => {
    const out = render(format, report, { verbose: true, showSkipped: true });
    if (format === "markdown") {
      // a PR comment: the findings are left out to stay under GitHub's limit, the rule is still named
      expect(out.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
      expect(out).toContain(rule.rule);
      expect(out).toMatch(/are left out to keep this under/);
    } else expect(out).toContain(`history step ${MANY - 1} runs apt-get upgrade`);
  });
});
