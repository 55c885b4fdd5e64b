/**
 * The package as a consumer gets it: `src/` is built (tsconfig.build.json) into
 * `node_modules/imgpolicy/dist` of a throwaway project, next to package.json and the
 * shipped policies, and used from there through the `exports` map, by Node and by
 * TypeScript. Building into a temporary directory tests the current source without
 * touching the repository's own dist/ (other tests read it).
 */
import { execFile } from "node:child_process";
import { cp, mkdir, readdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFixtureImages, type FixtureImages } from "./fixture-images.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
/** What `imgpolicy` itself must not need: only `imgpolicy/vitest` imports vitest, and only --runtime loads testcontainers. */
const LEFT_OUT = new Set(["vitest", "@vitest", "testcontainers", ".bin", ".package-lock.json", "imgpolicy"]);

let f: FixtureImages;
let consumer: string;
let pkg: string;

async function node(script: string): Promise<{ stdout: string; stderr: string }> {
  const file = join(consumer, `script-${Math.random().toString(36).slice(2)}.mjs`);
  await writeFile(file, script);
  return run(process.execPath, [file], { cwd: consumer });
}

/** Makes a dependency visible to the consumer, as npm would hoist it. */
const link = (name: string) => symlink(join(ROOT, "node_modules", name), join(consumer, "node_modules", name), "dir");

