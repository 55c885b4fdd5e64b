/**
 * A policy is hostile input: it may try to read other files through `extends`, to make
 * the loader block or run out of memory, or to plant patterns that never finish. Each
 * attempt ends as a policy problem that names a file and a position, never content.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPolicy, MAX_EXTENDS_DEPTH, type LoadOptions } from "./load-policy.js";
import { formatProblem } from "./policy-types.js";

const SECRET = "s3cr3t-Hash-9f8e7d";
let dir: string;
let tree: string;
let outside: string;
let shipped: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-hostile-policy-"));
  tree = join(dir, "checkout");
  outside = join(dir, "elsewhere");
  shipped = join(dir, "shipped");
  await Promise.all([tree, outside, shipped].map((d) => mkdir(d)));
  await writeFile(join(shipped, "base.yaml"), "failOn: high\n");
  // a shadow-like file (one YAML scalar) and a key: value file with secrets in values
  await writeFile(join(outside, "shadow"), `root:$6$${SECRET}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n`);
  await writeFile(join(outside, "creds.yaml"), `api_token: ${SECRET}\npassword: ${SECRET}\n`);
  await symlink(join(outside, "creds.yaml"), join(tree, "innocent.yaml"));
  execFileSync("mkfifo", [join(tree, "fifo.yaml")]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function load(text: string, opts: LoadOptions = {}, name = "p.yaml") {
  const f = join(tree, name);
  await writeFile(f, text);
  const r = await loadPolicy(f, { shippedDir: shipped, ...opts });
  return { f, ...r, lines: r.errors.map(formatProblem) };
}

describe("extends outside the policy's tree", () => {
  it.each([
    ["an absolute path", () => join(outside, "shadow")],
    ["a relative path up and out", () => "../elsewhere/shadow"],
    ["a symlink in the tree that points outside", () => "./innocent.yaml"],
  ])("is refused without the opt-in: %s", async (_what, target) => {
    const { f, policy, lines } = await load(`extends: ${target()}\n`);
    expect(policy).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${f}:1:10: extends '.*', which is outside .*checkout, the directory of the policy given: .*--allow-extends-outside$`));
  });

  it("with the opt-in, another file's content never reaches a message", async () => {
    for (const target of [join(outside, "shadow"), join(outside, "creds.yaml"), "./innocent.yaml"]) {
      const { policy, lines } = await load(`extends: ${target}\n`, { allowExternalExtends: true });
      expect(policy).toBeUndefined();
      expect(lines.join("\n")).not.toContain(SECRET);
      expect(lines.join("\n")).not.toContain("19000");
    }
    const { lines } = await load(`extends: ${join(outside, "creds.yaml")}\n`, { allowExternalExtends: true });
    // the wrong key is named (that is what is wrong), its value is not
    expect(lines).toContain(`${join(outside, "creds.yaml")}:1:1: unknown key 'api_token' in the policy`);
    // each shadow line reads as one YAML key ("root:$6$…:7::" then ": "): counted, not shown
    const shadow = await load(`extends: ${join(outside, "shadow")}\n`, { allowExternalExtends: true });
    expect(shadow.lines[0]).toBe(`${join(outside, "shadow")}:1:1: unknown key (not shown: 44 characters that do not look like a policy key; is this a policy file?) in the policy`);
  });

  it("files inside the tree and shipped names need no opt-in", async () => {
    await mkdir(join(tree, "team"), { recursive: true });
    await writeFile(join(tree, "team", "common.yaml"), "extends: base\nfailOn: medium\n");
    const { policy, errors } = await load("extends: ./team/common.yaml\n");
    expect(errors).toEqual([]);
    expect(policy!.failOn).toBe("medium");
  });
});

describe("what extends may read", () => {
  it("a FIFO in extends is refused at once, without blocking", async () => {
    const t0 = performance.now();
    const { f, lines } = await load("extends: ./fifo.yaml\n");
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(lines).toEqual([`${f}:1:10: cannot read ${join(tree, "fifo.yaml")}: a FIFO, not a regular file`]);
  });

  it("/dev/zero (allowed outside) is refused at once, reading nothing", async () => {
    const t0 = performance.now();
    const { f, lines } = await load("extends: /dev/zero\n", { allowExternalExtends: true });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(lines).toEqual([`${f}:1:10: cannot read /dev/zero: a character device, not a regular file`]);
  });

  it(`stops at ${MAX_EXTENDS_DEPTH} files deep`, async () => {
    for (let i = 0; i < 20; i++) await writeFile(join(tree, `chain${i}.yaml`), `extends: ./chain${i + 1}.yaml\n`);
    await writeFile(join(tree, "chain20.yaml"), "failOn: low\n");
    const { lines } = await load("extends: ./chain0.yaml\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/chain\d+\.yaml:1:10: extends goes deeper than 16 files$/);
  });

  it("stops a fan-out (each file extends the next ten times) at 100 reads, with one error", async () => {
    for (let i = 0; i < 8; i++) await writeFile(join(tree, `fan${i}.yaml`), `extends: [${Array(10).fill(`./fan${i + 1}.yaml`).join(", ")}]\n`);
    await writeFile(join(tree, "fan8.yaml"), "failOn: low\n");
    const t0 = performance.now();
    const { lines } = await load("extends: ./fan0.yaml\n");
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/fan\d\.yaml:1:\d+: extends reads more than 100 policy files in all$/);
  });

  it("detects a cycle through a symlink", async () => {
    await symlink(join(tree, "cyc.yaml"), join(tree, "cyc-link.yaml"));
    const { lines } = await load("extends: ./cyc-link.yaml\n", {}, "cyc.yaml");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cyc\.yaml:1:10: policy extends itself: .*cyc\.yaml → .*cyc\.yaml$/);
  });
});

describe("hostile text in a policy", () => {
  it("a wrong key is named when it looks like a key, else only counted", async () => {
    const key = `\x1b[2J${"k".repeat(500)}`;
    const { f, lines } = await load(`${JSON.stringify(key)}: 1\nfailon: high\n${"x".repeat(65)}: 1\n`);
    expect(lines).toEqual([
      `${f}:1:1: unknown key (not shown: 504 characters that do not look like a policy key; is this a policy file?) in the policy`,
      `${f}:2:1: unknown key 'failon' in the policy (did you mean failOn?)`,
      `${f}:3:1: unknown key (not shown: 65 characters that do not look like a policy key; is this a policy file?) in the policy`,
    ]);
  });

  it("an alias bomb is a policy problem at file:line:col", async () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]", ..."bcdefgh".split("").map((c, i) => `${c}: &${c} [${Array(9).fill(`*${"abcdefg"[i]}`).join(", ")}]`)].join("\n");
    const { f, lines } = await load(bomb);
    expect(lines).toEqual([`${f}:2:8: invalid YAML: its aliases expand too far (more than 100 values for one alias)`]);
  });

  it("100k nested brackets are a policy problem at file:line:col", async () => {
    const { f, lines } = await load(`rules: ${"[".repeat(100_000)}`);
    expect(lines).toEqual([`${f}:1:72: the document nests deeper than 64 levels; a policy needs a few`]);
  });
});

describe("patterns are checked when the policy loads", () => {
  it.each([
    [
      "a label pattern with nested quantifiers? accepted: RE2 runs it in linear time",
      "rules:\n  IMG-LABEL-002:\n    options: { patterns: { v: '^([0-9]+\\.?)+$' } }\n",
      [],
    ],
    [
      "a label pattern with a backreference",
      "rules:\n  IMG-LABEL-002:\n    options:\n      patterns:\n        v: '(a)\\1'\n",
      ["5:12: rules.IMG-LABEL-002.options.patterns.v: /(a)\\1/ is not a regular expression imgpolicy accepts (RE2 syntax: no backreferences or lookarounds): invalid escape sequence: `\\1`"],
    ],
    [
      "a file content pattern with a lookahead",
      "rules:\n  IMG-FILE-001:\n    options:\n      files:\n        - path: /etc/passwd\n          contentRegex: ['root(?=:)']\n",
      ["6:26: rules.IMG-FILE-001.options.files.0.contentRegex.0: /root(?=:)/ is not a regular expression imgpolicy accepts"],
    ],
    [
      "an env assertion pattern too long",
      `rules:\n  IMG-META-001:\n    options:\n      env: [{ key: A, value: '${"a".repeat(1001)}', isRegex: true }]\n`,
      ["4:30: rules.IMG-META-001.options.env.0.value: /aaaa"],
    ],
    ["a waiver path with an extglob", "waivers:\n  - rule: IMG-USER-001\n    path: /a/+(b|c)\n    reason: x\n", ['3:11: waivers.0.path: glob "/a/+(b|c)" is not accepted: extglobs']],
    [
      "an allow list glob with a bad class",
      "rules:\n  IMG-FS-001:\n    options: { allow: ['/bin/[z-a]'] }\n",
      ['3:24: rules.IMG-FS-001.options.allow.0: glob "/bin/[z-a]" is not accepted'],
    ],
    ["a runtime log pattern with a backreference", "runtime:\n  health: { log: '(a)\\1' }\n", ["2:18: runtime.health.log: /(a)\\1/ is not a regular expression imgpolicy accepts"]],
  ])("%s", async (_what, text, want) => {
    const { f, lines } = await load(text);
    expect(lines.length).toBe(want.length);
    for (const [i, w] of want.entries()) expect(lines[i]!.startsWith(`${f}:${w}`), `${lines[i]} starts with ${w}`).toBe(true);
  });
});
