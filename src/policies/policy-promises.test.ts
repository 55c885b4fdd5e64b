import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPolicy } from "./load-policy.js";
import { claimsNotInDescription, claimsOf, unkeptPromises } from "./policy-promises.js";
import { formatProblem, type ResolvedPolicy } from "./policy-types.js";
import { RULES } from "./rules/index.js";

const policy = (over: Partial<ResolvedPolicy>): ResolvedPolicy => ({ sources: ["p.yaml"], failOn: "high", rules: {}, waivers: [], ...over });

describe("claimsNotInDescription", () => {
  it("finds a claim in the description across line breaks, and names a claim that is not there", () => {
    const claims = claimsOf("p", { "a static, stripped binary": ["IMG-BIN-002"], "no shell": ["IMG-FS-001"] });
    expect(claimsNotInDescription(claims, "one a static,\n  stripped binary and nothing else")).toEqual(["p: the claim 'no shell' is not a phrase of its description"]);
  });
});

describe("unkeptPromises", () => {
  const claims = claimsOf("go-scratch", { stripped: ["IMG-BIN-003"], "no shell": ["IMG-FS-001"] });

  it("keeps a promise whose rules run at or above failOn", () => {
    expect(unkeptPromises(claims, policy({ rules: { "IMG-BIN-003": { enabled: true, severity: "high" }, "IMG-FS-001": { enabled: true } } }), RULES)).toEqual([]);
  });

  it("names a rule below failOn (the unstripped binary that passed go-scratch), an opt-in rule left off, a rule turned off", () => {
    expect(unkeptPromises(claims, policy({ rules: { "IMG-BIN-003": { enabled: true, severity: "medium" } } }), RULES)).toEqual([
      "go-scratch: 'stripped' needs IMG-BIN-003, which is medium, below failOn high",
      "go-scratch: 'no shell' needs IMG-FS-001, which is off",
    ]);
    expect(unkeptPromises(claimsOf("x", { "world-writable": ["IMG-FS-004"] }), policy({ rules: { "IMG-FS-004": { enabled: false } } }), RULES)).toEqual([
      "x: 'world-writable' needs IMG-FS-004, which is off",
    ]);
  });

  it("judges the default severity against the policy's own threshold", () => {
    const ww = claimsOf("x", { "world-writable": ["IMG-FS-004"] });
    expect(unkeptPromises(ww, policy({}), RULES)).toEqual(["x: 'world-writable' needs IMG-FS-004, which is medium, below failOn high"]);
    expect(unkeptPromises(ww, policy({ failOn: "medium" }), RULES)).toEqual([]);
  });

  it("names a waived rule and an unknown id", () => {
    const p = policy({ rules: { "IMG-FS-001": { enabled: true } }, waivers: [{ rule: "IMG-FS-001", reason: "busybox for now", source: "p.yaml:9" }] });
    expect(unkeptPromises(claimsOf("p", { "no shell": ["IMG-FS-001", "IMG-NOPE-001"] }), p, RULES)).toEqual([
      "p: 'no shell' needs IMG-FS-001, which is waived (p.yaml:9)",
      "p: 'no shell' needs IMG-NOPE-001, which is no rule",
    ]);
  });
});

describe("promises in a policy file", () => {
  it("are accepted with known rule ids, and each bad one is a file:line:col problem", async () => {
    const dir = await mkdtemp(join(tmpdir(), "imgpolicy-promises-"));
    try {
      const ok = join(dir, "ok.yaml");
      await writeFile(ok, "description: no shell here\npromises:\n  no shell: [IMG-FS-001]\n");
      expect((await loadPolicy(ok)).errors).toEqual([]);
      const bad = join(dir, "bad.yaml");
      await writeFile(bad, ["promises:", "  no shell: [IMG-FS-001, IMG-FS-01]", "  nothing: []", "  twice: [IMG-FS-001, IMG-FS-001]", "  one: IMG-FS-001", ""].join("\n"));
      const { policy, errors } = await loadPolicy(bad);
      expect(policy).toBeUndefined();
      expect(errors.map(formatProblem)).toEqual([
        `${bad}:2:26: unknown rule 'IMG-FS-01' (did you mean IMG-FS-001?)`,
        `${bad}:3:12: promises.nothing: must not be empty`,
        `${bad}:4:10: promises.twice: names the same item twice`,
        `${bad}:5:8: promises.one: expected array, found a string`,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
