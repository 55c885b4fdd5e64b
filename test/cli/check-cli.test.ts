import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage } from "../../fixtures/image-writer.js";
import { writeOciLayout } from "../../fixtures/oci-layout-writer.js";
import { runCli } from "./run-cli.js";

const run = runCli;

let dir: string;
let good: string;
let bad: string;
const labels = {
  "org.opencontainers.image.source": "https://example.com/app",
  "org.opencontainers.image.version": "1.0.0",
  "org.opencontainers.image.revision": "abc123",
  "org.opencontainers.image.created": "2026-01-01T00:00:00Z",
};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-check-"));
  const passwd = "root:x:0:0::/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n";
  const goodImg = buildImage({
    layers: [{ files: [{ path: "/etc/passwd", content: passwd }, { path: "/app", content: "#!/app\n", mode: 0o755 }] }],
    config: { User: "65532:65532", Entrypoint: ["/app"], Labels: labels, Healthcheck: { Test: ["CMD", "/app", "health"] } },
  });
  const badImg = buildImage({
    layers: [{ files: [{ path: "/app", content: "#!/app\n", mode: 0o755 }, { path: "/srv/.env", content: "DB_PASSWORD=x\n" }] }],
    config: { Cmd: ["/bin/sh", "-c", "/app"], Env: ["API_TOKEN=tok_1234567890abcdef"] },
  });
  good = join(dir, "good");
  bad = join(dir, "bad");
  await writeOciLayout(good, [{ image: goodImg, refName: "1" }]);
  await writeOciLayout(bad, [{ image: badImg, refName: "1" }]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("imgpolicy check", () => {
  it("exits 0 when every image passes", async () => {
    const r = await run("check", `oci:${good}:1`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ oci:.*good:1/);
    expect(r.stdout).toMatch(/1 image: 1 passed/);
  });

  it("exits 1 when a finding reaches the threshold, and lists what to change", async () => {
    const r = await run("check", `oci:${good}:1`, `oci:${bad}:1`);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/CRITICAL IMG-ENV-001/);
    expect(r.stdout).toMatch(/CRITICAL IMG-FS-005[\s\S]*\/srv\/\.env/);
    expect(r.stdout).toMatch(/HIGH +IMG-USER-001/);
    expect(r.stdout).toMatch(/fix: /);
    expect(r.stdout).not.toContain("tok_1234567890abcdef");
  });

  it("--fail-on critical lets high findings through; waivers are counted and shown", async () => {
    const policy = join(dir, "waive.yaml");
    await writeFile(
      policy,
      ["extends: base", "waivers:", "  - rule: IMG-FS-005", "    path: /srv/*", "    reason: fixture env file", "    expires: 2999-12-31", "  - rule: IMG-ENV-001", "    reason: test token", "    expires: 2999-12-31"].join("\n"),
    );
    const r = await run("check", "--policy", policy, "--fail-on", "critical", "--format", "json", `oci:${bad}:1`);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.schema).toBe("imgpolicy/report@1");
    expect(report.failOn).toBe("critical");
    const fs5 = report.images[0].results.find((x: { rule: string }) => x.rule === "IMG-FS-005");
    expect(fs5.status).toBe("waived");
    expect(fs5.findings[0].waivedBy.reason).toBe("fixture env file");
    expect(report.counts.waived).toBe(2);
  });

  it("writes several formats at once: junit and sarif to files, text to stdout", async () => {
    const junit = join(dir, "r.xml");
    const sarif = join(dir, "r.sarif");
    const r = await run("check", "--format", "text", "--format", `junit=${junit}`, "--format", `sarif=${sarif}`, `oci:${bad}:1`);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/IMG-ENV-001/);
    const xml = await readFile(junit, "utf8");
    expect(xml).toMatch(/<testsuites[\s\S]*<testcase [^>]*name="IMG-ENV-001[^"]*"[\s\S]*<failure /);
    const s = JSON.parse(await readFile(sarif, "utf8"));
    expect(s.version).toBe("2.1.0");
    expect(s.runs[0].results.some((x: { ruleId: string }) => x.ruleId === "IMG-ENV-001")).toBe(true);
  });

  it("--output writes markdown to a file", async () => {
    const md = join(dir, "summary.md");
    const r = await run("check", "--format", "markdown", "--output", md, `oci:${good}:1`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(await readFile(md, "utf8")).toMatch(/\| *Rule *\|/i);
  });

  it("uses .imgpolicy.yaml from the working directory or above", async () => {
    const sub = join(dir, "a", "b");
    await import("node:fs/promises").then((fs) => fs.mkdir(sub, { recursive: true }));
    await writeFile(join(dir, "a", ".imgpolicy.yaml"), "extends: base\nfailOn: critical\nrules:\n  IMG-ENV-001: off\n  IMG-FS-005: off\n");
    const cwd = process.cwd();
    process.chdir(sub);
    try {
      const r = await run("check", "--format", "json", `oci:${bad}:1`);
      expect(JSON.parse(r.stdout).policies).toEqual(["../.imgpolicy.yaml"]); // relative to the working directory
      expect(r.code).toBe(0);
    } finally {
      process.chdir(cwd);
    }
  });

  const usage: [string, (d: string) => Promise<string[]>, RegExp][] = [
    ["a missing policy file", async (d) => ["check", "--policy", join(d, "nope.yaml"), `oci:${good}:1`], /^imgpolicy: cannot read .*nope\.yaml: no such file or directory$/m],
    ["invalid YAML", async (d) => { await writeFile(join(d, "broken.yaml"), "rules: [\n"); return ["check", "-p", join(d, "broken.yaml"), `oci:${good}:1`]; }, /broken\.yaml:\d+:\d+: invalid YAML/],
    ["an unknown rule", async (d) => { await writeFile(join(d, "typo.yaml"), "rules:\n  IMG-USR-001: high\n"); return ["check", "-p", join(d, "typo.yaml"), `oci:${good}:1`]; }, /typo\.yaml:2:3: unknown rule 'IMG-USR-001' \(did you mean IMG-USER-001\?\)/],
    ["an option of the wrong type", async (d) => { await writeFile(join(d, "opt.yaml"), "rules:\n  IMG-SIZE-001:\n    options: { maxBytes: lots }\n"); return ["check", "-p", join(d, "opt.yaml"), `oci:${good}:1`]; }, /opt\.yaml:3:26: rules\.IMG-SIZE-001\.options\.maxBytes: expected integer/],
    ["a waiver without a reason", async (d) => { await writeFile(join(d, "w.yaml"), "waivers:\n  - rule: IMG-ENV-001\n"); return ["check", "-p", join(d, "w.yaml"), `oci:${good}:1`]; }, /w\.yaml:2:5: waivers\.0: missing 'reason'/],
    ["a waiver with a malformed date", async (d) => { await writeFile(join(d, "d.yaml"), "waivers:\n  - rule: IMG-ENV-001\n    reason: r\n    expires: next week\n"); return ["check", "-p", join(d, "d.yaml"), `oci:${good}:1`]; }, /d\.yaml:4:14: waivers\.0\.expires: expected a date as YYYY-MM-DD/],
    ["an unknown format", async () => ["check", "--format", "html", `oci:${good}:1`], /unknown format 'html': expected one of text, json, junit, sarif, markdown/],
    ["an unknown severity", async () => ["check", "--fail-on", "severe", `oci:${good}:1`], /--fail-on: unknown severity 'severe'/],
    ["an unreadable image", async (d) => ["check", `oci:${join(d, "missing-layout")}`], /no such file or directory/],
  ];
  for (const [name, args, re] of usage) {
    it(`exits 2 with a clear line for ${name}`, async () => {
      const r = await run(...(await args(dir)));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }
});
