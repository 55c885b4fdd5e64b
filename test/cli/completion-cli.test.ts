/**
 * `imgpolicy completion bash|zsh` through the built bin/imgpolicy.js (`npm run build`
 * first). The bash script is sourced in a real bash and asked what it completes, as
 * readline would ask it (COMP_WORDS/COMP_CWORD, then COMPREPLY); zsh is not installed
 * here, so its script is checked for what it must hold.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RULES } from "../../src/policies/rules/index.js";
import { runBin } from "./run-bin.js";

const exec = promisify(execFile);
const POLICIES = ["base", "cis-docker", "debian-service", "glassops", "go-alpine", "go-distroless", "go-scratch"];

let dir: string;
let script: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-completion-"));
  const r = await runBin(["completion", "bash"]);
  expect(r.code).toBe(0);
  script = join(dir, "imgpolicy.bash");
  await writeFile(script, r.stdout);
  await writeFile(join(dir, "policy.yaml"), "extends: base\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** What the sourced script offers for the command line `words` (the last word is the one being completed). */
async function complete(...words: string[]): Promise<string[]> {
  const program = [
    "set -u",
    `source ${JSON.stringify(script)}`,
    'COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}',
    "_imgpolicy",
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join("\n");
  const { stdout } = await exec("bash", ["-c", program, "complete-test", "imgpolicy", ...words], { cwd: dir });
  return stdout.split("\n").filter((l) => l !== "");
}

describe("imgpolicy completion bash", () => {
  it("registers itself for imgpolicy with complete -F", async () => {
    const { stdout } = await exec("bash", ["-c", `source ${JSON.stringify(script)}; complete -p imgpolicy`]);
    expect(stdout.trim()).toBe("complete -F _imgpolicy imgpolicy");
  });

  it("completes commands and subcommands as the program has them", async () => {
    expect(await complete("")).toEqual(expect.arrayContaining(["inspect", "ls", "check", "init", "policy", "rules", "completion", "gc"]));
    expect(await complete("ch")).toEqual(["check"]);
    expect(await complete("policy", "")).toEqual(["validate", "show"]);
    expect(await complete("completion", "")).toEqual(["bash", "zsh"]);
  });

  it("completes a command's options, and their values: formats, severities, policy names and files", async () => {
    expect(await complete("check", "--ig")).toEqual(["--ignore"]);
    expect(await complete("check", "--fo")).toEqual(["--format"]);
    expect(await complete("rules", "--")).toEqual(expect.arrayContaining(["--format", "--help"]));
    expect(await complete("check", "--fail-on", "")).toEqual(["critical", "high", "medium", "low", "info"]);
    expect(await complete("check", "--fail-on", "=", "h")).toEqual(["high"]); // readline splits --fail-on=h at the = (COMP_WORDBREAKS)
    expect(await complete("rules", "--format", "")).toEqual(["text", "json"]);
    expect(await complete("check", "--format", "s")).toEqual(["sarif"]);
    expect(await complete("check", "-p", "go-")).toEqual(["go-alpine", "go-distroless", "go-scratch"]);
    expect(await complete("check", "--policy", "pol")).toEqual(["policy.yaml"]);
    expect(await complete("policy", "show", "")).toEqual(expect.arrayContaining([...POLICIES, "policy.yaml"]));
    expect(await complete("init", "--policy-name", "")).toEqual(POLICIES);
  });

  it("completes the file after FORMAT= in --format FORMAT=FILE, however readline split the word", async () => {
    // readline splits `json=po` at the = (COMP_WORDBREAKS): json, =, po
    expect(await complete("check", "--format", "json", "=", "po")).toEqual(["policy.yaml"]);
    expect(await complete("check", "--format", "json", "=")).toEqual(expect.arrayContaining(["policy.yaml", "imgpolicy.bash"]));
    expect(await complete("check", "--format", "=", "sarif", "=", "po")).toEqual(["policy.yaml"]); // --format=sarif=po
    // with = left out of COMP_WORDBREAKS, one word: FORMAT= is kept in front
    expect(await complete("check", "--format", "json=po")).toEqual(["json=policy.yaml"]);
    // the format itself is still completed, and rules --format takes no file
    expect(await complete("check", "--format", "ju")).toEqual(["junit"]);
    expect(await complete("rules", "--format", "json", "=", "po")).toEqual([]);
    // past a --format with a file, the command's options come back
    expect(await complete("check", "--format", "json", "=", "policy.yaml", "--fail")).toEqual(["--fail-on"]);
  });

  it("completes rule ids: for rules, and as a comma-separated list for --ignore", async () => {
    expect(await complete("rules", "IMG-RUN-00")).toEqual(RULES.filter((r) => r.id.startsWith("IMG-RUN-00")).map((r) => r.id));
    expect(await complete("check", "--ignore", "IMG-USER-00")).toEqual(["IMG-USER-001", "IMG-USER-002", "IMG-USER-003"]);
    expect(await complete("check", "--ignore", "IMG-USER-001,IMG-CA-00")).toEqual(["IMG-USER-001,IMG-CA-001", "IMG-USER-001,IMG-CA-002", "IMG-USER-001,IMG-CA-003"]);
    // past an option and its value, the command is still check
    expect(await complete("check", "--ignore", "IMG-CA-001", "--fail")).toEqual(["--fail-on"]);
  });
});

describe("imgpolicy completion zsh", () => {
  it("is a #compdef script with the commands, options, policy names and rule ids, with descriptions", async () => {
    const r = await runBin(["completion", "zsh"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("#compdef imgpolicy");
    expect(r.stdout).toMatch(/'check:check images against a policy/);
    expect(r.stdout).toMatch(/'--ignore:waive every finding of these rules/);
    for (const p of POLICIES) expect(r.stdout).toContain(` ${p}`);
    expect(r.stdout).toContain("IMG-USER-001");
    expect(r.stdout).toMatch(/compdef _imgpolicy imgpolicy/);
  });

  it("an unknown shell is one line and exit 2", async () => {
    const r = await runBin(["completion", "fish"]);
    expect([r.code, r.stdout, r.stderr]).toEqual([2, "", "imgpolicy: completion: unknown shell 'fish': expected bash or zsh\n"]);
  });
});
