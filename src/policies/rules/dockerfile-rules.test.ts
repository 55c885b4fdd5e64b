import { describe, expect, it } from "vitest";
import { SEED_DOCKERFILES, type SeedName } from "../../dockerfile/seed-dockerfiles.fixture.js";
import { evaluate } from "../evaluate.js";
import { render } from "../report/index.js";
import { REPORT_SCHEMA, type Report } from "../report-types.js";
import type { AnyRule } from "../types.js";
import { rule as apkNoCache } from "./dockerfile-apk-no-cache.js";
import { rule as aptLists } from "./dockerfile-apt-lists.js";
import { rule as basePinned } from "./dockerfile-base-pinned.js";
import { rule as dockerignore } from "./dockerfile-dockerignore.js";
import { rule as entrypointMatches } from "./dockerfile-entrypoint-matches.js";
import { rule as execForm } from "./dockerfile-exec-form.js";
import { seedFacts, withDockerfile as df } from "./dockerfile-facts.fixture.js";
import { rule as finalStage } from "./dockerfile-final-stage.js";
import { rule as goCacheMounts } from "./dockerfile-go-cache-mounts.js";
import { rule as goCgo } from "./dockerfile-go-cgo.js";
import { rule as goLdflags } from "./dockerfile-go-ldflags.js";
import { rule as goModFirst } from "./dockerfile-go-mod-first.js";
import { NO_DOCKERFILE } from "./dockerfile-helpers.js";
import { rule as maskedFailures } from "./dockerfile-masked-failures.js";
import { rule as ociLabels } from "./dockerfile-oci-labels.js";
import { rule as secrets } from "./dockerfile-secrets.js";
import { rule as userMatches } from "./dockerfile-user-matches.js";
import { rule as user } from "./dockerfile-user.js";
import { facts, run } from "./test-facts.js";

const DOCKERFILE_RULES: readonly AnyRule[] = [
  basePinned, finalStage, goModFirst, goCacheMounts, goCgo, goLdflags, user, execForm,
  apkNoCache, aptLists, maskedFailures, secrets, dockerignore, ociLabels, userMatches, entrypointMatches,
];

/** pass, skip, or the lines the findings point at, in order. */
type Verdict = "pass" | "skip" | number[];
const L = (line: number, n = 1): number[] => Array.from({ length: n }, () => line);

/**
 * Each rule's verdict on each seed Dockerfile, built (the image config agrees with the
 * Dockerfile) with a .dockerignore. Columns: glassops runtime, glassops native adapter,
 * gofile, course naive, course final, template scratch, template alpine, template distroless.
 */
const SEED_VERDICTS: Record<string, [Verdict, Verdict, Verdict, Verdict, Verdict, Verdict, Verdict, Verdict]> = {
  "IMG-DF-001": ["pass", "pass", [14], [1], "pass", "pass", "pass", "pass"],
  "IMG-DF-002": ["pass", "pass", "pass", [1], "pass", "pass", "pass", "pass"],
  "IMG-DF-003": ["pass", "pass", "pass", [3], "pass", "pass", "pass", "pass"],
  "IMG-DF-004": [[5, 7], [4, 6], [10], [4], [9], [4, 6], [4, 6], [4, 6]],
  "IMG-DF-005": ["pass", [6], "pass", "skip", [9], "pass", "pass", "pass"],
  "IMG-DF-006": ["pass", [6], [12], "skip", [10], "pass", "pass", "pass"],
  "IMG-DF-007": [[10], "pass", "pass", [1], "pass", "pass", "pass", "pass"],
  "IMG-DF-008": ["pass", "pass", "pass", "pass", "pass", "pass", "pass", "pass"],
  "IMG-DF-009": ["pass", "pass", "pass", "skip", "skip", "skip", "pass", "skip"],
  "IMG-DF-010": ["skip", "skip", "skip", "skip", "skip", "skip", "skip", "skip"],
  "IMG-DF-011": [[5], "pass", "pass", "pass", "pass", "pass", "pass", "pass"],
  "IMG-DF-012": ["pass", "pass", "pass", "pass", "pass", "pass", "pass", "pass"],
  "IMG-DF-013": ["pass", "pass", "pass", "pass", "pass", "pass", "pass", "pass"],
  "IMG-DF-014": [L(10, 4), L(8, 4), L(14, 4), L(1, 4), L(14, 4), L(11, 4), L(11, 4), L(11, 4)],
  "IMG-DF-015": ["skip", "pass", "pass", "skip", "pass", "pass", "pass", "skip"],
  "IMG-DF-016": ["pass", "pass", "pass", "pass", "pass", "pass", "pass", "pass"],
};

