import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import type { Report } from "../report-types.js";
import { GITHUB_SARIF_CONSTRAINTS } from "./github-sarif.fixture.js";
import { APP, BASE, NASTY, sampleReport, unreadableReport } from "./sample-report.fixture.js";
import { renderCodeQuality } from "./codequality.js";
import { fileUri, renderSarif, ruleName } from "./sarif.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * The OASIS schema (errata 01) declares draft-04, which ajv's default build does not
 * know; the schema uses nothing that differs between draft-04 and draft-07 other than
 * `id`, so it is read as draft-07 with `$id`.
 */
function sarifValidator() {
  const { $schema: _draft, id, ...rest } = JSON.parse(readFileSync(new URL("./sarif-schema-2.1.0.json", import.meta.url), "utf8")) as Record<string, unknown>;
  expect(_draft).toBe("http://json-schema.org/draft-04/schema#");
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile({ ...rest, $id: String(id) });
}

interface Log {
  version: string;
  runs: {
    tool: { driver: { name: string; version: string; informationUri: string; rules: Record<string, any>[] } };
    invocations: { executionSuccessful: boolean; toolExecutionNotifications?: { level: string; message: { text: string } }[] }[];
    results: Record<string, any>[];
    properties: Record<string, any>;
  }[];
}

const parse = (s: string) => JSON.parse(s) as Log;

/** The sample report with no Dockerfile lines, checked against `policies`. */
/** The report as a release gate's over the list `list`. */
function asGate(r: Report, list: string): Report {
  return { ...r, gate: { list, digest: `sha256:${"0".repeat(64)}`, images: r.images.length, groups: [] } };
}

function withoutDockerfile(policies: string[]): Report {
  const r = sampleReport();
  r.policies = policies;
  for (const img of r.images) for (const res of img.results) for (const f of res.findings) if (f.location) delete f.location.dockerfile;
  return r;
}

