/**
 * End to end: a container-structure-test config loaded as the policy, an image written as
 * an OCI layout, check() reading it. Only the converted tests run; passing and failing
 * assertions land where they should; commandTests are reported as skipped.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage } from "../../fixtures/image-writer.js";
import { writeOciLayout } from "../../fixtures/oci-layout-writer.js";
import { check, exitStatus } from "../../src/policies/check.js";
import { loadPolicy } from "../../src/policies/load-policy.js";
import type { RuleResult } from "../../src/policies/report-types.js";
import { rule as configAssertions } from "../../src/policies/rules/config-assertions.js";
import { rule as cstCommandTests } from "../../src/policies/rules/cst-command-tests.js";
import { RULES } from "../../src/policies/rules/index.js";

/** The registry with the CST rules in it, whether or not index.ts lists them yet. */
const ours = [configAssertions, cstCommandTests];
const rules = [...RULES.filter((r) => !ours.some((o) => o.id === r.id)), ...ours];

const PASSWD = "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n";

/** A CST config with tests that pass and tests that fail against the image below. */
const CST = `schemaVersion: 2.0.0

globalEnvVars:
  - key: PATH
    value: /env/bin:$PATH

commandTests:
  - name: "app version"
    command: "/app"
    args: ["--version"]
    expectedOutput: ["^app 1\\\\."]
  - name: "no apt"
    setup: [["true"]]
    command: "which"
    args: ["apt-get"]
    exitCode: 1

fileExistenceTests:
  - name: 'app binary'
    path: '/app'
    shouldExist: true
    permissions: '-rwxr-xr-x'
    uid: 65532
    gid: 65532
    isExecutableBy: 'other'
  - name: 'no shell'
    path: '/bin/sh'
    shouldExist: false
  - name: 'app config'
    path: '/etc/app/config.yaml'
    shouldExist: true

fileContentTests:
  - name: 'nonroot account'
    path: '/etc/passwd'
    # Go's regexp, like JavaScript's: ^ is the start of the text unless (?m) says lines
    expectedContents: ['(?m)^nonroot:x:65532:']
  - name: 'Debian Sources'
    path: '/etc/apt/sources.list'
    expectedContents: ['.*httpredir\\.debian\\.org.*']
    excludedContents: ['.*gce_debian_mirror.*']

metadataTest:
  envVars:
    - key: APP_ENV
      value: production
    - key: API_TOKEN
      value: tok_1234567890abcdef
  labels:
    - key: 'org.opencontainers.image.version'
      value: '^1\\.\\d+\\.\\d+$'
      isRegex: true
  exposedPorts: ["8080"]
  unexposedPorts: ["22"]
  entrypoint: ["/app"]
  cmd: []
  workdir: "/app"
  user: "65532"

licenseTests:
  - debian: true
    files: ["/usr/share/doc/libfoo/copyright"]
`;

/** Only tests that pass against the same image. */
const CST_PASSING = `schemaVersion: 2.0.0
fileExistenceTests:
  - name: 'app binary'
    path: '/app'
    isExecutableBy: 'any'
metadataTest:
  user: "65532"
  exposedPorts: ["8080"]
commandTests:
  - name: "app version"
    command: "/app"
`;

let dir: string;
let image: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-cst-e2e-"));
  const built = buildImage({
    layers: [
      {
        files: [
          { path: "/etc/passwd", content: PASSWD },
          { path: "/etc/apt/sources.list", content: "deb http://deb.debian.org/debian bookworm main\n" },
          { path: "/usr/share/doc/libc6/copyright", content: "This is the Debian GNU/Linux prepackaged version of the GNU C Library.\nLicense: LGPL-2.1+\n" },
          { path: "/usr/share/doc/libfoo/copyright", content: "Files: *\nLicense: agpl-3.0+\n" },
        ],
      },
      { files: [{ path: "/app", content: "#!/app\n", mode: 0o755, uid: 65532, gid: 65532 }] },
    ],
    config: {
      User: "65532",
      Entrypoint: ["/app"],
      WorkingDir: "/srv",
      Env: ["PATH=/usr/bin:/bin", "APP_ENV=production", "API_TOKEN=tok_1234567890abcdef"],
      Labels: { "org.opencontainers.image.version": "1.4.2" },
      ExposedPorts: { "8080/tcp": {} },
    },
  });
  image = join(dir, "image");
  await writeOciLayout(image, [{ image: built, refName: "1" }]);
  await writeFile(join(dir, "cst.yaml"), CST);
  await writeFile(join(dir, "cst-passing.yaml"), CST_PASSING);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function checkWith(file: string) {
  const { policy, errors } = await loadPolicy(join(dir, file), { rules });
  expect(errors).toEqual([]);
  const report = await check([`oci:${image}:1`], { policy: policy!, rules, now: new Date("2026-01-01T00:00:00Z") });
  expect(report.images[0]!.error).toBeUndefined();
  const byRule = new Map<string, RuleResult>(report.images[0]!.results.map((r) => [r.rule, r]));
  return { report, byRule };
}

