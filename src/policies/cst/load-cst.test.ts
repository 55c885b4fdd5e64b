import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPolicies, loadPolicy } from "../load-policy.js";
import { formatProblem } from "../policy-types.js";
import { rule as configAssertions } from "../rules/config-assertions.js";
import { rule as cstCommandTests } from "../rules/cst-command-tests.js";
import { RULES } from "../rules/index.js";

/** The registry with the CST rules in it, whether or not index.ts lists them yet. */
const ours = [configAssertions, cstCommandTests];
const rules = [...RULES.filter((r) => !ours.some((o) => o.id === r.id)), ...ours];
const CONVERTED = ["IMG-CST-001", "IMG-FILE-001", "IMG-META-001", "IMG-RUN-007"];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-cst-load-"));
  await writeFile(
    join(dir, "cst.yaml"),
    [
      "schemaVersion: 2.0.0",
      "commandTests:",
      "  - name: say hello",
      "    command: echo",
      "fileExistenceTests:",
      "  - name: app",
      "    path: /app",
      "metadataTest:",
      "  user: '65532'",
    ].join("\n"),
  );
  await writeFile(join(dir, "more.yaml"), "schemaVersion: 2.0.0\nfileContentTests:\n  - name: passwd\n    path: /etc/passwd\n    expectedContents: [nonroot]\ncommandTests:\n  - name: two\n    command: 'true'\n");
  await writeFile(join(dir, "team.yaml"), "extends: [base, ./cst.yaml]\nrules:\n  IMG-USER-001: critical\n");
  await writeFile(join(dir, "bad.yaml"), "schemaVersion: 2.0.0\nfileExistenceTests:\n  - name: app\n    path: /app\n    shouldExist: maybe\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const enabledIds = (r: Record<string, { enabled: boolean }>) => rules.filter((x) => r[x.id]?.enabled ?? !x.optIn).map((x) => x.id).sort();

describe("loading a container-structure-test config as a policy", () => {
  it("runs only the converted rules when the CST config is the whole policy", async () => {
    const { policy, errors } = await loadPolicy(join(dir, "cst.yaml"), { rules });
    expect(errors).toEqual([]);
    expect(enabledIds(policy!.rules)).toEqual(CONVERTED);
    expect(policy!.rules["IMG-USER-001"]).toEqual({ enabled: false, source: expect.stringMatching(/cst\.yaml \(a container-structure-test config alone runs only its own tests\)$/) });
    expect(policy!.cst!.commandTests.map((t) => t.name)).toEqual(["say hello"]);
    expect(policy!.failOn).toBe("high");
  });

  it.each([
    ["base first", ["base", "cst.yaml"]],
    ["base last", ["cst.yaml", "base"]],
  ])("adds the CST assertions to the defaults with --policy base (%s)", async (_name, refs) => {
    const { policy, errors } = await loadPolicies(refs.map((r) => (r === "base" ? r : join(dir, r))), { rules });
    expect(errors).toEqual([]);
    const defaults = rules.filter((r) => !r.optIn).map((r) => r.id);
    expect(enabledIds(policy!.rules)).toEqual([...new Set([...defaults, ...CONVERTED])].sort());
  });

  it("adds the CST assertions to a policy file that extends the CST file", async () => {
    const { policy, errors } = await loadPolicy(join(dir, "team.yaml"), { rules });
    expect(errors).toEqual([]);
    expect(policy!.rules["IMG-USER-001"]).toMatchObject({ enabled: true, severity: "critical" });
    expect(enabledIds(policy!.rules)).toEqual(expect.arrayContaining(["IMG-USER-001", ...CONVERTED]));
  });

  it("merges several CST configs: assertions and command tests add up", async () => {
    const { policy, errors } = await loadPolicies([join(dir, "cst.yaml"), join(dir, "more.yaml")], { rules });
    expect(errors).toEqual([]);
    expect(enabledIds(policy!.rules)).toEqual(CONVERTED);
    expect((policy!.rules["IMG-FILE-001"]!.options as { files: { name: string }[] }).files.map((f) => f.name)).toEqual(["app", "passwd"]);
    expect(policy!.rules["IMG-CST-001"]!.options!.commandTests).toEqual(["say hello", "two"]);
    expect(policy!.cst!.commandTests.map((t) => t.name)).toEqual(["say hello", "two"]);
  });

  it("reports problems as file:line:col", async () => {
    const { policy, errors } = await loadPolicy(join(dir, "bad.yaml"), { rules });
    expect(policy).toBeUndefined();
    expect(errors.map(formatProblem)).toEqual([`${join(dir, "bad.yaml")}:5:18: fileExistenceTests[0].shouldExist: expected true or false, found string "maybe"`]);
  });
});