const SEEDS = Object.keys(SEED_DOCKERFILES) as SeedName[];

describe("the Dockerfile rules on the seeds' Dockerfiles", () => {
  it("cover every rule", () => {
    expect(Object.keys(SEED_VERDICTS)).toEqual(DOCKERFILE_RULES.map((r) => r.id));
  });
  for (const rule of DOCKERFILE_RULES) {
    it.each(SEEDS.map((name, i) => [name, SEED_VERDICTS[rule.id]![i]!] as const))(`${rule.id} on %s → %j`, (name, want) => {
      const r = run(rule, seedFacts(name));
      if (typeof want === "string") {
        expect(r.status, r.text).toBe(want);
        return;
      }
      expect(r.status, r.text).toBe("fail");
      if (r.outcome.status !== "fail") return;
      expect(r.outcome.findings.map((f) => f.location?.dockerfile)).toEqual(want.map((line) => ({ file: "Dockerfile", line })));
      for (const f of r.outcome.findings) {
        expect(f.expected, f.message).toBeTruthy();
        expect(f.found, f.message).toBeTruthy();
      }
    });
  }
});

describe("every Dockerfile rule", () => {
  it.each(DOCKERFILE_RULES.map((r) => [r.id, r] as const))("%s is a dockerfile rule that skips without a Dockerfile, and when it does not parse", (_id, rule) => {
    expect(rule.category).toBe("dockerfile");
    expect(run(rule, facts())).toMatchObject({ status: "skip", text: NO_DOCKERFILE });
    const broken = run(rule, df("FROM alpine:3.19\nCOPPY . .\n", {}, false));
    expect(broken.status).toBe("skip");
    expect(broken.text).toMatch(rule.id === "IMG-DF-013" ? /Dockerfile:2: unknown instruction COPPY \(did you mean COPY\?\)/ : /^the Dockerfile does not parse: Dockerfile:2: unknown instruction COPPY/);
  });

  it("name the Dockerfile path the user gave in every location", () => {
    const r = run(basePinned, facts({ dockerfile: { path: "services/api/Dockerfile.prod", text: "FROM alpine\n" } }));
    expect(r.outcome).toMatchObject({ status: "fail", findings: [{ location: { dockerfile: { file: "services/api/Dockerfile.prod", line: 1 } } }] });
  });

  it("parse a Dockerfile once per facts document", () => {
    const f = seedFacts("courseFinal");
    const first = run(basePinned, f);
    const text = f.dockerfile!.text;
    Object.defineProperty(f.dockerfile!, "text", { get: () => { throw new Error("parsed again"); } });
    expect(run(basePinned, f).status).toBe(first.status);
    expect(run(user, f).status).toBe("pass");
    expect(text).toContain("FROM scratch");
  });
});

describe("Dockerfile findings in the reports", () => {
  const image = evaluate(seedFacts("glassopsRuntime"), { sources: [], failOn: "high", rules: {}, waivers: [] }, { rules: [maskedFailures, user] });
  const report: Report = {
    schema: REPORT_SCHEMA,
    tool: { name: "imgpolicy", version: "0.0.0" },
    policies: [],
    failOn: "high",
    generatedAt: "2026-01-01T00:00:00.000Z",
    images: [image],
    counts: image.counts,
    passed: image.passed,
  };

  it("text, markdown and JUnit say Dockerfile:line", () => {
    for (const format of ["text", "markdown", "junit"] as const) {
      const out = render(format, report);
      expect(out, format).toContain("Dockerfile:5");
      expect(out, format).toContain("Dockerfile:10");
    }
  });

  it("SARIF gives each finding a physical location at the line", () => {
    const sarif = JSON.parse(render("sarif", report)) as { runs: { results: { ruleId: string; locations: { physicalLocation?: unknown }[] }[] }[] };
    const where = sarif.runs[0]!.results.map((r) => [r.ruleId, r.locations[0]!.physicalLocation]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(where).toEqual([
      ["IMG-DF-007", { artifactLocation: { uri: "Dockerfile", uriBaseId: "%SRCROOT%" }, region: { startLine: 10 } }],
      ["IMG-DF-011", { artifactLocation: { uri: "Dockerfile", uriBaseId: "%SRCROOT%" }, region: { startLine: 5 } }],
    ]);
  });
});
