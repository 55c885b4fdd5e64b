/** `imgpolicy policy show` through the built bin/imgpolicy.js (`npm run build` first): the merged policy, each setting with where it came from. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RULES } from "../../src/policies/rules/index.js";
import { runBin } from "./run-bin.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-show-"));
  await mkdir(join(dir, ".git")); // discovery stops at the repository root
  await mkdir(join(dir, "svc"));
  await writeFile(join(dir, "team.yaml"), "failOn: medium\nrules:\n  IMG-HEALTH-001: high\n");
  await writeFile(
    join(dir, ".imgpolicy.yaml"),
    [
      "extends: [go-scratch, ./team.yaml]",
      "rules:",
      "  IMG-USER-001: critical",
      "  IMG-PORT-001:",
      "    options: { allowed: [8080/tcp] }",
      "  IMG-FS-006: off",
      "waivers:",
      "  - rule: IMG-FS-005",
      "    path: /etc/ssl/test.key",
      "    reason: \"test key \\e[2J\"",
      "runtime:",
      "  tmpfs: [/tmp, /run]",
      "",
    ].join("\n"),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const line = (out: string, start: string) => out.split("\n").find((l) => l.trimStart().startsWith(start));

describe("imgpolicy policy show", () => {
  it("without a name, shows the policy check would find, with the file and line that set each setting", async () => {
    const r = await runBin(["policy", "show"], { cwd: join(dir, "svc") });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^policy: \.\.\/\.imgpolicy\.yaml \(found as check would find it\)$/m);
    expect(out).toMatch(/1\. shipped policy base\n {2}2\. shipped policy go-scratch\n {2}3\. \.\.\/team\.yaml\n {2}4\. \.\.\/\.imgpolicy\.yaml\n/);
    expect(out).toMatch(/^failOn: medium {2}\(\.\.\/team\.yaml:1\)$/m);
    expect(line(out, "IMG-USER-001")).toMatch(/IMG-USER-001 +on +critical +\.\.\/\.imgpolicy\.yaml:3$/);
    expect(line(out, "IMG-HEALTH-001")).toMatch(/on +high +\.\.\/team\.yaml:3$/);
    expect(line(out, "IMG-FS-006")).toMatch(/off +low +off: \.\.\/\.imgpolicy\.yaml:6; severity: default$/);
    expect(line(out, "IMG-BIN-002")).toMatch(/on +high +shipped policy go-scratch:\d+$/);
    expect(line(out, "IMG-CA-003")).toMatch(/on +medium +default$/);
    expect(line(out, "IMG-SIZE-001")).toMatch(/on +medium +on: shipped policy go-scratch:\d+; severity: default$/);
    expect(line(out, "IMG-LABEL-002")).toMatch(/off +low +default \(opt-in: off unless a policy turns it on\)$/);
    expect(line(out, "allowed =")).toBe('      allowed = ["8080/tcp"]  (../.imgpolicy.yaml:5)');
    expect(line(out, "forbidden =")).toBe('      forbidden = ["22/tcp","23/tcp"]  (default)');
    expect(out).toMatch(/^rules: \d+ on, \d+ off$/m);
    // values from policy files are escaped
    expect(line(out, "IMG-FS-005 (path")).toMatch(/^ {2}IMG-FS-005 \(path \/etc\/ssl\/test\.key\): test key \\x1b\[2J {2}\(.*\.imgpolicy\.yaml:8\)$/);
    expect(out).not.toContain("\x1b");
    expect(line(out, "tmpfs")).toMatch(/tmpfs +\["\/tmp","\/run"\] +\(\.\.\/\.imgpolicy\.yaml:12\)/);
    expect(line(out, "readOnly")).toMatch(/readOnly +true +\(default\)/);
  });

  it("shows a shipped policy by name, and layers several as check does", async () => {
    const one = await runBin(["policy", "show", "go-alpine"], { cwd: dir });
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^policy: go-alpine$/m);
    expect(one.stdout).toMatch(/1\. shipped policy base\n {2}2\. shipped policy go-alpine\n/);
    const two = await runBin(["policy", "show", "-p", "base", "team.yaml"], { cwd: dir });
    expect(two.code).toBe(0);
    expect(two.stdout).toMatch(/^policy: base \+ team\.yaml$/m);
    expect(two.stdout).toMatch(/^failOn: medium {2}\(team\.yaml:1\)$/m);
  });

  it("--json gives each setting its value and origin", async () => {
    const r = await runBin(["policy", "show", "--json"], { cwd: dir });
    expect(r.code).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p.policies).toEqual([".imgpolicy.yaml"]);
    expect(p.failOn).toEqual({ value: "medium", from: { kind: "file", file: "team.yaml", line: 1 } });
    expect(p.rules).toHaveLength(RULES.length);
    const user = p.rules.find((x: { id: string }) => x.id === "IMG-USER-001");
    expect(user.severity).toEqual({ value: "critical", from: { kind: "file", file: ".imgpolicy.yaml", line: 3 } });
    expect(p.files.map((f: { shipped?: string; file: string }) => f.shipped ?? f.file)).toEqual(["base", "go-scratch", "team.yaml", ".imgpolicy.yaml"]);
    expect(p.waivers[0]).toMatchObject({ rule: "IMG-FS-005", reason: "test key \x1b[2J", from: { kind: "file", file: ".imgpolicy.yaml", line: 8 } });
    expect(r.stdout).not.toContain("\x1b");
  });

  it("a misspelt shipped policy or a broken file is one line and exit 2", async () => {
    const r = await runBin(["policy", "show", "go-scrach"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^imgpolicy: unknown policy 'go-scrach' \(did you mean go-scratch\?\)/);
    await writeFile(join(dir, "broken.yaml"), "rules:\n  IMG-USR-001: high\n");
    const b = await runBin(["policy", "show", "./broken.yaml"], { cwd: dir });
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/broken\.yaml:2:3: unknown rule 'IMG-USR-001' \(did you mean IMG-USER-001\?\)\n$/);
  });
});