describe("renderSarif", () => {
  const validate = sarifValidator();
  const log = parse(renderSarif(sampleReport()));
  const run = log.runs[0]!;

  it("validates against the SARIF 2.1.0 schema", () => {
    for (const r of [sampleReport(), unreadableReport()]) {
      const ok = validate(JSON.parse(renderSarif(r, { rules: [{ id: "IMG-USER-001", description: "d", rationale: "r", cis: "4.1" }] })));
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
    expect(validate({ version: "2.1.0", runs: [{ tool: { driver: { name: "x" } }, results: [{ level: "fatal", message: { text: "" } }] }] })).toBe(false);
  });

  it("describes the tool and every rule applied, once", () => {
    expect(log.version).toBe("2.1.0");
    expect(log.runs).toHaveLength(1);
    const d = run.tool.driver;
    expect([d.name, d.version, d.informationUri]).toEqual(["imgpolicy", "0.1.0", "https://imgpolicy.dev"]);
    const ids = d.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(8);
    const user = d.rules.find((r) => r.id === "IMG-USER-001")!;
    expect(user).toMatchObject({
      name: "RunsAsANonRootUser",
      shortDescription: { text: "Runs as a non-root user" },
      help: { text: "USER 65532:65532" },
      defaultConfiguration: { level: "error" },
      properties: { tags: ["users", "security"], "security-severity": "8.0" },
    });
    expect(d.rules.find((r) => r.id === "IMG-TZ-001")!.defaultConfiguration.level).toBe("note");
  });

  it("uses rule descriptions when given", () => {
    const d = parse(renderSarif(sampleReport(), { informationUri: "https://example.test/imgpolicy", rules: [{ id: "IMG-USER-001", description: "Checks USER.", rationale: "Root in a container is root on a bad day.", cis: "4.1" }] })).runs[0]!.tool.driver;
    expect(d.informationUri).toBe("https://example.test/imgpolicy");
    const user = d.rules.find((r) => r.id === "IMG-USER-001")!;
    expect(user.fullDescription.text).toBe("Checks USER. Root in a container is root on a bad day.");
    expect(user.properties.tags).toContain("CIS-Docker-4.1");
  });

  it("writes one result per finding, with levels by severity and the image", () => {
    expect(run.results).toHaveLength(6);
    for (const res of run.results) {
      expect(run.tool.driver.rules[res.ruleIndex]!.id).toBe(res.ruleId);
      expect(res.properties.image).toBe(APP);
      expect(res.partialFingerprints["imgpolicyFinding/v1"]).toMatch(/^[0-9a-f]{32}$/);
    }
    const level = (id: string) => run.results.filter((r) => r.ruleId === id).map((r) => r.level);
    expect(level("IMG-SECRET-001")).toEqual(["error"]);
    expect(level("IMG-SUID-001")).toEqual(["error", "error"]);
    expect(level("IMG-SHELL-001")).toEqual(["warning"]);
    expect(level("IMG-HEALTH-001")).toEqual(["note"]);
    expect(run.results[0]!.message.text).toBe("registry.example/app:1.2: ENV API_TOKEN holds what looks like a GitHub token (expected no secret in ENV; found ghp_…Zx (redacted))");
    const fps = run.results.map((r) => r.partialFingerprints["imgpolicyFinding/v1"]);
    expect(new Set(fps).size).toBe(fps.length);
  });

  it("locates Dockerfile findings physically and image paths logically", () => {
    const secret = run.results.find((r) => r.ruleId === "IMG-SECRET-001")!;
    expect(secret.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: "build/Dockerfile", uriBaseId: "%SRCROOT%" }, region: { startLine: 7 } });
    const su = run.results.find((r) => r.message.text.includes(": /usr/bin/su"))!;
    // the image's Dockerfile stands in for a path in the image, at line 1
    expect(su.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: "build/Dockerfile", uriBaseId: "%SRCROOT%" }, region: { startLine: 1 } });
    expect(su.locations[0].logicalLocations).toEqual([
      { name: "/usr/bin/su", fullyQualifiedName: `${APP}:/usr/bin/su`, kind: "resource", properties: { image: APP, layer: 1 } },
    ]);
    expect(su.properties.layer).toBe(1);
    const user = run.results.find((r) => r.ruleId === "IMG-USER-001")!;
    expect(user.locations[0].logicalLocations[0]).toMatchObject({ name: "User", fullyQualifiedName: `${APP}:config.User`, kind: "property" });
    expect(user.properties.expiredWaivers).toEqual([expect.objectContaining({ expires: "2024-01-31" })]);
  });

  it("meets what GitHub code scanning requires: a rule, a message and a relative file line for every result", () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const github = ajv.compile(GITHUB_SARIF_CONSTRAINTS);
    const reports: [Report, Parameters<typeof renderSarif>[1]][] = [
      [sampleReport(), {}],
      [sampleReport(), { baseDir: "/src/app", dockerfile: "/elsewhere/Dockerfile" }],
      [asGate(withoutDockerfile(["base"]), "ci/images.yaml"), {}],
      [withoutDockerfile(["base", "/src/app/policies/strict.yaml"]), { baseDir: "/src/app" }],
    ];
    for (const [report, opts] of reports) {
      const doc = JSON.parse(renderSarif(report, opts)) as Log;
      expect(github(doc), JSON.stringify(github.errors)).toBe(true);
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
      const ids = new Set(doc.runs[0]!.tool.driver.rules.map((r) => r.id));
      for (const res of doc.runs[0]!.results) expect(ids.has(res.ruleId)).toBe(true);
    }
    expect(github({ version: "2.1.0", $schema: "x", runs: [{ tool: { driver: { name: "x", rules: [] } }, results: [{ ruleId: "R", message: { text: "m" }, partialFingerprints: { a: "b" }, locations: [{ physicalLocation: { artifactLocation: { uri: "file:///abs" }, region: { startLine: 1 } } }] }] }] })).toBe(false);
    expect(github({ version: "2.1.0", $schema: "x", runs: [{ tool: { driver: { name: "x", rules: [] } }, results: [{ ruleId: "R", message: { text: "m" }, partialFingerprints: { a: "b" }, locations: [{ logicalLocations: [] }] }] }] })).toBe(false);
  });

  it("places findings without a Dockerfile line at a stand-in the run read: the Dockerfile, else the policy file, else the gate's list", () => {
    const at = (report: Report, opts = {}) =>
      (JSON.parse(renderSarif(report, opts)) as Log).runs[0]!.results.map((r) => [r.locations[0].physicalLocation.artifactLocation.uri, r.locations[0].physicalLocation.region.startLine]);
    expect(new Set(at(withoutDockerfile(["base", "policies/team.yaml"])).map(String))).toEqual(new Set(["policies/team.yaml,1"]));
    // an absolute policy file inside the working directory is made relative
    expect(new Set(at(withoutDockerfile(["/src/app/ci/policy.yaml"]), { baseDir: "/src/app" }).map(String))).toEqual(new Set(["ci/policy.yaml,1"]));
    // the Dockerfile given (--dockerfile) stands in before any policy
    expect(new Set(at(withoutDockerfile(["policies/team.yaml"]), { baseDir: "/src/app", dockerfile: "/src/app/Dockerfile" }).map(String))).toEqual(new Set(["Dockerfile,1"]));
    // a release gate with shipped policies only: its image list, which the run read
    expect(new Set(at(asGate(withoutDockerfile(["base"]), "ci/images.yaml")).map(String))).toEqual(new Set(["ci/images.yaml,1"]));
    expect(new Set(at(asGate(withoutDockerfile(["base"]), "/src/app/images.yaml"), { baseDir: "/src/app" }).map(String))).toEqual(new Set(["images.yaml,1"]));
  });

  it("falls back to the placeholder only when the run read no file of the repository, and says so in a notification", () => {
    type Note = { level: string; message: { text: string } };
    const notes = (doc: Log) => ((doc.runs[0] as unknown as { invocations: { toolExecutionNotifications?: Note[] }[] }).invocations[0]!.toolExecutionNotifications ?? []);
    for (const [report, opts] of [
      [withoutDockerfile(["base"]), {}],
      // a policy file outside the working directory cannot be named; nor a list outside it
      [withoutDockerfile(["/etc/policy.yaml", "../up.yaml"]), { baseDir: "/src/app" }],
      [asGate(withoutDockerfile(["base"]), "/elsewhere/images.yaml"), { baseDir: "/src/app" }],
    ] as [Report, { baseDir?: string }][]) {
      const doc = JSON.parse(renderSarif(report, opts)) as Log;
      expect(new Set(doc.runs[0]!.results.map((r) => r.locations[0].physicalLocation.artifactLocation.uri))).toEqual(new Set([".imgpolicy.yaml"]));
      expect(notes(doc)).toEqual([{ level: "warning", message: { text: expect.stringMatching(/^registry\.example\/app:1\.2: findings without a Dockerfile line are placed at \.imgpolicy\.yaml, line 1, which this run did not read .*give --dockerfile FILE or a policy file/) } }]);
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
      const cq = JSON.parse(renderCodeQuality(report, opts)) as { location: { path: string } }[];
      expect(new Set(cq.map((i) => i.location.path))).toEqual(new Set([".imgpolicy.yaml"]));
    }
    // a discovered .imgpolicy.yaml is a file the run read: no notification
    expect(notes(JSON.parse(renderSarif(withoutDockerfile([".imgpolicy.yaml"]))) as Log)).toEqual([]);
  });

  it("makes an absolute Dockerfile inside the working directory relative, and falls back for one outside", () => {
    const report = sampleReport();
    const secret = report.images[0]!.results[0]!.findings[0]!;
    secret.location!.dockerfile = { file: "/src/app/build/Dockerfile", line: 7 };
    const inside = JSON.parse(renderSarif(report, { baseDir: "/src/app" })) as Log;
    expect(inside.runs[0]!.results[0]!.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: "build/Dockerfile", uriBaseId: "%SRCROOT%" }, region: { startLine: 7 } });
    const outside = JSON.parse(renderSarif(report, { baseDir: "/home/ci/checkout" })) as Log;
    const loc = outside.runs[0]!.results[0]!.locations[0];
    expect(loc.physicalLocation).toEqual({ artifactLocation: { uri: "policies/team.yaml", uriBaseId: "%SRCROOT%" }, region: { startLine: 1 } });
    expect(loc.logicalLocations[0].properties.dockerfile).toBe("/src/app/build/Dockerfile:7");
  });

  it("fingerprints findings stably: not by digest, line or wording; distinct within a run", () => {
    const prints = (r: Report) => (JSON.parse(renderSarif(r)) as Log).runs[0]!.results.map((x) => x.partialFingerprints["imgpolicyFinding/v1"] as string);
    const before = prints(sampleReport());
    const moved = sampleReport();
    const app = moved.images[0]!;
    app.reference = `${APP}@sha256:${"9".repeat(64)}`;
    app.digest = `sha256:${"9".repeat(64)}`;
    app.results[0]!.findings[0]!.location!.dockerfile!.line = 12;
    app.results[0]!.findings[0]!.message = "ENV API_TOKEN holds a token (reworded)";
    expect(prints(moved)).toEqual(before);
    const other = sampleReport();
    other.images[0]!.reference = "registry.example/other:1.2";
    expect(prints(other).filter((p) => before.includes(p))).toEqual([]);
    // two findings of one rule on the same subject are told apart
    const twice = sampleReport();
    const su = twice.images[0]!.results.find((r) => r.rule === "IMG-SUID-001")!;
    su.findings[1]!.location = { path: "/usr/bin/su", layer: 1 };
    expect(new Set(prints(twice)).size).toBe(prints(twice).length);
  });

  it("keeps waived findings, suppressed with the waiver's justification", () => {
    const suppressed = run.results.filter((r) => r.suppressions);
    expect(suppressed.map((r) => r.ruleId)).toEqual(["IMG-SUID-001", "IMG-HEALTH-001"]);
    expect(suppressed[0]!.suppressions).toEqual([
      { kind: "external", justification: "needed by the FUSE sidecar (until 2099-12-31, waivers.yaml:14)", properties: { expires: "2099-12-31", source: "waivers.yaml:14", path: "/bin/mount" } },
    ]);
    expect(run.results.filter((r) => r.ruleId === "IMG-SUID-001" && !r.suppressions)).toHaveLength(1);
  });

  it("keeps the report's verdict and per-image counts in run properties", () => {
    expect(run.properties).toMatchObject({ reportSchema: "imgpolicy/report@1", failOn: "high", passed: false, policies: ["base", "policies/team.yaml"] });
    expect(run.properties.images.map((i: { reference: string; passed: boolean }) => [i.reference, i.passed])).toEqual([
      [APP, false],
      [BASE, true],
    ]);
    expect(run.invocations).toEqual([expect.objectContaining({ executionSuccessful: true })]);
  });

  it("carries any text through JSON escaping", () => {
    const shell = run.results.find((r) => r.ruleId === "IMG-SHELL-001")!;
    expect(shell.message.text).toContain(NASTY);
    expect(shell.locations[0].logicalLocations[0].name).toBe(`/opt/${NASTY}`);
  });

  it("reports an unreadable image as a failed execution", () => {
    const r = parse(renderSarif(unreadableReport())).runs[0]!;
    expect(r.results).toEqual([]);
    expect(r.invocations[0]!.executionSuccessful).toBe(false);
    expect(r.invocations[0]!.toolExecutionNotifications![0]!.message.text).toContain("missing:latest: no such image");
  });

  it("turns file paths into URI references", () => {
    expect(fileUri("Dockerfile")).toBe("Dockerfile");
    expect(fileUri("build dir/Dockerfile#1?x")).toBe("build%20dir/Dockerfile%231%3Fx");
    expect(fileUri("/src/app/Dockerfile")).toBe("file:///src/app/Dockerfile");
    expect(fileUri("C:\\src\\Dockerfile")).toBe("file:///C:/src/Dockerfile");
    expect(ruleName("Runs as a non-root user", "X")).toBe("RunsAsANonRootUser");
    expect(ruleName("—", "IMG-X-001")).toBe("IMG-X-001");
  });
});
