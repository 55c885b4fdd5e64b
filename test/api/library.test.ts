/** The library API (src/index.ts): what `import { … } from "imgpolicy"` gives. */
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as api from "../../src/index.js";
import { check, exitStatus, inspect, loadPolicy, PolicyError, render, resolvePolicy, SourceError, type Facts, type Report } from "../../src/index.js";
import { writeFixtureImages, type FixtureImages } from "./fixture-images.js";

let f: FixtureImages;
beforeAll(async () => {
  f = await writeFixtureImages("imgpolicy-lib-");
});
afterAll(() => f?.cleanup());

describe("the exports", () => {
  it("names the API, the error classes and the constants", () => {
    for (const name of ["inspect", "inspectImage", "check", "resolvePolicy", "policyNames", "loadPolicy", "loadPolicies", "evaluate", "render", "exitStatus", "formatProblem", "parsePlatform", "openImage"]) {
      expect(typeof (api as Record<string, unknown>)[name], name).toBe("function");
    }
    for (const cls of [api.ImgpolicyError, api.UsageError, api.SourceError, api.EngineError, api.RegistryError, api.PolicyError]) {
      expect(new cls("x")).toBeInstanceOf(api.ImgpolicyError);
    }
    expect(new api.PolicyError("x").kind).toBe("policy");
    expect(api.SEVERITIES).toEqual(["critical", "high", "medium", "low", "info"]);
    expect(api.FORMATS).toEqual(["text", "json", "junit", "sarif", "markdown", "codequality"]);
    expect(api.REPORT_SCHEMA).toBe("imgpolicy/report@1");
    expect(api.FACTS_SCHEMA).toBe("imgpolicy/facts@1");
    expect(api.RULES.length).toBeGreaterThan(40);
  });
});

describe("inspect", () => {
  it("returns the facts of an image", async () => {
    const facts: Facts = await inspect(f.good);
    expect(facts.schema).toBe("imgpolicy/facts@1");
    expect(facts.config.user).toBe("65532:65532");
    expect(facts.users.user).toMatchObject({ uid: 65532, root: false });
  });

  it("takes the source options (platform from an index)", async () => {
    const arm = await inspect(f.multi, { platform: { os: "linux", architecture: "arm64" } });
    expect(arm.image.platform.architecture).toBe("arm64");
    expect(arm.config.user).toBeUndefined();
  });

  it("throws typed errors", async () => {
    await expect(inspect(f.missing)).rejects.toBeInstanceOf(api.ImgpolicyError);
    await expect(inspect(f.missing)).rejects.toThrow(/no such file or directory/);
  });
});

