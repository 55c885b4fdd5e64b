/**
 * Gate ergonomics through the built CLI: --ignore and IMGPOLICY_IGNORE (reported as
 * waived in every format, never dropped; unknown ids a usage error), waiver warnings
 * (stderr and the JSON report, across a --from list), and `rules --format json`.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFixtureImages, type FixtureImages } from "../api/fixture-images.js";
import { RULES } from "../../src/policies/rules/index.js";
import { runBin } from "./run-bin.js";

let img: FixtureImages;
let dir: string;
const noEnv = { IMGPOLICY_IGNORE: undefined };

beforeAll(async () => {
  img = await writeFixtureImages("imgpolicy-gate-");
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-gate-cli-"));
});
afterAll(async () => {
  await img.cleanup();
  await rm(dir, { recursive: true, force: true });
});

interface JsonResult {
  rule: string;
  status: string;
  findings: { waivedBy?: { reason: string; source?: string } }[];
}
const results = (stdout: string): JsonResult[] => (JSON.parse(stdout) as { images: { results: JsonResult[] }[] }).images.flatMap((i) => i.results);
const result = (stdout: string, id: string) => results(stdout).find((r) => r.rule === id)!;

describe("check --ignore", () => {
  it("reports an ignored rule as waived, 'ignored on the command line', in text, JSON, JUnit, SARIF and Markdown", async () => {
    const out = (f: string) => join(dir, `ignored.${f}`);
    const r = await runBin(
      ["check", img.bad, "--ignore", "IMG-ENV-001,img-fs-005", "--ignore", "IMG-USER-001", "--format", "text", ...["json", "junit", "sarif", "markdown"].map((f) => `--format=${f}=${out(f)}`)],
      { env: noEnv },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/waived \(3\)/);
    expect(r.stdout).toMatch(/CRITICAL IMG-ENV-001[\s\S]*waived: ignored on the command line \(--ignore\)/);
    expect(r.stdout).not.toMatch(/failed \(\d+\)[\s\S]*IMG-ENV-001[\s\S]*waived \(/);
    const json = await readFile(out("json"), "utf8");
    for (const id of ["IMG-ENV-001", "IMG-FS-005", "IMG-USER-001"]) {
      const res = result(json, id);
      expect(res.status).toBe("waived");
      expect(res.findings.every((f) => f.waivedBy?.reason === "ignored on the command line" && f.waivedBy.source === "--ignore")).toBe(true);
    }
    expect(await readFile(out("junit"), "utf8")).toMatch(/IMG-ENV-001[\s\S]*?<system-out>[^<]*waived: ignored on the command line/);
    const sarif = JSON.parse(await readFile(out("sarif"), "utf8")) as { runs: { results: { ruleId: string; suppressions?: { justification: string }[] }[] }[] };
    const env = sarif.runs[0]!.results.filter((x) => x.ruleId === "IMG-ENV-001");
    expect(env.length).toBeGreaterThan(0);
    for (const x of env) expect(x.suppressions?.[0]?.justification).toMatch(/^ignored on the command line/);
    expect(await readFile(out("markdown"), "utf8")).toMatch(/IMG-ENV-001[\s\S]*ignored on the command line/);
  });

  it("takes IMGPOLICY_IGNORE, comma- or space-separated, with its own reason; a rule in both keeps the flag's", async () => {
    const r = await runBin(["check", img.bad, "--format", "json", "--ignore", "IMG-USER-001"], { env: { IMGPOLICY_IGNORE: "IMG-ENV-001, IMG-FS-005  IMG-USER-001" } });
    expect(result(r.stdout, "IMG-ENV-001").findings[0]!.waivedBy).toEqual({ rule: "IMG-ENV-001", reason: "ignored by IMGPOLICY_IGNORE", source: "IMGPOLICY_IGNORE" });
    expect(result(r.stdout, "IMG-FS-005").status).toBe("waived");
    expect(result(r.stdout, "IMG-USER-001").findings[0]!.waivedBy?.source).toBe("--ignore");
  });

  it("ignoring every rule that fails at or above the threshold passes the gate; the rest still fails it", async () => {
    const failing = results((await runBin(["check", img.bad, "--format", "json"], { env: noEnv })).stdout).filter((x) => x.status === "fail");
    expect(failing.length).toBeGreaterThan(1);
    const all = await runBin(["check", img.bad, "-q", "--ignore", failing.map((x) => x.rule).join(",")], { env: noEnv });
    expect(all.code).toBe(0);
    const some = await runBin(["check", img.bad, "-q", "--ignore", "IMG-ENV-001"], { env: noEnv });
    expect(some.code).toBe(1);
  });

  it("an unknown rule id is a usage error before any image is read, with the closest id", async () => {
    const r = await runBin(["check", img.missing, "--ignore", "IMG-USR-001"], { env: noEnv });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("imgpolicy: --ignore: unknown rule 'IMG-USR-001' (did you mean IMG-USER-001?); 'imgpolicy rules' lists them\n");
    const e = await runBin(["check", img.missing], { env: { IMGPOLICY_IGNORE: "IMG-ENV-001,IMG-ENV-01" } });
    expect(e.code).toBe(2);
    expect(e.stderr).toBe("imgpolicy: IMGPOLICY_IGNORE: unknown rule 'IMG-ENV-01' (did you mean IMG-ENV-001?); 'imgpolicy rules' lists them\n");
  });

  it("goes with --from: every image of the list", async () => {
    const list = join(dir, "images.yaml");
    await writeFile(list, `images:\n  - ${img.bad}\n  - ${img.good}\n`);
    const r = await runBin(["check", "--from", list, "--format", "json", "--ignore", "IMG-ENV-001"], { env: noEnv });
    expect(result(r.stdout, "IMG-ENV-001").status).toBe("waived");
    const bad = await runBin(["check", "--from", list, "--ignore", "IMG-NOPE-001"], { env: noEnv });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^imgpolicy: --ignore: unknown rule 'IMG-NOPE-001'/);
  });
});

/** YYYY-MM-DD, `days` from today (UTC). */
const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe("waiver warnings", () => {
  it("warns on stderr and in the JSON report of unused, expiring and expired waivers; -q keeps stderr quiet", async () => {
    const policy = join(dir, "waivers.yaml");
    await writeFile(
      policy,
      [
        "extends: base",
        "waivers:",
        "  - rule: IMG-FS-005",
        "    path: /srv/.env",
        "    reason: used, and not about to expire",
        `    expires: ${day(300)}`,
        "  - rule: IMG-FS-005",
        "    path: /etc/nothing-here.key",
        "    reason: matches nothing",
        "  - rule: IMG-ENV-001",
        "    reason: used, expiring",
        `    expires: ${day(3)}`,
        "  - rule: IMG-USER-001",
        "    reason: long gone",
        "    expires: 2020-01-31",
        "",
      ].join("\n"),
    );
    const r = await runBin(["check", img.bad, "--policy", policy, "--format", "json"], { env: noEnv });
    const lines = r.stderr.trim().split("\n");
    expect(lines).toEqual([
      `imgpolicy: warning: waiver of IMG-FS-005 for /etc/nothing-here.key (${policy}:7) matched no finding: its path pattern /etc/nothing-here.key did not match the finding of IMG-FS-005 on the image; remove it if it is no longer needed`,
      `imgpolicy: warning: waiver of IMG-ENV-001 (${policy}:10) expires in 3 days (it applies up to and including ${day(3)}, UTC): fix what it waives, or renew it with a later date`,
      `imgpolicy: warning: waiver of IMG-USER-001 (${policy}:13) expired 2020-01-31, no longer applies: long gone; fix what it waived, or renew it with a later date`,
    ]);
    const report = JSON.parse(r.stdout) as { warnings: { kind: string; daysLeft?: number }[] };
    expect(report.warnings.map((w) => w.kind)).toEqual(["waiver-unused", "waiver-expiring", "waiver-expired"]);
    expect(report.warnings[1]!.daysLeft).toBe(3);
    const schema = JSON.parse(await readFile(new URL("../../schema/report.schema.json", import.meta.url), "utf8")) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    expect(ajv.validate(schema, report), JSON.stringify(ajv.errors)).toBe(true);

    const quiet = await runBin(["check", img.bad, "--policy", policy, "-q"], { env: noEnv });
    expect(quiet.stderr).not.toMatch(/warning/);
  });

  it("with --from, a waiver one image uses is not unused because another image did not need it", async () => {
    const policy = join(dir, "shared.yaml");
    await writeFile(policy, ["waivers:", "  - rule: IMG-ENV-001", "    reason: the bad image's token", "  - rule: IMG-FS-003", "    reason: no image needs this", ""].join("\n"));
    const list = join(dir, "gate.yaml");
    await writeFile(list, `policy: ${policy}\nimages:\n  - ${img.good}\n  - ${img.bad}\n`);
    const r = await runBin(["check", "--from", list, "--format", "json"], { env: noEnv });
    const report = JSON.parse(r.stdout) as { warnings?: { kind: string; message: string }[] };
    expect(report.warnings?.map((w) => [w.kind, w.message.split(" (")[0]])).toEqual([["waiver-unused", "waiver of IMG-FS-003"]]);
    expect(r.stderr).toMatch(/^imgpolicy: warning: waiver of IMG-FS-003 .*matched no finding: IMG-FS-003 found nothing on the 2 images it ran on/m);
    expect(r.stderr).not.toMatch(/IMG-ENV-001/);
  });
});

