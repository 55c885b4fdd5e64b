/**
 * `imgpolicy check --from FILE`: a list of images, each with its policy, checked as
 * one release gate: one report, a summary table, one exit status.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFromList } from "../../src/policies/image-list.js";
import { policyFromList } from "../../src/policies/check-list.js";
import { runCli } from "../cli/run-cli.js";
import { writeFixtureImages, type FixtureImages } from "./fixture-images.js";

let f: FixtureImages;
beforeAll(async () => {
  f = await writeFixtureImages("imgpolicy-from-");
});
afterAll(() => f?.cleanup());

async function list(name: string, text: string): Promise<string> {
  const p = join(f.dir, name);
  await writeFile(p, text);
  return p;
}

interface JsonImage {
  reference: string;
  platform?: string;
  passed: boolean;
  error?: string;
  policies: string[];
  failOn: string;
  results: { rule: string; status: string }[];
}

describe("check --from: one report, one exit status", () => {
  it("checks each image against its own policy, grouped by policy, and exits 1 when one fails", async () => {
    const file = await list(
      "gate.yaml",
      [
        "policy: base",
        "images:",
        `  - ${f.good}`,
        `  - image: ${f.good}`,
        "    policy: [base, ./strict.yaml]",
        `  - image: ${f.bad}`,
        `  - image: ${f.multi}`,
        "    platform: linux/arm64",
        "    policy: go-scratch",
      ].join("\n"),
    );
    await writeFile(join(f.dir, "strict.yaml"), "failOn: medium\n");
    const r = await runCli("check", "--from", file, "--format", "json");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { policies: string[]; passed: boolean; failOn: string; images: JsonImage[]; counts: { fail: number } };
    // a policy file of the list is named as the working directory reaches it (here: absolute, the list is outside it)
    const strict = join(f.dir, "strict.yaml");
    expect(report.policies).toEqual(["base", strict, "go-scratch"]);
    // grouped: both base images first (in file order), then the layered policy, then go-scratch
    expect(report.images.map((i) => [i.reference, i.policies.join("+")])).toEqual([
      [f.good, "base"],
      [f.bad, "base"],
      [f.good, `base+${strict}`],
      [f.multi, "go-scratch"],
    ]);
    expect(report.images.map((i) => i.passed)).toEqual([true, false, false, false]);
    expect(report.images.map((i) => i.failOn)).toEqual(["high", "high", "medium", "high"]);
    // strict.yaml (failOn: medium) fails good on its medium finding; base lets it pass
    expect(report.failOn).toBe("medium");
    expect(report.images[3]!.platform).toBe("linux/arm64");
    expect(report.images[3]!.results.find((x) => x.rule === "IMG-USER-001")?.status).toBe("fail");
    expect(report.passed).toBe(false);
    // still an imgpolicy/report@1: the per-image policies and failOn are added fields
    const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
    const schema = JSON.parse(await readFile(new URL("../../schema/report.schema.json", import.meta.url), "utf8")) as object;
    const validate = addFormats(new Ajv({ allErrors: true, strict: false })).compile(schema);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  });

  it("prints a summary table after the text report: image, policy, verdict, failed rules by severity", async () => {
    const file = await list("table.yaml", ["policy: base", "images:", `  - ${f.good}`, `  - ${f.bad}`, `  - image: ${f.good}`, "    policy: cis-docker"].join("\n"));
    const r = await runCli("check", "--from", file);
    expect(r.code).toBe(1);
    const table = r.stdout.slice(r.stdout.indexOf("release gate:"));
    const lines = table.trimEnd().split("\n");
    expect(lines[0]).toBe("release gate: 3 images, 2 policies: 2 passed, 1 not");
    expect(lines[1]).toMatch(/^ {2}IMAGE +POLICY +VERDICT +FAILED RULES$/);
    expect(lines[2]).toMatch(new RegExp(`^  ${esc(f.good)} +base +passed +1 medium$`));
    expect(lines[3]).toMatch(new RegExp(`^  ${esc(f.bad)} +base +failed +2 critical, 2 high, 3 medium, 1 low$`));
    expect(lines[4]).toMatch(new RegExp(`^  ${esc(f.good)} +cis-docker +passed +`));
    // the columns line up
    const col = lines[1]!.indexOf("VERDICT");
    for (const l of lines.slice(2)) expect(l.slice(col)).toMatch(/^(passed|failed|error) /);
  });

  it("exits 0 when every image passes; a JSON list of references works as well", async () => {
    const file = await list("ok.json", JSON.stringify([f.good, { image: f.multi, platform: "linux/amd64" }]));
    const r = await runCli("check", "--from", file, "--policy", "base");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/release gate: 2 images, 1 policy: 2 passed, 0 not/);
  });

  it("the table names the platform when one reference is checked for several, and the threshold when it differs", async () => {
    await writeFile(join(f.dir, "critical.yaml"), "failOn: critical\n");
    const file = await list(
      "platforms.yaml",
      ["policy: base", "images:", `  - image: ${f.multi}`, "    platform: linux/amd64", `  - image: ${f.multi}`, "    platform: linux/arm64", "    policy: [base, ./critical.yaml]"].join("\n"),
    );
    const r = await runCli("check", "--from", file);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`  ${esc(f.multi)} \\(linux/amd64\\) +base +passed `));
    expect(r.stdout).toMatch(new RegExp(`  ${esc(f.multi)} \\(linux/arm64\\) +base \\+ ${esc(join(f.dir, "critical.yaml"))} \\(fails on critical\\) +failed +2 critical`));
  });

  it("writes junit, sarif and markdown (with the table first) at once", async () => {
    const file = await list("formats.yaml", ["- " + f.good, "- " + f.bad].join("\n"));
    const [junit, sarif, md] = ["g.xml", "g.sarif", "g.md"].map((n) => join(f.dir, n)) as [string, string, string];
    const r = await runCli("check", "--from", file, "-p", "base", "--format", "text", "--format", `junit=${junit}`, "--format", `sarif=${sarif}`, "--format", `markdown=${md}`);
    expect(r.code).toBe(1);
    expect(await readFile(junit, "utf8")).toMatch(/<testsuites[\s\S]*IMG-ENV-001/);
    expect(JSON.parse(await readFile(sarif, "utf8")).runs[0].results.length).toBeGreaterThan(0);
    const summary = await readFile(md, "utf8");
    expect(summary.split("\n").slice(0, 4)).toEqual([
      "## imgpolicy release gate: ❌ 2 images, 1 policy: 1 passed, 1 not",
      "",
      "| image | policy | verdict | failed rules |",
      "| --- | --- | --- | --- |",
    ]);
    expect(summary).toContain(`| \`${f.bad}\` | \`base\` | ❌ failed | 2 critical, 2 high, 3 medium, 1 low |`);
    expect(summary).toMatch(/## imgpolicy: ❌ 2 images/);
  });

  it("an image that cannot be read makes the gate exit 2, and the table says so", async () => {
    const file = await list("missing.yaml", ["images:", `  - ${f.good}`, `  - ${f.missing}`].join("\n"));
    const r = await runCli("check", "--from", file, "-p", "base");
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(new RegExp(`${esc(f.missing)} +base +error +could not be read`));
    expect(r.stderr).toMatch(/no such file or directory/);
  });

  it("--fail-on overrides every policy's threshold; --concurrency bounds the checks", async () => {
    const file = await list("failon.yaml", ["policy: base", "images:", `  - ${f.good}`, `  - ${f.bad}`].join("\n"));
    const r = await runCli("check", "--from", file, "--fail-on", "info", "--concurrency", "1", "--format", "json");
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { failOn: string; images: JsonImage[] };
    expect(report.failOn).toBe("info");
    expect(report.images.map((i) => i.passed)).toEqual([false, false]);
    const bad = await runCli("check", "--from", file, "--concurrency", "0");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--concurrency: expected a positive whole number/);
  });

  it("an entry's runtime: false wins over --runtime (nothing is run)", async () => {
    const file = await list("no-run.yaml", ["- image: " + f.good, "  runtime: false"].join("\n"));
    const r = await runCli("check", "--from", file, "-p", "base", "--runtime", "--format", "json");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { images: (JsonImage & { runtime?: unknown })[] };
    expect(report.images[0]!.runtime).toBeUndefined();
    expect(report.images[0]!.results.find((x) => x.rule === "IMG-RUN-001")?.status).toBe("skip");
  });

  it("policy files in the list resolve against the list's directory", async () => {
    const sub = join(f.dir, "ci");
    await mkdir(sub, { recursive: true });
    await writeFile(join(sub, "lenient.yaml"), "extends: base\nfailOn: critical\nrules:\n  IMG-ENV-001: off\n  IMG-FS-005: off\n");
    await writeFile(join(sub, "images.yaml"), ["policy: ./lenient.yaml", "images:", `  - ${f.bad}`].join("\n"));
    const r = await runCli("check", "--from", join(sub, "images.yaml"));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});

describe("check --from: a bad list is one line per problem with file:line:col, exit 2", () => {
  const cases: [string, string, RegExp][] = [
    ["an unknown key in an entry", `images:\n  - image: IMG\n    polcy: base\n`, /:3:5: images\[0\]: unknown key 'polcy' \(did you mean policy\?\)/],
    ["runtime not a boolean", `- image: IMG\n  runtime: yes\n`, /:2:12: images\[0\]\.runtime: expected true or false, found 'yes'/],
    ["a platform without an architecture", `- image: IMG\n  platform: linux\n`, /:2:13: images\[0\]\.platform: invalid platform 'linux': expected os\/arch\[\/variant\]/],
    ["an entry without image", `- policy: base\n`, /:1:3: images\[0\]: missing 'image'/],
    ["a number for an image", `- IMG\n- 42\n`, /:2:3: images\[1\]: expected an image reference, or \{ image, policy\?, platform\?, runtime\? \}, found number 42/],
    ["a policy that is a mapping", `policy: { name: base }\nimages: [IMG]\n`, /:1:9: policy: expected a policy name or file, or a list of them, found a mapping/],
    ["an unknown top-level key", `polices: base\nimages: [IMG]\n`, /:1:1: unknown key 'polices' \(did you mean policy\?\)/],
    ["no images key", `policy: base\n`, /:1:1: missing 'images'/],
    ["an empty list", `images: []\n`, /:1:9: the list of images is empty/],
    ["a scalar document", `just-a-name\n`, /:1:1: expected a list of images .*, found 'just-a-name'/],
    ["invalid YAML", `images:\n  - [IMG\n`, /:\d+:\d+: invalid YAML/],
    ["a duplicate entry", `- IMG\n- image: IMG\n`, /:2:3: images\[1\]: .* is listed twice with the same settings \(first at line 1\)/],
    ["an unknown policy name in an entry", `- image: IMG\n  policy: nope\n`, /:2:11: unknown policy 'nope': shipped policies are base, /],
    ["a policy file that is missing", `policy: ./no-such-policy.yaml\nimages: [IMG]\n`, /:1:9: cannot read .*no-such-policy\.yaml: no such file or directory/],
  ];
  it.each(cases)("%s", async (_name, text, want) => {
    const file = await list("bad-list.yaml", text.replaceAll("IMG", f.good));
    const r = await runCli("check", "--from", file);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^imgpolicy: ${esc(file)}${want.source}`));
  });

  it("reports every problem, each on its own line", async () => {
    const file = await list("many.yaml", `- image: ${f.good}\n  runtime: 1\n- image: ${f.bad}\n  colour: red\n`);
    const r = await runCli("check", "--from", file);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toEqual([
      `imgpolicy: ${file}:2:12: images[0].runtime: expected true or false, found number 1`,
      `imgpolicy: ${file}:4:3: images[1]: unknown key 'colour': expected image, policy, platform, runtime`,
    ]);
  });

  it("JSON lists get positions too", () => {
    const text = `{\n  "policy": "base",\n  "images": [\n    "a:1",\n    { "image": "b:1", "runtime": "no" }\n  ]\n}\n`;
    const { problems } = parseFromList(text, "images.json");
    expect(problems).toEqual([{ file: "images.json", line: 5, col: 34, message: "images[1].runtime: expected true or false, found 'no'" }]);
  });

  it("a list that cannot be read, images on both sides, and no images at all are usage errors", async () => {
    const missing = await runCli("check", "--from", join(f.dir, "nope.yaml"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.yaml: cannot read the image list: no such file or directory/);
    const both = await runCli("check", "--from", await list("both.yaml", `- ${f.good}\n`), f.bad);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/name the images in the file or on the command line, not both/);
    const none = await runCli("check");
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no image to check: name one or more images, .*--from FILE/);
  });
});

describe("policyFromList: a policy file of the list, as the report names it", () => {
  it("resolves against the list's directory and names it from the working directory", () => {
    expect(policyFromList("./strict.yaml", "/repo", "/repo")).toBe("./strict.yaml");
    expect(policyFromList("./strict.yaml", "/repo/ci", "/repo")).toBe("ci/strict.yaml");
    expect(policyFromList("../policies/a.json", "/repo/ci", "/repo")).toBe("policies/a.json");
    expect(policyFromList("strict.yml", "/repo/ci/gate", "/repo")).toBe("ci/gate/strict.yml");
    // outside the working directory: absolute, never ../..
    expect(policyFromList("./strict.yaml", "/elsewhere", "/repo")).toBe("/elsewhere/strict.yaml");
    expect(policyFromList("x.yaml", "/repo", "/repo/sub")).toBe("/repo/x.yaml");
  });

  it("leaves shipped names and absolute paths as written", () => {
    expect(policyFromList("go-scratch", "/repo/ci", "/repo")).toBe("go-scratch");
    expect(policyFromList("/etc/imgpolicy/p.yaml", "/repo/ci", "/repo")).toBe("/etc/imgpolicy/p.yaml");
  });
});

describe("parseFromList", () => {
  it("reads both forms, with entry settings and the default policy", () => {
    const { list, problems } = parseFromList(
      ["policy: [base, extra.yaml]", "images:", "  - a:1", "  - image: b:1", "    policy: go-scratch", "    platform: linux/arm64/v8", "    runtime: true"].join("\n"),
      "l.yaml",
    );
    expect(problems).toEqual([]);
    expect(list!.policy).toEqual(["base", "extra.yaml"]);
    expect(list!.policyAt).toEqual({ file: "l.yaml", line: 1, col: 9 });
    expect(list!.entries.map(({ at: _at, policyAt: _p, ...e }) => e)).toEqual([
      { image: "a:1" },
      { image: "b:1", policy: ["go-scratch"], platform: { os: "linux", architecture: "arm64", variant: "v8" }, runtime: true },
    ]);
    expect(parseFromList("- a:1\n- b:1\n", "l.yaml").list!.entries.map((e) => e.image)).toEqual(["a:1", "b:1"]);
  });
});

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