describe("a container-structure-test config as the policy", () => {
  it("runs only the converted tests", async () => {
    const { byRule } = await checkWith("cst.yaml");
    expect([...byRule.keys()].sort()).toEqual(["IMG-CST-001", "IMG-FILE-001", "IMG-META-001", "IMG-RUN-007"]);
  });

  it("fails the file tests that do not hold, by name, and only those", async () => {
    const { byRule } = await checkWith("cst.yaml");
    const files = byRule.get("IMG-FILE-001")!;
    expect(files.status).toBe("fail");
    expect(files.findings.map((f) => f.message)).toEqual([
      "app config (/etc/app/config.yaml): expected to exist, but it does not.",
      "Debian Sources (/etc/apt/sources.list): the content at /etc/apt/sources.list (layer 1) does not match /.*httpredir\\.debian\\.org.*/.",
      "License Test 1 (/usr/share/doc/libfoo/copyright): the content at /usr/share/doc/libfoo/copyright (layer 1) matches /(?i)AGPL/.",
    ]);
  });

  it("fails the metadata assertions that do not hold, and says why a secret value cannot be checked", async () => {
    const { byRule, report } = await checkWith("cst.yaml");
    const meta = byRule.get("IMG-META-001")!;
    expect(meta.status).toBe("fail");
    expect(meta.findings.map((f) => [f.location?.config, f.message])).toEqual([
      ["Env.API_TOKEN", expect.stringMatching(/^Environment variable API_TOKEN cannot be checked: its value looks like a secret/)],
      ["WorkingDir", 'WORKDIR is "/srv", expected "/app".'],
    ]);
    expect(meta.findings[1]).toMatchObject({ expected: "/app", found: "/srv" });
    expect(JSON.stringify(report)).not.toContain("tok_1234567890abcdef");
  });

  it("reports the commandTests as skipped, with the ignored settings and the license limitation", async () => {
    const { byRule, report } = await checkWith("cst.yaml");
    const skipped = byRule.get("IMG-CST-001")!;
    expect(skipped).toMatchObject({ status: "skip", severity: "info" });
    expect(skipped.reason).toMatch(/^2 commandTests need --runtime \(app version, no apt\); /);
    expect(skipped.reason).toContain("licenseTests[0].debian: only checked that /usr/share/doc exists");
    expect(skipped.reason).not.toContain("globalEnvVars"); // set in the commandTests' containers
    expect(skipped.reason).toContain("setup and teardown commands of 1 commandTest ignored");
    expect(report.counts).toMatchObject({ pass: 0, fail: 2, skip: 2 }); // IMG-CST-001, and IMG-RUN-007 (no --runtime)
    expect(byRule.get("IMG-RUN-007")).toMatchObject({ status: "skip", reason: "not run: pass --runtime" });
    expect(report.passed).toBe(false);
    expect(exitStatus(report)).toBe(1);
  });

  it("passes when every converted test holds; skipped commandTests do not fail the run", async () => {
    const { byRule, report } = await checkWith("cst-passing.yaml");
    expect(byRule.get("IMG-FILE-001")!.status).toBe("pass");
    expect(byRule.get("IMG-META-001")!.status).toBe("pass");
    expect(byRule.get("IMG-CST-001")).toMatchObject({ status: "skip", reason: "1 commandTest needs --runtime (app version)" });
    expect(report.passed).toBe(true);
    expect(exitStatus(report)).toBe(0);
  });
});