beforeAll(async () => {
  f = await writeFixtureImages("imgpolicy-pkg-");
  consumer = join(f.dir, "consumer");
  pkg = join(consumer, "node_modules", "imgpolicy");
  await mkdir(pkg, { recursive: true });
  await run(process.execPath, [TSC, "-p", join(ROOT, "tsconfig.build.json"), "--outDir", join(pkg, "dist")], { cwd: ROOT }).catch((err: { stdout?: string }) => {
    throw new Error(`tsc -p tsconfig.build.json failed:\n${err.stdout ?? String(err)}`);
  });
  await cp(join(ROOT, "package.json"), join(pkg, "package.json"));
  await cp(join(ROOT, "policies"), join(pkg, "policies"), { recursive: true });
  for (const name of await readdir(join(ROOT, "node_modules"))) if (!LEFT_OUT.has(name)) await link(name);
  await writeFile(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
}, 120_000);
afterAll(() => f?.cleanup());

describe("the built package, through its exports", () => {
  it("`import('imgpolicy')` gives the API, and checks an image, without vitest or testcontainers installed", async () => {
    const { stdout } = await node(`
      import * as api from "imgpolicy";
      const report = await api.check(${JSON.stringify(f.bad)}, "go-scratch");
      const failed = report.images[0].results.filter((r) => r.status === "fail").map((r) => r.rule);
      let err;
      try { await api.check(${JSON.stringify(f.good)}, "no-such-policy"); } catch (e) { err = e; }
      console.log(JSON.stringify({
        keys: Object.keys(api).sort(),
        exit: api.exitStatus(report),
        failed,
        policyError: err instanceof api.PolicyError,
        version: api.VERSION,
        resolved: import.meta.resolve("imgpolicy"),
      }));
    `);
    const out = JSON.parse(stdout) as { keys: string[]; exit: number; failed: string[]; policyError: boolean; version: string; resolved: string };
    expect(out.keys).toEqual(expect.arrayContaining(["check", "inspect", "loadPolicy", "render", "exitStatus", "PolicyError", "SourceError", "UsageError", "RULES"]));
    expect(out.exit).toBe(1);
    expect(out.failed).toContain("IMG-USER-001");
    expect(out.policyError).toBe(true);
    expect(out.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(fileURLToPath(out.resolved)).toBe(join(pkg, "dist", "index.js"));
  });

  it("`imgpolicy/vitest` resolves to dist/vitest and is the entry that needs vitest", async () => {
    const { stdout } = await node(`
      const resolved = import.meta.resolve("imgpolicy/vitest");
      let error = "";
      try { await import("imgpolicy/vitest"); } catch (e) { error = e.code + " " + e.message; }
      console.log(JSON.stringify({ resolved, error }));
    `);
    const out = JSON.parse(stdout) as { resolved: string; error: string };
    expect(fileURLToPath(out.resolved)).toBe(join(pkg, "dist", "vitest", "index.js"));
    expect(out.error).toMatch(/ERR_MODULE_NOT_FOUND .*'vitest'/);
  });

  it("`main` and `types` point at files the build wrote, and internals are not exported", async () => {
    const { stdout } = await node(`
      import { readFileSync, existsSync } from "node:fs";
      const p = JSON.parse(readFileSync("node_modules/imgpolicy/package.json", "utf8"));
      const files = [p.main, p.types, p.exports["."].types, p.exports["."].default, p.exports["./vitest"].types, p.exports["./vitest"].default];
      let internal = "";
      try { import.meta.resolve("imgpolicy/dist/policies/check.js"); } catch (e) { internal = e.code; }
      console.log(JSON.stringify({ missing: files.filter((f) => !existsSync("node_modules/imgpolicy/" + f)), internal }));
    `);
    expect(JSON.parse(stdout)).toEqual({ missing: [], internal: "ERR_PACKAGE_PATH_NOT_EXPORTED" });
  });

  it("TypeScript finds the types of both entries, and the matchers on vitest's expect", async () => {
    await link("vitest");
    await link("@vitest");
    await writeFile(
      join(consumer, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { target: "ES2023", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, types: ["node"], skipLibCheck: false }, files: ["use.ts", "misuse.ts"] }),
    );
    await writeFile(
      join(consumer, "use.ts"),
      [
        `import { check, exitStatus, inspect, PolicyError, type Facts, type Report, type RuleResult, type Severity, type ResolvedPolicy, type RuntimeSpec } from "imgpolicy";`,
        `import { image, policyTests } from "imgpolicy/vitest";`,
        `import { expect, it } from "vitest";`,
        `const facts: Facts = await inspect("oci:x");`,
        `const report: Report = await check(["oci:x"], ["base"], { failOn: "high" satisfies Severity, concurrency: 2 });`,
        `const code: 0 | 1 | 2 = exitStatus(report);`,
        `const r: RuleResult | undefined = report.images[0]?.results[0];`,
        `const spec: RuntimeSpec = { readOnly: true };`,
        `const p: ResolvedPolicy | undefined = undefined;`,
        `const e: Error = new PolicyError("x");`,
        `it("ships", async () => {`,
        `  await expect(image("oci:x")).toPassPolicy("go-scratch", { failOn: "medium" });`,
        `  await expect(image("oci:x")).toHaveNoFindings("IMG-USER-001");`,
        `  await expect(image("oci:x")).toHaveFacts({ config: { user: "65532" } });`,
        `});`,
        `policyTests("oci:x", "base", { runtime: false });`,
        `export { facts, code, r, spec, p, e };`,
      ].join("\n"),
    );
    // Wrong uses must not type-check.
    await writeFile(
      join(consumer, "misuse.ts"),
      [
        `import { check } from "imgpolicy";`,
        `import { image } from "imgpolicy/vitest";`,
        `import { expect } from "vitest";`,
        `await check("oci:x", "base", { failOn: "severe" });`,
        `await expect(image("oci:x")).toPassPolicy(42);`,
        `await expect(image("oci:x")).toHaveFacts({ config: { user: 65532 } });`,
      ].join("\n"),
    );
    const result = await run(process.execPath, [TSC, "-p", join(consumer, "tsconfig.json")], { cwd: consumer }).then(
      () => ({ stdout: "" }),
      (err: { stdout: string }) => err,
    );
    const errors = result.stdout.split("\n").filter((l) => /error TS/.test(l));
    expect(errors.filter((l) => l.startsWith("use.ts"))).toEqual([]);
    // file(line,col): error TS…: one error on each wrong line
    expect(errors.map((l) => /^(\S+?)\((\d+),/.exec(l)?.slice(1, 3).join(":"))).toEqual(["misuse.ts:4", "misuse.ts:5", "misuse.ts:6"]);
  }, 120_000);
});