describe("check", () => {
  it("takes one reference and a shipped policy name", async () => {
    const report: Report = await check(f.good, "base");
    expect(report.policies).toEqual(["base"]);
    expect(report.images).toHaveLength(1);
    expect(report.passed).toBe(true);
    expect(exitStatus(report)).toBe(0);
  });

  it("takes several references and layered policies; one report, exit status 1 when one fails", async () => {
    const strict = join(f.dir, "strict.yaml");
    await writeFile(strict, "failOn: medium\n");
    const report = await check([f.good, f.bad], ["base", strict]);
    expect(report.policies).toEqual(["base", strict]);
    expect(report.failOn).toBe("medium");
    expect(report.images.map((i) => i.passed)).toEqual([false, false]);
    expect(exitStatus(report)).toBe(1);
  });

  it("takes a loaded policy, and failOn over it", async () => {
    const { policy, errors } = await loadPolicy("base");
    expect(errors).toEqual([]);
    const report = await check(f.bad, policy!, { failOn: "critical" });
    expect(report.failOn).toBe("critical");
    expect(report.policies).toEqual(policy!.sources);
    expect(policy!.failOn).toBe("high");
    const critical = report.images[0]!.results.filter((r) => r.status === "fail" && r.severity === "critical");
    expect(critical.length).toBeGreaterThan(0);
    expect(report.passed).toBe(false);
  });

  it("resolves relative policy files against cwd", async () => {
    await writeFile(join(f.dir, "lenient.yaml"), "extends: base\nfailOn: critical\nrules:\n  IMG-ENV-001: off\n  IMG-FS-005: off\n");
    const report = await check(f.bad, "./lenient.yaml", { cwd: f.dir });
    expect(report.passed).toBe(true);
  });

  it("reports an image that cannot be read (exit status 2) instead of throwing", async () => {
    const report = await check([f.good, f.missing], "base");
    expect(report.images[1]!.error).toMatch(/no such file or directory/);
    expect(exitStatus(report)).toBe(2);
  });

  it("throws a PolicyError with every problem as file:line:col when the policy does not validate", async () => {
    const broken = join(f.dir, "broken.yaml");
    await writeFile(broken, "rules:\n  IMG-USR-001: high\n  IMG-SIZE-001:\n    options: { maxBytes: lots }\nfailOn: severe\n");
    const err = await check(f.good, broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyError);
    const lines = (err as Error).message.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(`${broken}:2:3: unknown rule 'IMG-USR-001' (did you mean IMG-USER-001?)`);
    expect(lines[1]).toMatch(new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:4:26: rules\\.IMG-SIZE-001\\.options\\.maxBytes: expected integer`));
    expect(lines[2]).toMatch(/broken\.yaml:5:9: failOn/);
  });

  it("throws a PolicyError for an unknown shipped name, and for no policy at all", async () => {
    await expect(check(f.good, "go-scartch")).rejects.toThrow(/unknown policy 'go-scartch' \(did you mean go-scratch\?\): shipped policies are base, /);
    await expect(check(f.good, [])).rejects.toBeInstanceOf(PolicyError);
  });
});

describe("render and resolvePolicy", () => {
  it("renders a report in every format", async () => {
    const report = await check(f.bad, "base");
    expect(render("text", report)).toMatch(/HIGH +IMG-USER-001/);
    expect(JSON.parse(render("json", report)).schema).toBe("imgpolicy/report@1");
    expect(render("junit", report)).toMatch(/^<\?xml/);
    expect(JSON.parse(render("sarif", report)).version).toBe("2.1.0");
    expect(render("markdown", report)).toMatch(/^## imgpolicy: ❌/);
  });

  it("resolvePolicy loads names and files, and passes a loaded policy through", async () => {
    const p = await resolvePolicy("go-scratch", { failOn: "low" });
    expect(p.failOn).toBe("low");
    expect(p.sources.map((s) => s.split("/").pop())).toEqual(["base.yaml", "go-scratch.yaml"]);
    expect(await resolvePolicy(p)).toBe(p);
  });
});

describe("the main entry loads neither vitest nor testcontainers", () => {
  /** Every module src/index.ts reaches through static imports (dynamic `import()` is lazy). */
  async function staticGraph(entry: string): Promise<{ files: Set<string>; packages: Set<string> }> {
    const files = new Set<string>();
    const packages = new Set<string>();
    const todo = [resolve(entry)];
    while (todo.length) {
      const file = todo.pop()!;
      if (files.has(file)) continue;
      files.add(file);
      const text = await readFile(file, "utf8");
      for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']/gm)) {
        const spec = m[1]!;
        if (spec.startsWith(".")) todo.push(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
        else packages.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!);
      }
    }
    return { files, packages };
  }

  it("src/index.ts", async () => {
    const { files, packages } = await staticGraph("src/index.ts");
    expect(files.size).toBeGreaterThan(20);
    expect([...packages].filter((p) => /vitest|testcontainers|dockerode/.test(p))).toEqual([]);
    expect([...files].filter((p) => p.includes("/src/vitest/") || p.endsWith("/runtime/probe.ts"))).toEqual([]);
  });

  it("src/vitest/index.ts does import vitest (it is the only entry that may)", async () => {
    const { packages } = await staticGraph("src/vitest/index.ts");
    expect(packages.has("vitest")).toBe(true);
    expect(packages.has("testcontainers")).toBe(false);
  });

  it("SourceError is what an unreadable layout throws", async () => {
    await expect(inspect(f.missing)).rejects.toBeInstanceOf(SourceError);
  });
});
