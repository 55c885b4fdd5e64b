/**
 * imgpolicy check's outputs in CI: report directories made, a file that cannot be
 * written (one line, exit 2, after the verdict), two formats to one file, the summary
 * line when every format goes to a file, --quiet, --show-skipped, SARIF and Code
 * Quality locations relative to the working directory, and colour. The real
 * bin/imgpolicy.js is run (npm run build first), in a directory of its own.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage } from "../../fixtures/image-writer.js";
import { writeOciLayout } from "../../fixtures/oci-layout-writer.js";
import { GITHUB_SARIF_CONSTRAINTS } from "../../src/policies/report/github-sarif.fixture.js";

const BIN = resolve("bin/imgpolicy.js");

let dir: string;
let good: string;
let bad: string;

/** Runs the CLI in `dir` with a clean colour environment (plus `env`). */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = { ...process.env };
  for (const k of ["NO_COLOR", "FORCE_COLOR", "TERM", "CI"]) delete base[k];
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, env: { ...base, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      done({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-outputs-"));
  const passwd = "root:x:0:0::/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n";
  const labels = { "org.opencontainers.image.source": "https://example.com/app", "org.opencontainers.image.version": "1.0.0", "org.opencontainers.image.revision": "abc123", "org.opencontainers.image.created": "2026-01-01T00:00:00Z" };
  await writeOciLayout(join(dir, "good"), [{ image: buildImage({ layers: [{ files: [{ path: "/etc/passwd", content: passwd }, { path: "/app", content: "#!/app\n", mode: 0o755 }] }], config: { User: "65532:65532", Entrypoint: ["/app"], Labels: labels, Healthcheck: { Test: ["CMD", "/app", "health"] } } }), refName: "1" }]);
  await writeOciLayout(join(dir, "bad"), [{ image: buildImage({ layers: [{ files: [{ path: "/app", content: "#!/app\n", mode: 0o755 }, { path: "/srv/.env", content: "DB_PASSWORD=x\n" }] }], config: { Cmd: ["/bin/sh", "-c", "/app"], Env: ["API_TOKEN=tok_1234567890abcdef"] } }), refName: "1" }]);
  await writeFile(join(dir, "Dockerfile"), "FROM scratch\nCOPY app /app\nENV API_TOKEN=tok_1234567890abcdef\nCMD /app\n");
  good = "oci:good:1";
  bad = "oci:bad:1";
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("imgpolicy check: report files", () => {
  it("makes the directories of report files, and says the verdict on stderr when every format goes to a file", async () => {
    const r = await cli(["check", "--format", "junit=out/deep/x.xml", "--format", "sarif=out/x.sarif", bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(await readFile(join(dir, "out/deep/x.xml"), "utf8")).toMatch(/<testsuites/);
    expect((await stat(join(dir, "out/x.sarif"))).isFile()).toBe(true);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^1 image: 0 passed, 1 failed — \d+ failed rules .*\(reports: out\/deep\/x\.xml, out\/x\.sarif\)\n$/);
  });

  it("a report that cannot be written is one line and exit 2, after the verdict is printed", async () => {
    await mkdir(join(dir, "a-directory"), { recursive: true });
    await writeFile(join(dir, "a-file"), "");
    for (const [target, why] of [["a-directory", "is a directory"], ["a-file/x.xml", /a file is in the way|not a directory/]] as const) {
      const r = await cli(["check", "--format", "text", "--format", `junit=${target}`, bad]);
      expect(r.code).toBe(2);
      expect(r.stdout).toMatch(/1 image: 0 passed, 1 failed/);
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^imgpolicy: cannot write the junit report to ${target.replace(/\./g, "\\.")}: `));
      expect(lines[0]).toMatch(why);
      expect(r.stderr).not.toContain("internal error");
    }
  });

  it("two formats to the same file is a usage error before anything runs", async () => {
    const r = await cli(["check", "--format", "json=r.json", "--format", "sarif=./r.json", "oci:no-such-layout:1"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("imgpolicy: --format json and --format sarif both write ./r.json: give each its own file\n");
    await expect(stat(join(dir, "r.json"))).rejects.toThrow();
  });

  it("-q prints failures only: nothing for a pass, the failed image and its failed rules otherwise", async () => {
    const pass = await cli(["check", "-q", good]);
    expect([pass.code, pass.stdout, pass.stderr]).toEqual([0, "", ""]);
    const quietFiles = await cli(["check", "--quiet", "--format", "json=q.json", good]);
    expect([quietFiles.code, quietFiles.stdout, quietFiles.stderr]).toEqual([0, "", ""]);
    const both = await cli(["check", "-q", good, bad]);
    expect(both.code).toBe(1);
    expect(both.stdout).not.toContain("✓ oci:good:1");
    expect(both.stdout).toMatch(/^✗ oci:bad:1/);
    expect(both.stdout).toMatch(/CRITICAL IMG-ENV-001/);
    expect(both.stdout).toMatch(/2 images: 1 passed, 1 failed/);
  });

  it("--show-skipped brings not-applicable rules back to JUnit and Markdown", async () => {
    const plain = await cli(["check", "--format", "junit", bad]);
    const shown = await cli(["check", "--format", "junit", "--show-skipped", bad]);
    expect(plain.stdout).not.toContain("<skipped");
    expect(shown.stdout).toContain("<skipped");
    const md = await cli(["check", "--format", "markdown", bad]);
    expect(md.stdout).toMatch(/➖ \d+ rules? not applicable \(`--show-skipped` lists them\)/);
    const mdShown = await cli(["check", "--format", "markdown", "--show-skipped", bad]);
    expect(mdShown.stdout).toContain("➖ not applicable");
  });
});

describe("imgpolicy check: locations for code scanning", () => {
  it("SARIF places every result at a file relative to the working directory; an absolute --dockerfile inside it becomes relative", async () => {
    const r = await cli(["check", "--format", "sarif", "--dockerfile", join(dir, "Dockerfile"), bad]);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout);
    const github = new Ajv({ strict: false }).compile(GITHUB_SARIF_CONSTRAINTS);
    expect(github(log), JSON.stringify(github.errors)).toBe(true);
    const uris = new Set(log.runs[0].results.map((x: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => x.locations[0]!.physicalLocation.artifactLocation.uri));
    expect(uris).toEqual(new Set(["Dockerfile"]));
    const secret = log.runs[0].results.find((x: { ruleId: string }) => x.ruleId === "IMG-DF-012");
    expect(secret.locations[0].physicalLocation.region.startLine).toBe(3);
    const noDockerfile = JSON.parse((await cli(["check", "--format", "sarif", bad])).stdout);
    expect(noDockerfile.runs[0].results[0].locations[0].physicalLocation).toEqual({ artifactLocation: { uri: ".imgpolicy.yaml", uriBaseId: "%SRCROOT%" }, region: { startLine: 1 } });
    // a placeholder the run did not read: the run says so
    expect(noDockerfile.runs[0].invocations[0].toolExecutionNotifications).toEqual([{ level: "warning", message: { text: expect.stringContaining("give --dockerfile FILE or a policy file") } }]);
    expect(log.runs[0].invocations[0].toolExecutionNotifications).toBeUndefined();
  });

  it("without a Dockerfile, places results at a file the run read: the policy file, else the --from list", async () => {
    await writeFile(join(dir, "team.yaml"), "extends: base\n");
    const uris = (out: string) => new Set((JSON.parse(out) as { runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] }).runs[0]!.results.map((x) => x.locations[0]!.physicalLocation.artifactLocation.uri));
    const policy = await cli(["check", "--format", "sarif", "-p", join(dir, "team.yaml"), bad]);
    expect(policy.code).toBe(1);
    expect(uris(policy.stdout)).toEqual(new Set(["team.yaml"]));
    await mkdir(join(dir, "ci"), { recursive: true });
    await writeFile(join(dir, "ci", "images.yaml"), `policy: base\nimages:\n  - ${bad}\n`);
    const gate = await cli(["check", "--from", "ci/images.yaml", "--format", "sarif", "--format", "codequality=cq.json"]);
    expect(gate.code).toBe(1);
    expect(uris(gate.stdout)).toEqual(new Set(["ci/images.yaml"]));
    expect(JSON.parse(gate.stdout).runs[0].invocations[0].toolExecutionNotifications).toBeUndefined();
    const cq = JSON.parse(await readFile(join(dir, "cq.json"), "utf8")) as { location: { path: string } }[];
    expect(new Set(cq.map((i) => i.location.path))).toEqual(new Set(["ci/images.yaml"]));
  });

  it("--format codequality writes GitLab Code Quality issues", async () => {
    const r = await cli(["check", "--format", "codequality=gl-code-quality.json", "--dockerfile", "Dockerfile", bad]);
    expect(r.code).toBe(1);
    const issues = JSON.parse(await readFile(join(dir, "gl-code-quality.json"), "utf8")) as { check_name: string; severity: string; fingerprint: string; location: { path: string; lines: { begin: number } } }[];
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.find((i) => i.check_name === "IMG-ENV-001")).toMatchObject({ severity: "blocker", location: { path: "Dockerfile" } });
    expect(issues.find((i) => i.check_name === "IMG-DF-012")!.location.lines.begin).toBe(3);
    expect(new Set(issues.map((i) => i.fingerprint)).size).toBe(issues.length);
  });
});

describe("imgpolicy check: an image that cannot be read", () => {
  it("is counted as an error, not a failure, in text, Markdown and the stderr summary; exit 2", async () => {
    const missing = "oci:no-such-layout:1";
    const text = await cli(["check", good, missing]);
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/^2 images: 1 passed, 0 failed, 1 could not be read — \d+ failed rules?/m);
    const md = await cli(["check", "--format", "markdown", good, missing]);
    expect(md.stdout.split("\n")[0]).toMatch(/^## imgpolicy: ❌ 2 images: 1 passed, 0 failed, 1 could not be read — /);
    const files = await cli(["check", "--format", "json=unread.json", good, bad, missing]);
    expect(files.code).toBe(2);
    expect(files.stderr).toMatch(/^3 images: 1 passed, 1 failed, 1 could not be read — .*\(report: unread\.json\)\n/);
    // JSON: the unreadable image has its error, no results and zero counts, and the report's counts are the others' sum
    const report = JSON.parse(await readFile(join(dir, "unread.json"), "utf8")) as { passed: boolean; counts: { fail: number; pass: number }; images: { error?: string; results: unknown[]; counts: { fail: number; pass: number; skip: number; waived: number } }[] };
    expect(report.passed).toBe(false);
    expect(report.images[2]!.error).toBeTruthy();
    expect(report.images[2]!.results).toEqual([]);
    expect(report.images[2]!.counts).toMatchObject({ pass: 0, fail: 0, skip: 0, waived: 0 });
    expect(report.counts.fail).toBe(report.images[0]!.counts.fail + report.images[1]!.counts.fail);
    expect(report.counts.pass).toBe(report.images[0]!.counts.pass + report.images[1]!.counts.pass);
  });
});

describe("imgpolicy check: colour", () => {
  const ESC = "\x1b[";
  it("no colour off a terminal; FORCE_COLOR forces it, NO_COLOR and --color=never stop it, --color=always forces it", async () => {
    expect((await cli(["check", good])).stdout).not.toContain(ESC);
    expect((await cli(["check", good], { FORCE_COLOR: "1" })).stdout).toContain(ESC);
    expect((await cli(["check", good], { FORCE_COLOR: "1", TERM: "dumb" })).stdout).toContain(ESC);
    expect((await cli(["check", "--color=never", good], { FORCE_COLOR: "1" })).stdout).not.toContain(ESC);
    expect((await cli(["check", "--no-color", good], { FORCE_COLOR: "1" })).stdout).not.toContain(ESC); // --no-color: --color never
    expect((await cli(["check", "--no-color", "--color=always", good])).stdout).toContain(ESC); // the last one given wins
    expect((await cli(["check", good], { FORCE_COLOR: "1", NO_COLOR: "1" })).stdout).not.toContain(ESC);
    expect((await cli(["check", "--color=always", good], { NO_COLOR: "1" })).stdout).toContain(ESC);
    expect((await cli(["check", "--color", "always", "--format", "text=t.txt", good])).stdout).toBe("");
    expect(await readFile(join(dir, "t.txt"), "utf8")).not.toContain(ESC);
    const wrong = await cli(["check", "--color=sometimes", good]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^imgpolicy: .*sometimes.*\n/);
  });
});
