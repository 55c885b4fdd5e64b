import { describe, expect, it } from "vitest";
import { CODE_QUALITY_SEVERITY, codeQualityIssues, renderCodeQuality } from "./codequality.js";
import { APP, NASTY, sampleReport } from "./sample-report.fixture.js";
import { renderSarif } from "./sarif.js";

describe("renderCodeQuality", () => {
  const issues = JSON.parse(renderCodeQuality(sampleReport())) as ReturnType<typeof codeQualityIssues>;

  it("writes one issue per unwaived finding, with GitLab's fields and nothing else", () => {
    expect(issues).toHaveLength(4);
    for (const i of issues) {
      expect(Object.keys(i).sort()).toEqual(["check_name", "description", "fingerprint", "location", "severity"]);
      expect(["info", "minor", "major", "critical", "blocker"]).toContain(i.severity);
      expect(i.location.lines.begin).toBeGreaterThanOrEqual(1);
      expect(i.location.path).not.toMatch(/^\/|^\.\.\//);
      expect(i.description).toContain(APP);
    }
    expect(issues.map((i) => i.check_name)).toEqual(["IMG-SECRET-001", "IMG-USER-001", "IMG-SUID-001", "IMG-SHELL-001"]);
    expect(new Set(issues.map((i) => i.fingerprint)).size).toBe(issues.length);
  });

  it("maps severities onto GitLab's five, and places findings as SARIF does", () => {
    expect(CODE_QUALITY_SEVERITY).toEqual({ critical: "blocker", high: "critical", medium: "major", low: "minor", info: "info" });
    expect(issues.map((i) => i.severity)).toEqual(["blocker", "critical", "critical", "major"]);
    expect(issues[0]!.location).toEqual({ path: "build/Dockerfile", lines: { begin: 7 } });
    expect(issues[2]!.location).toEqual({ path: "build/Dockerfile", lines: { begin: 1 } });
    expect(issues[0]!.description).toBe("IMG-SECRET-001 registry.example/app:1.2: ENV API_TOKEN holds what looks like a GitHub token (expected no secret in ENV; found ghp_…Zx (redacted))");
    const sarif = JSON.parse(renderSarif(sampleReport())).runs[0].results.filter((r: { suppressions?: unknown }) => !r.suppressions);
    expect(issues.map((i) => i.fingerprint)).toEqual(sarif.map((r: { partialFingerprints: Record<string, string> }) => r.partialFingerprints["imgpolicyFinding/v1"]));
  });

  it("keeps text exact, with invisible characters as \\u escapes, and an empty array for a clean report", () => {
    const out = renderCodeQuality(sampleReport());
    expect(out).not.toContain("\u202e");
    expect(out).toContain("\\u202e");
    expect(issues[3]!.description).toContain(NASTY);
    const clean = sampleReport();
    clean.images = clean.images.slice(1);
    expect(renderCodeQuality(clean)).toBe("[]\n");
  });
});
