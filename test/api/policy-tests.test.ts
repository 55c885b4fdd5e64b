/**
 * policyTests(): one vitest test per enabled rule. The suites in policy-tests/ are run
 * by a vitest of their own (a child process with the JSON reporter), so that what a CI
 * run would show, test by test, can be checked here.
 */
import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RULES } from "../../src/index.js";
import { writeFixtureImages, type FixtureImages } from "./fixture-images.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const VITEST = join(ROOT, "node_modules", "vitest", "vitest.mjs");

interface JsonTest {
  ancestorTitles: string[];
  title: string;
  status: "passed" | "failed" | "skipped" | "pending" | "todo";
  failureMessages: string[];
}
interface JsonFile {
  name: string;
  status: string;
  message: string;
  assertionResults: JsonTest[];
}

let f: FixtureImages;
beforeAll(async () => {
  f = await writeFixtureImages("imgpolicy-policytests-");
});
afterAll(() => f?.cleanup());

/** Runs vitest on one suite of policy-tests/ and returns its JSON report. */
async function runSuite(suite: string, env: Record<string, string>): Promise<{ code: number | null; files: JsonFile[]; output: string }> {
  const config = join(f.dir, "vitest.config.mjs");
  const out = join(f.dir, `${suite}.json`);
  // A plain object: a config outside the project cannot import vitest/config.
  await writeFile(config, `export default { test: { include: ["test/api/policy-tests/${suite}.suite.ts"], pool: "forks", testTimeout: 60000 } };\n`);
  const child = spawn(process.execPath, [VITEST, "run", "--root", ROOT, "--config", config, "--reporter=json", `--outputFile=${out}`], {
    cwd: ROOT,
    env: { ...process.env, ...env, CI: "", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => void (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => void (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const report = JSON.parse(await readFile(out, "utf8")) as { testResults: JsonFile[] };
  return { code, files: report.testResults, output };
}

describe("policyTests", () => {
  let tests: JsonTest[];
  let code: number | null;
  beforeAll(async () => {
    const r = await runSuite("rules", { IMGPOLICY_GOOD: f.good, IMGPOLICY_BAD: f.bad, IMGPOLICY_MISSING: f.missing });
    code = r.code;
    expect(r.files, r.output).toHaveLength(1);
    tests = r.files[0]!.assertionResults;
  }, 120_000);
  const suite = (name: string) => new Map(tests.filter((t) => t.ancestorTitles.join(" > ") === name).map((t) => [t.title.split(" ")[0]!, t]));

  it("registers one test per rule the policy enables, titled with the rule's id and title", () => {
    const good = suite("good against base");
    const enabled = RULES.filter((r) => !r.optIn);
    expect([...good.keys()].sort()).toEqual(enabled.map((r) => r.id).sort());
    const user = RULES.find((r) => r.id === "IMG-USER-001")!;
    expect(good.get("IMG-USER-001")!.title).toBe(`IMG-USER-001 ${user.title}`);
  });

  it("a rule that passes passes, a rule that is not applicable is skipped", () => {
    const good = suite("good against base");
    expect(good.get("IMG-USER-001")!.status).toBe("passed");
    expect(good.get("IMG-BIN-002")!.status).toBe("skipped");
    expect(good.get("IMG-RUN-001")!.status).toBe("skipped");
    expect([...good.values()].filter((t) => t.status === "failed")).toEqual([]);
    // IMG-CA-001 fails at medium, below base's threshold (high): not a failed test
    expect(good.get("IMG-CA-001")!.status).toBe("passed");
  });

  it("a rule that fails at or above the threshold fails its test, with the findings and the fix", () => {
    const bad = suite("bad against base");
    const failed = [...bad.values()].filter((t) => t.status === "failed").map((t) => t.title.split(" ")[0]);
    expect(failed.sort()).toEqual(["IMG-BIN-001", "IMG-ENV-001", "IMG-FS-005", "IMG-USER-001"]);
    const msg = bad.get("IMG-USER-001")!.failureMessages.join("\n");
    expect(msg).toMatch(/IMG-USER-001 failed \(high\):\nHIGH {5}IMG-USER-001 {2}USER is set and is not root\n {2}- USER is not set.*\n {4}where: config User; expected: /);
    expect(msg).toMatch(/fix: Run as an unprivileged, numeric user/);
    expect(bad.get("IMG-CMD-001")!.status).toBe("passed");
  });

  it("failOn moves the threshold", () => {
    expect(suite("good against base, failing on medium").get("IMG-CA-001")!.status).toBe("failed");
  });

  it("an image that cannot be read fails every test with the reason", () => {
    const missing = [...suite("missing against base").values()];
    expect(missing.length).toBeGreaterThan(10);
    expect(missing.every((t) => t.status === "failed")).toBe(true);
    expect(missing[0]!.failureMessages.join("\n")).toMatch(/could not be checked: .*no such file or directory/);
  });

  it("the run fails", () => {
    expect(code).toBe(1);
  });

  it("a policy that does not load fails the file, with file:line:col", async () => {
    const broken = join(f.dir, "broken.yaml");
    await writeFile(broken, "rules:\n  IMG-USR-001: high\n");
    const r = await runSuite("broken-policy", { IMGPOLICY_GOOD: f.good, IMGPOLICY_BROKEN_POLICY: broken });
    expect(r.code).toBe(1);
    expect(r.files[0]!.status).toBe("failed");
    expect(r.files[0]!.message).toMatch(/broken\.yaml:2:3: unknown rule 'IMG-USR-001' \(did you mean IMG-USER-001\?\)/);
  }, 120_000);
});
