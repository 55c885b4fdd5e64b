/**
 * What a user sees when a policy is misnamed, mis-written or ambiguous, through the CLI
 * (in-process): a did-you-mean for a shipped name, JSON held to JSON, two policies in one
 * directory, discovery bounded by the repository, and the report naming the policy as
 * the user would (relative to the working directory).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFixtureImages, type FixtureImages } from "../api/fixture-images.js";
import { runCli } from "./run-cli.js";

let f: FixtureImages;
let dir: string;
beforeAll(async () => {
  f = await writeFixtureImages("imgpolicy-policy-errors-");
  dir = join(f.dir, "work");
  await mkdir(dir);
});
afterAll(() => f?.cleanup());

/** Runs the CLI with `cwd` as the working directory. */
async function runIn(cwd: string, ...args: string[]) {
  const before = process.cwd();
  process.chdir(cwd);
  try {
    return await runCli(...args);
  } finally {
    process.chdir(before);
  }
}

describe("policy errors, as the CLI reports them", () => {
  it("a misspelt shipped policy name gets a did-you-mean", async () => {
    const r = await runCli("check", "-p", "go-scrach", f.good);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^imgpolicy: .*unknown policy 'go-scrach' \(did you mean go-scratch\?\): shipped policies are base, /);
  });

  it("a .json policy is parsed as JSON: a trailing comma is an error at file:line:col", async () => {
    const file = join(dir, "policy.json");
    await writeFile(file, '{\n  "extends": "base",\n  "failOn": "high",\n}\n');
    const r = await runCli("check", "-p", file, f.good);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`imgpolicy: ${file}:3:19: not valid JSON: a trailing comma before a closing brace: JSON allows none\n`);
    // the same text is a fine YAML policy
    await writeFile(join(dir, "policy.yaml"), '{\n  "extends": "base",\n  "failOn": "high",\n}\n');
    expect((await runCli("check", "-p", join(dir, "policy.yaml"), f.good)).code).toBe(0);
  });

  it("two policy files in one directory is an error naming both", async () => {
    const here = join(dir, "two");
    await mkdir(here);
    await writeFile(join(here, ".imgpolicy.yaml"), "extends: base\n");
    await writeFile(join(here, ".imgpolicy.yml"), "extends: go-scratch\n");
    const r = await runIn(here, "check", f.good);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`imgpolicy: .imgpolicy.yaml and .imgpolicy.yml are both policies of ${here}: keep one, or name it with --policy\n`);
  });

  it("discovery stops at the repository root, and the report names the policy relative to the working directory", async () => {
    const outer = join(dir, "outer");
    await mkdir(join(outer, "repo", ".git"), { recursive: true });
    await mkdir(join(outer, "repo", "sub"), { recursive: true });
    // above the repository: not the checkout's policy, so 'base' is used (and the bad image fails it)
    await writeFile(join(outer, ".imgpolicy.yaml"), "extends: base\nfailOn: critical\nrules:\n  IMG-ENV-001: off\n  IMG-FS-005: off\n");
    const above = await runIn(join(outer, "repo", "sub"), "check", "--format", "json", f.bad);
    expect(JSON.parse(above.stdout).policies).toEqual(["base"]);
    expect(above.code).toBe(1);

    await writeFile(join(outer, "repo", ".imgpolicy.yaml"), "extends: base\nfailOn: critical\nrules:\n  IMG-ENV-001: off\n  IMG-FS-005: off\n");
    const inRepo = await runIn(join(outer, "repo", "sub"), "check", "--format", "json", f.bad);
    expect(JSON.parse(inRepo.stdout).policies).toEqual(["../.imgpolicy.yaml"]);
    expect(inRepo.code).toBe(0);
  });
});
