import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPolicies, loadPolicy } from "./load-policy.js";
import { explainPolicy, type ExplainedPolicy } from "./policy-explain.js";
import { RULES } from "./rules/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-explain-"));
  await writeFile(
    join(dir, "team.yaml"),
    ["failOn: medium", "rules:", "  IMG-SIZE-001:", "    options: { maxBytes: 1000 }", "runtime:", "  stop: { signal: SIGINT }", ""].join("\n"),
  );
  await writeFile(
    join(dir, "app.yaml"),
    [
      "extends: [go-scratch, ./team.yaml]",
      "rules:",
      "  IMG-USER-001: critical",
      "  IMG-SIZE-001: on",
      "  IMG-LABEL-002: { options: { patterns: { team: '^[a-z]+$' } } }",
      "  IMG-FS-006: off",
      "waivers:",
      "  - rule: IMG-FS-005",
      "    path: /etc/ssl/test.key",
      "    reason: test key",
      "runtime:",
      "  tmpfs: [/tmp, /run]",
      "",
    ].join("\n"),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const rule = (p: ExplainedPolicy, id: string) => p.rules.find((r) => r.id === id)!;

describe("explainPolicy", () => {
  it("gives each setting its value and the file and line that set it last, or default", async () => {
    const { policy, errors } = await loadPolicy(join(dir, "app.yaml"));
    expect(errors).toEqual([]);
    const p = await explainPolicy(policy!);
    const app = join(dir, "app.yaml");
    const team = join(dir, "team.yaml");
    expect(p.files.map((f) => f.shipped ?? f.file)).toEqual(["base", "go-scratch", team, app]);
    expect(p.failOn).toEqual({ value: "medium", from: { kind: "file", file: team, line: 1 } });

    expect(rule(p, "IMG-USER-001").severity).toEqual({ value: "critical", from: { kind: "file", file: app, line: 3 } });
    expect(rule(p, "IMG-USER-001").enabled).toEqual({ value: true, from: { kind: "file", file: app, line: 3 } });
    // on here; its options from team.yaml; its severity the rule's own
    const size = rule(p, "IMG-SIZE-001");
    expect(size.enabled).toEqual({ value: true, from: { kind: "file", file: app, line: 4 } });
    expect(size.severity).toEqual({ value: "medium", from: { kind: "default" } });
    expect(size.options).toEqual([{ name: "maxBytes", value: 1000, from: { kind: "file", file: team, line: 4 } }]);
    // a shipped policy's line
    const bin = rule(p, "IMG-BIN-002");
    expect(bin.severity.value).toBe("high");
    expect(bin.severity.from).toMatchObject({ kind: "file", shipped: "go-scratch" });
    expect((bin.severity.from as { line: number }).line).toBeGreaterThan(1);
    // untouched rules, opt-in ones, one turned off
    expect(rule(p, "IMG-CA-003")).toMatchObject({ enabled: { value: true, from: { kind: "default" } }, severity: { value: "medium", from: { kind: "default" } } });
    expect(rule(p, "IMG-FILE-001").enabled).toEqual({ value: false, from: { kind: "default", note: "opt-in: off unless a policy turns it on" } });
    expect(rule(p, "IMG-FS-006").enabled).toEqual({ value: false, from: { kind: "file", file: app, line: 6 } });
    expect(rule(p, "IMG-LABEL-002").options).toEqual([{ name: "patterns", value: { team: "^[a-z]+$" }, from: { kind: "file", file: app, line: 5 } }]);
    expect(rule(p, "IMG-LABEL-001").options[0]).toMatchObject({ name: "required", from: { kind: "default" } });

    expect(p.waivers).toEqual([{ rule: "IMG-FS-005", path: "/etc/ssl/test.key", reason: "test key", source: `${app}:8`, from: { kind: "file", file: app, line: 8 } }]);
    const rt = Object.fromEntries(p.runtime.map((r) => [r.name, r]));
    expect(rt.tmpfs).toEqual({ name: "tmpfs", value: ["/tmp", "/run"], from: { kind: "file", file: app, line: 12 } });
    expect(rt.readOnly).toEqual({ name: "readOnly", value: true, from: { kind: "default" } });
    expect(rt["stop.signal"]).toEqual({ name: "stop.signal", value: "SIGINT", from: { kind: "file", file: team, line: 6 } });
    expect(rt["stop.gracePeriod"]).toEqual({ name: "stop.gracePeriod", value: 10, from: { kind: "default" } });
    expect(p.rules).toHaveLength(RULES.length);
  });

  it("for base alone: failOn from base, every rule at its default", async () => {
    const { policy } = await loadPolicies(["base"]);
    const p = await explainPolicy(policy!);
    expect(p.files).toEqual([expect.objectContaining({ shipped: "base" })]);
    expect(p.failOn.from).toMatchObject({ kind: "file", shipped: "base" });
    const changed = p.rules.filter((r) => r.severity.from.kind !== "default").map((r) => r.id);
    for (const id of changed) expect(policy!.rules[id]?.severity).toBeDefined();
  });
});
