/**
 * A hand-built report for the reporter tests: two images, one passing and one with
 * critical, high and medium failures, a partly waived rule, a waived rule, an expired
 * waiver, not-applicable rules, a Dockerfile location, text that needs escaping, and
 * runtime figures (one image ran, the other could not be run).
 */
import type { Counts, ImageReport, Report, RuleResult } from "../report-types.js";
import { REPORT_SCHEMA } from "../report-types.js";

/** Every character the escapers must handle: XML and Markdown specials, ESC, BEL, a bidi override. */
export const NASTY = `a&b <c> "d" 'e' |f| \`g\` \x1b[2J\x07\u202e`;

const zero = (): Counts["failedBySeverity"] => ({ critical: 0, high: 0, medium: 0, low: 0, info: 0 });

const failing: RuleResult[] = [
  {
    rule: "IMG-SECRET-001",
    title: "No secrets in the environment",
    category: "config",
    severity: "critical",
    status: "fail",
    findings: [
      {
        message: "ENV API_TOKEN holds what looks like a GitHub token",
        location: { config: "Env.API_TOKEN", dockerfile: { file: "build/Dockerfile", line: 7 } },
        expected: "no secret in ENV",
        found: "ghp_…Zx (redacted)",
      },
    ],
    remediation: "Pass the token at run time instead:\n  docker run --env-file …\nand remove the ENV line.",
  },
  {
    rule: "IMG-USER-001",
    title: "Runs as a non-root user",
    category: "users",
    severity: "high",
    status: "fail",
    findings: [{ message: "the image runs as root", location: { config: "User" }, expected: "a non-root USER", found: "root (uid 0)" }],
    remediation: "USER 65532:65532",
    expiredWaivers: [{ rule: "IMG-USER-001", reason: "until the base image moves to nonroot", expires: "2024-01-31", source: "waivers.yaml:9" }],
  },
  {
    rule: "IMG-SUID-001",
    title: "No setuid or setgid files, nor file capabilities",
    category: "filesystem",
    severity: "high",
    status: "fail",
    findings: [
      { message: "/usr/bin/su is setuid root", location: { path: "/usr/bin/su", layer: 1 }, expected: "no setuid bit", found: "-rwsr-xr-x 0:0" },
      {
        message: "/bin/mount is setuid root",
        location: { path: "/bin/mount", layer: 1 },
        waivedBy: { rule: "IMG-SUID-001", path: "/bin/mount", reason: "needed by the FUSE sidecar", expires: "2099-12-31", source: "waivers.yaml:14" },
      },
    ],
    remediation: "RUN chmod u-s,g-s /usr/bin/su",
  },
  {
    rule: "IMG-SHELL-001",
    title: `Shell present (${NASTY})`,
    category: "filesystem",
    severity: "medium",
    status: "fail",
    findings: [{ message: `a shell is present: ${NASTY}`, location: { path: `/opt/${NASTY}`, layer: 3 }, found: NASTY }],
    remediation: `Remove the shell, ${NASTY}:\n\`\`\`\nRUN rm /bin/sh\n\`\`\``,
  },
  {
    rule: "IMG-HEALTH-001",
    title: "Has a HEALTHCHECK",
    category: "config",
    severity: "low",
    status: "waived",
    findings: [
      {
        message: "the image has no HEALTHCHECK",
        location: { config: "Healthcheck" },
        waivedBy: { rule: "IMG-HEALTH-001", reason: "the orchestrator probes it", expires: "2026-12-31", source: "waivers.yaml:4" },
      },
    ],
    remediation: 'HEALTHCHECK CMD ["/app", "healthcheck"]',
  },
  {
    rule: "IMG-CA-001",
    title: "CA certificates present",
    category: "certificates",
    severity: "medium",
    status: "skip",
    findings: [],
    reason: "the entrypoint makes no TLS connections",
    remediation: "COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/",
  },
  { rule: "IMG-TZ-001", title: "Zoneinfo present", category: "files", severity: "info", status: "pass", findings: [], remediation: "" },
  { rule: "IMG-LABEL-001", title: "OCI labels set", category: "config", severity: "low", status: "pass", findings: [], remediation: "LABEL org.opencontainers.image.source=…" },
];

const passing: RuleResult[] = [
  { rule: "IMG-SECRET-001", title: "No secrets in the environment", category: "config", severity: "critical", status: "pass", findings: [], remediation: "Pass secrets at run time." },
  { rule: "IMG-USER-001", title: "Runs as a non-root user", category: "users", severity: "high", status: "pass", findings: [], remediation: "USER 65532:65532" },
  { rule: "IMG-CA-001", title: "CA certificates present", category: "certificates", severity: "medium", status: "skip", findings: [], reason: "no entrypoint binary", remediation: "" },
  { rule: "IMG-TZ-001", title: "Zoneinfo present", category: "files", severity: "info", status: "skip", findings: [], reason: "TZ is not set", remediation: "" },
  { rule: "IMG-HEALTH-001", title: "Has a HEALTHCHECK", category: "config", severity: "low", status: "skip", findings: [], reason: "no HEALTHCHECK needed for a job", remediation: "" },
];

const appCounts: Counts = { pass: 2, fail: 4, skip: 1, waived: 1, failedBySeverity: { ...zero(), critical: 1, high: 2, medium: 1 } };
const baseCounts: Counts = { pass: 2, fail: 0, skip: 3, waived: 0, failedBySeverity: zero() };

export const APP = "registry.example/app:1.2";
export const BASE = "registry.example/base:2";

export function sampleReport(): Report {
  const app: ImageReport = {
    reference: APP,
    digest: "sha256:1111111111111111111111111111111111111111111111111111111111111111",
    id: "sha256:2222222222222222222222222222222222222222222222222222222222222222",
    platform: "linux/amd64",
    results: structuredClone(failing),
    counts: appCounts,
    passed: false,
    runtime: { status: "ran", healthMethod: "http", healthy: true, timeToHealthyMs: 850, peakMemoryBytes: 12_058_624, timeToStopMs: 10_040, stopExitCode: 137, killed: true },
  };
  const base: ImageReport = {
    reference: BASE,
    digest: "sha256:3333333333333333333333333333333333333333333333333333333333333333",
    platform: "linux/arm64",
    results: structuredClone(passing),
    counts: baseCounts,
    passed: true,
    runtime: { status: "not-run", reason: "not run: no container engine" },
  };
  return {
    schema: REPORT_SCHEMA,
    tool: { name: "imgpolicy", version: "0.1.0" },
    policies: ["base", "policies/team.yaml"],
    failOn: "high",
    generatedAt: "2025-05-01T12:00:00.000Z",
    images: [app, base],
    counts: { pass: 4, fail: 4, skip: 4, waived: 1, failedBySeverity: { ...zero(), critical: 1, high: 2, medium: 1 } },
    passed: false,
  };
}

/** A report whose one image could not be read. */
export function unreadableReport(): Report {
  const r = sampleReport();
  r.images = [
    {
      reference: "missing:latest",
      error: `no such image: missing:latest ${NASTY}`,
      results: [],
      counts: { pass: 0, fail: 0, skip: 0, waived: 0, failedBySeverity: zero() },
      passed: false,
    },
  ];
  r.counts = r.images[0]!.counts;
  return r;
}