describe("rules --format json", () => {
  it("prints every rule: id, title, default severity, category, description, and options with their schema when it has any", async () => {
    const r = await runBin(["rules", "--format", "json"]);
    expect(r.code).toBe(0);
    const all = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(all.map((x) => x.id)).toEqual(RULES.map((x) => x.id));
    for (const x of all) expect(Object.keys(x)).toEqual(expect.arrayContaining(["id", "title", "severity", "category", "description", "optIn"]));
    expect(all.find((x) => x.id === "IMG-PORT-001")).toHaveProperty("optionsSchema.properties.allowed");
    expect(all.find((x) => x.id === "IMG-USER-001")).not.toHaveProperty("optionsSchema");
    const one = JSON.parse((await runBin(["rules", "img-port-001", "--format", "json"])).stdout) as Record<string, unknown>;
    expect(one).toMatchObject({ id: "IMG-PORT-001", severity: "medium", defaultOptions: { forbidden: ["22/tcp", "23/tcp"] } });
    expect((await runBin(["rules"])).stdout).toMatch(/^ID +SEVERITY +CATEGORY +TITLE$/m);
  });

  it("refuses another format", async () => {
    const r = await runBin(["rules", "--format", "yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("imgpolicy: --format: expected text or json, found 'yaml'\n");
  });
});
