import { describe, expect, it } from "vitest";
import { NASTY, sampleReport, unreadableReport } from "./sample-report.fixture.js";
import { renderText } from "./text.js";

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const plain = (verbose = false) => renderText(sampleReport(), { color: false, verbose });

describe("renderText", () => {
  it("writes no colour codes unless asked, and the same text when it does", () => {
    const out = plain();
    expect(out).not.toMatch(/\x1b/);
    const coloured = renderText(sampleReport(), { color: true });
    expect(coloured).toMatch(ANSI);
    expect(coloured.replace(ANSI, "")).toBe(out);
  });

  it("groups by image, failed rules worst first, then waived", () => {
    const out = plain();
    const app = out.indexOf("registry.example/app:1.2");
    const base = out.indexOf("registry.example/base:2");
    expect(app).toBeGreaterThanOrEqual(0);
    expect(base).toBeGreaterThan(app);
    const order = ["failed (4)", "CRITICAL", "IMG-SECRET-001", "HIGH", "IMG-SUID-001", "IMG-USER-001", "MEDIUM", "IMG-SHELL-001", "waived (1)", "IMG-HEALTH-001"].map((s) =>
      out.indexOf(s, app),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it("shows each finding: message, where, expected, found, and the fix", () => {
    const out = plain();
    expect(out).toContain("- ENV API_TOKEN holds what looks like a GitHub token");
    expect(out).toContain("where: config Env.API_TOKEN, build/Dockerfile:7");
    expect(out).toContain("where: /usr/bin/su (layer 2)");
    expect(out).toContain("expected: a non-root USER");
    expect(out).toContain("found: root (uid 0)");
    expect(out).toContain("fix: USER 65532:65532");
    // A remediation over several lines stays aligned under "fix:".
    expect(out).toMatch(/fix: Pass the token at run time instead:\n {6} {5}  docker run --env-file …\n {6} {5}and remove the ENV line\./);
  });

  it("shows waivers with reason and expiry, and calls out expired ones", () => {
    const out = plain();
    expect(out).toContain("(1 of 2 findings waived)");
    expect(out).toContain("waived: needed by the FUSE sidecar (until 2099-12-31, waivers.yaml:14)");
    expect(out).toContain("waived: the orchestrator probes it (until 2026-12-31, waivers.yaml:4)");
    expect(out).toContain("! waiver expired 2024-01-31, no longer applies: until the base image moves to nonroot (waivers.yaml:9)");
  });

  it("lists passed and not-applicable rules (with reasons) only when verbose", () => {
    expect(plain()).not.toContain("not applicable (");
    expect(plain()).not.toContain("passed (");
    const out = plain(true);
    expect(out).toContain("passed (2)\n    IMG-LABEL-001  OCI labels set\n    IMG-TZ-001  Zoneinfo present");
    expect(out).toContain("not applicable (1)\n    IMG-CA-001  CA certificates present — the entrypoint makes no TLS connections");
    expect(out).toContain("IMG-TZ-001  Zoneinfo present — TZ is not set");
  });

  it("ends with a summary per image and one overall", () => {
    const lines = plain().trimEnd().split("\n");
    expect(lines).toContain("  registry.example/app:1.2: failed — 4 failed rules (1 critical, 2 high, 1 medium), 1 waived, 1 not applicable, 1 expired waiver");
    expect(lines).toContain("  registry.example/base:2: passed — 0 failed rules, 0 waived, 3 not applicable");
    expect(lines.at(-2)).toBe("2 images: 1 passed, 1 failed — 4 failed rules (1 critical, 2 high, 1 medium), 1 waived, 4 not applicable, 1 expired waiver");
    expect(lines.at(-1)).toBe("policies: base, policies/team.yaml; fails on high and above");
  });

  it("never lets control characters from an image reach the terminal", () => {
    for (const color of [false, true]) {
      const out = renderText(sampleReport(), { color, verbose: true }).replace(ANSI, "");
      // eslint-disable-next-line no-control-regex
      expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u202e]/);
    }
    expect(plain()).toContain(`a shell is present: a&b <c> "d" 'e' |f| \`g\` \\x1b[2J\\x07\\u202e`);
    expect(NASTY).toContain("\x1b");
  });

  it("puts one line of runtime figures under the image header, or why it was not run", () => {
    const lines = plain().split("\n");
    const app = lines.findIndex((l) => l.startsWith("✗ registry.example/app:1.2"));
    expect(lines[app + 1]).toBe("  runtime: healthy in 850 ms (http), peak memory 11.5 MiB, killed at the end of the grace period, 10 s after the stop signal (exit code 137)");
    const base = lines.findIndex((l) => l.startsWith("✓ registry.example/base:2"));
    expect(lines[base + 1]).toBe("  runtime: not run: no container engine");
    const r = sampleReport();
    delete r.images[0]!.runtime;
    expect(renderText(r, { color: false })).not.toMatch(/^✗ registry\.example\/app:1\.2.*\n {2}runtime:/m);
  });

  it("says when an image could not be read", () => {
    const out = renderText(unreadableReport(), { color: false });
    expect(out).toMatch(/^✗ missing:latest\n {2}error: no such image: missing:latest a&b/);
    expect(out).toContain("missing:latest: not checked (could not be read) — 0 failed rules");
    // counted as an error, not a failure
    expect(out).toContain("\n1 image: 0 passed, 0 failed, 1 could not be read — 0 failed rules");
  });
});
