/**
 * `check --ignore` / IMGPOLICY_IGNORE and the waiver warnings, through the built
 * bin/imgpolicy.js (`npm run build` first): ignored rules are waived and counted, never
 * left out; an unknown id is exit 2 with a did-you-mean; unused, expiring and expired
 * waivers are warned of on stderr and listed in the JSON report's `warnings`.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage } from "../../fixtures/image-writer.js";
import { writeOciLayout } from "../../fixtures/oci-layout-writer.js";
import { runBin } from "./run-bin.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
async function reportValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(await readFile(new URL("../../schema/report.schema.json", import.meta.url), "utf8")) as Record<string, unknown>);
}

let dir: string;
let bad: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-ignore-"));
  // runs as root, a secret in ENV and a .env file: IMG-USER-001, IMG-ENV-001, IMG-FS-005 fail
  const img = buildImage({
    layers: [{ files: [{ path: "/app", content: "#!/app\n", mode: 0o755 }, { path: "/srv/.env", content: "DB_PASSWORD=x\n" }] }],
    config: { Entrypoint: ["/app"], Env: ["API_TOKEN=tok_1234567890abcdef"] },
  });
  bad = `oci:${join(dir, "bad")}:1`;
  await writeOciLayout(join(dir, "bad"), [{ image: img, refName: "1" }]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Result {
  rule: string;
  status: string;
  findings: { waivedBy?: { reason: string; source?: string } }[];
}
const result = (report: { images: { results: Result[] }[] }, id: string) => report.images[0]!.results.find((r) => r.rule === id)!;
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe("check --ignore / IMGPOLICY_IGNORE", () => {
  it("without it the image fails on the three rules", async () => {
    const r = await runBin(["check", "--format", "json", bad]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    for (const id of ["IMG-USER-001", "IMG-ENV-001", "IMG-FS-005"]) expect(result(report, id).status).toBe("fail");
  });

  it("waives every finding of the rules named (comma-separated, repeatable, any case), shown and counted as waived", async () => {
    const r = await runBin(["check", "--format", "json", "--ignore", "IMG-USER-001,img-env-001", "--ignore", "IMG-FS-005", bad]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    for (const id of ["IMG-USER-001", "IMG-ENV-001", "IMG-FS-005"]) {
      const res = result(report, id);
      expect(res.status).toBe("waived");
      expect(res.findings.length).toBeGreaterThan(0);
      for (const f of res.findings) expect(f.waivedBy).toEqual({ rule: id, reason: "ignored on the command line", source: "--ignore" });
    }
    expect(report.counts.waived).toBe(3);
    const valid = await reportValidator();
    expect(valid(report), JSON.stringify(valid.errors)).toBe(true);
    expect(report.images[0].results.filter((x: Result) => x.status === "fail").map((x: Result) => x.rule)).not.toContain("IMG-FS-005");

    const text = await runBin(["check", "--ignore", "IMG-USER-001,IMG-ENV-001,IMG-FS-005", bad]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/waived \(3\)/);
    expect(text.stdout).toMatch(/IMG-FS-005[\s\S]*waived: ignored on the command line/);
    expect(text.stdout).toMatch(/3 waived/);
  });

  it("reads IMGPOLICY_IGNORE (commas or spaces) beside --ignore", async () => {
    const r = await runBin(["check", "--format", "json", "--ignore", "IMG-USER-001", bad], { env: { IMGPOLICY_IGNORE: "IMG-ENV-001 IMG-FS-005" } });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(result(report, "IMG-USER-001").findings[0]!.waivedBy!.source).toBe("--ignore");
    expect(result(report, "IMG-ENV-001").findings[0]!.waivedBy).toMatchObject({ reason: "ignored by IMGPOLICY_IGNORE", source: "IMGPOLICY_IGNORE" });
  });

  it("applies to every image of a check --from list too", async () => {
    const list = join(dir, "gate.yaml");
    await writeFile(list, `policy: base\nimages:\n  - ${bad}\n`);
    const r = await runBin(["check", "--from", list, "--format", "json", "--ignore", "IMG-USER-001,IMG-ENV-001,IMG-FS-005"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    for (const id of ["IMG-USER-001", "IMG-ENV-001", "IMG-FS-005"]) expect(result(report, id).status).toBe("waived");
  });

  it("an unknown id is one line and exit 2, with the closest id, before any image is read", async () => {
    const r = await runBin(["check", "--ignore", "IMG-USR-001", `oci:${join(dir, "no-such-layout")}`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("imgpolicy: --ignore: unknown rule 'IMG-USR-001' (did you mean IMG-USER-001?); 'imgpolicy rules' lists them\n");
    const env = await runBin(["check", bad], { env: { IMGPOLICY_IGNORE: "IMG-CA-01" } });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/^imgpolicy: IMGPOLICY_IGNORE: unknown rule 'IMG-CA-01' \(did you mean IMG-CA-001\?\)/);
  });
});

describe("waiver warnings", () => {
  let policy: string;
  beforeAll(async () => {
    policy = join(dir, "waivers.yaml");
    await writeFile(
      policy,
      [
        "extends: base",
        "rules:",
        "  IMG-HEALTH-001: off",
        "waivers:",
        "  - rule: IMG-ENV-001", // 5: used, expiring soon
        "    reason: token rotated next week",
        `    expires: ${day(5)}`,
        "  - rule: IMG-FS-005", // 8: path matches no finding
        "    path: /etc/ssl/*.key",
        "    reason: test key",
        "  - rule: IMG-HEALTH-001", // 11: the rule is off
        "    reason: no healthcheck yet",
        "  - rule: IMG-USER-001", // 13: expired, so it no longer applies
        "    reason: root until the base moves",
        `    expires: ${day(-3)}`,
        "  - rule: IMG-FS-005", // 16: used, far from expiring
        "    path: /srv/.env",
        "    reason: fixture env file",
        "    expires: 2999-12-31",
        "",
      ].join("\n"),
    );
  });

  it("warns of unused, expiring and expired waivers on stderr, and the expired one does not apply", async () => {
    const r = await runBin(["check", "-p", "waivers.yaml", bad], { cwd: dir });
    expect(r.code).toBe(1); // IMG-USER-001 fails: its waiver expired
    expect(r.stdout).toMatch(/failed \(\d+\)[\s\S]*HIGH +IMG-USER-001[\s\S]*waived \(2\)/);
    // waiver sources are named as the report names policies: relative to the working directory, here and in the text report's waived lines
    const warnings = r.stderr.split("\n").filter((l) => l.startsWith("imgpolicy: warning: "));
    expect(r.stderr + r.stdout).not.toContain(join(dir, "waivers.yaml"));
    expect(r.stdout).toMatch(/waived: fixture env file \(until 2999-12-31, waivers\.yaml:16\)/);
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatch(new RegExp(`^imgpolicy: warning: waiver of IMG-ENV-001 \\(waivers\\.yaml:5\\) expires in [45] days \\(it applies up to and including ${day(5).slice(0, 8)}\\d\\d, UTC\\)`));
    expect(warnings[1]).toBe(
      "imgpolicy: warning: waiver of IMG-FS-005 for /etc/ssl/*.key (waivers.yaml:8) matched no finding: its path pattern /etc/ssl/*.key did not match the finding of IMG-FS-005 on the image; remove it if it is no longer needed",
    );
    expect(warnings[2]).toBe(
      "imgpolicy: warning: waiver of IMG-HEALTH-001 (waivers.yaml:11) matched no finding: IMG-HEALTH-001 is off in the policy, so the waiver never applies; remove it if it is no longer needed",
    );
    expect(warnings[3]).toMatch(/^imgpolicy: warning: waiver of IMG-USER-001 \(waivers\.yaml:13\) expired \d{4}-\d\d-\d\d, no longer applies: root until the base moves/);
    expect(r.stderr).not.toMatch(/fixture env file/);
  });

  it("names waiver sources relative to the working directory inside it, by full path outside it, in every place", async () => {
    const inside = JSON.parse((await runBin(["check", "-q", "-p", policy, "--format", "json", bad], { cwd: dir })).stdout);
    expect(inside.warnings.map((w: { waiver: { source: string } }) => w.waiver.source)).toEqual(["waivers.yaml:5", "waivers.yaml:8", "waivers.yaml:11", "waivers.yaml:13"]);
    expect(result(inside, "IMG-FS-005").findings[0]!.waivedBy!.source).toBe("waivers.yaml:16");
    const list = join(dir, "waiver-gate.yaml");
    await writeFile(list, `policy: waivers.yaml\nimages:\n  - ${bad}\n`);
    const gate = JSON.parse((await runBin(["check", "-q", "--from", "waiver-gate.yaml", "--format", "json"], { cwd: dir })).stdout);
    expect(gate.gate.groups[0].waivers.map((w: { source: string }) => w.source)).toEqual(["waivers.yaml:5", "waivers.yaml:8", "waivers.yaml:11", "waivers.yaml:13", "waivers.yaml:16"]);
    // run from elsewhere, the file is outside the working directory: its full path
    const outside = JSON.parse((await runBin(["check", "-q", "-p", policy, "--format", "json", bad], { cwd: join(dir, "bad") })).stdout);
    expect(outside.warnings[0].waiver.source).toBe(`${policy}:5`);
  });

  it("lists them in the JSON report's warnings, and -q leaves them off stderr", async () => {
    const r = await runBin(["check", "-q", "-p", policy, "--format", "json", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    const report = JSON.parse(r.stdout);
    expect(report.warnings.map((w: { kind: string; waiver: { rule: string } }) => [w.kind, w.waiver.rule])).toEqual([
      ["waiver-expiring", "IMG-ENV-001"],
      ["waiver-unused", "IMG-FS-005"],
      ["waiver-unused", "IMG-HEALTH-001"],
      ["waiver-expired", "IMG-USER-001"],
    ]);
    expect(report.warnings[0].daysLeft).toBeGreaterThanOrEqual(4);
    const valid = await reportValidator();
    expect(valid(report), JSON.stringify(valid.errors)).toBe(true);
    expect(result(report, "IMG-ENV-001").status).toBe("waived");
    expect(result(report, "IMG-USER-001").status).toBe("fail");
  });

  it("an ignore is no waiver of the policy's: it is never called unused", async () => {
    const r = await runBin(["check", "-p", policy, "--ignore", "IMG-TAG-001,IMG-USER-001", "--format", "json", bad]);
    const report = JSON.parse(r.stdout);
    expect(report.warnings.map((w: { waiver: { rule: string } }) => w.waiver.rule)).toEqual(["IMG-ENV-001", "IMG-FS-005", "IMG-HEALTH-001", "IMG-USER-001"]);
    expect(result(report, "IMG-USER-001").status).toBe("waived");
    expect(r.code).toBe(0);
  });
});
