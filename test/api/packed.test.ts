/**
 * The package as users install it: `npm pack` of the repository (its dist/, built by
 * `npm test`'s pretest), installed into a fresh project, and used there as a user
 * would: the CLI through `npx`, a TypeScript vitest suite on `imgpolicy/vitest`
 * (typechecked with tsc), and policies validated with ajv against the schema the
 * package ships, found through their `$schema` modelines.
 *
 * No network: the fresh project starts with a copy of the repository's node_modules
 * (`cp -a`, so the hidden lockfile stays valid) and a package.json that asks for
 * vitest, typescript, @types/node, ajv, ajv-formats and yaml at the versions installed there; then
 * `npm install --offline` of the tarball, with an empty npm cache of its own. npm
 * needs nothing it does not have (every dependency is already in place), removes what
 * neither the consumer nor imgpolicy depends on (the repository's other dev
 * dependencies), and never reads or writes ~/.npm. A dependency that dist/ uses but
 * package.json does not declare would be pruned, and the tests below would fail.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RULES } from "../../src/index.js";
import { buildImage, writeDockerArchive } from "../../fixtures/image-writer.js";
import { BAD, GOOD } from "./fixture-images.js";

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SCHEMA_LINE = /^# yaml-language-server: \$schema=(\S+)$/m;

let dir: string;
let consumer: string;
let tarball: string;

/** The environment without this vitest run's own variables, so that the consumer's vitest starts afresh. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(VITEST|VITE_|NODE_OPTIONS$|npm_)/.test(k)) env[k] = v;
  return { ...env, CI: "true", NO_COLOR: "1", npm_config_cache: join(dir, "npm-cache"), npm_config_update_notifier: "false" };
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function sh(cmd: string, args: string[], cwd = consumer): Promise<Ran> {
  return exec(cmd, args, { cwd, env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: typeof err.code === "number" ? err.code : -1, stdout: err.stdout ?? "", stderr: err.stderr ?? String(err) }),
  );
}

const version = async (name: string): Promise<string> => (JSON.parse(await readFile(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-packed-"));
  consumer = join(dir, "consumer");
  await mkdir(consumer);
  const pack = await sh("npm", ["pack", "--silent", "--pack-destination", dir], ROOT);
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  tarball = join(dir, pack.stdout.trim().split("\n").at(-1) ?? "");
  const devDependencies: Record<string, string> = {};
  for (const name of ["vitest", "typescript", "@types/node", "ajv", "ajv-formats", "yaml"]) devDependencies[name] = await version(name);
  await writeFile(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module", devDependencies }, null, 2));
  await exec("cp", ["-a", join(ROOT, "node_modules"), join(consumer, "node_modules")]);
  const install = await sh("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball]);
  if (install.code !== 0) throw new Error(`npm install --offline failed:\n${install.stderr}`);
  await writeDockerArchive(join(consumer, "good.tar"), [{ image: buildImage(GOOD), tags: ["app:good"] }], { format: "classic" });
  await writeDockerArchive(join(consumer, "bad.tar"), [{ image: buildImage(BAD), tags: ["app:bad"] }], { format: "classic" });
}, 120_000);
afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

describe("the packed package, installed", () => {
  it("holds the LICENSE (Apache-2.0), the schema, the policies, bin and dist, and no sources or tests", async () => {
    const list = await sh("tar", ["-tzf", tarball], dir);
    const files = list.stdout.split("\n").filter(Boolean);
    expect(files).toEqual(expect.arrayContaining(["package/LICENSE", "package/schema/policy.schema.json", "package/policies/base.yaml", "package/bin/imgpolicy.js", "package/dist/index.js", "package/dist/vitest/index.d.ts"]));
    expect(files.filter((f) => /^package\/(src|test|fixtures|examples)\//.test(f) || /\.test\.(js|ts)$/.test(f))).toEqual([]);
    const license = await readFile(join(consumer, "node_modules", "imgpolicy", "LICENSE"), "utf8");
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004\s+http:\/\/www\.apache\.org\/licenses\/\s/);
    expect(license).toContain("END OF TERMS AND CONDITIONS");
    expect(JSON.parse(await readFile(join(consumer, "node_modules", "imgpolicy", "package.json"), "utf8"))).toMatchObject({ license: "Apache-2.0" });
    // only what the consumer and imgpolicy depend on is left: the repository's own dev dependencies were pruned
    expect(await readdir(join(consumer, "node_modules"))).not.toContain("tar");
  });

  it("runs the CLI through npx: --version, rules, check of a docker-archive", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string };
    const v = await sh("npx", ["--no", "--", "imgpolicy", "--version"]);
    expect(v).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    const rules = await sh("npx", ["--no", "--", "imgpolicy", "rules"]);
    expect(rules.code).toBe(0);
    expect(rules.stdout.split("\n").filter((l) => /^IMG-/.test(l))).toHaveLength(RULES.length);
    const good = await sh("npx", ["--no", "--", "imgpolicy", "check", "--policy", "base", "docker-archive:good.tar"]);
    expect(good.stderr).toBe("");
    expect(good.code).toBe(0);
    const bad = await sh("npx", ["--no", "--", "imgpolicy", "check", "--policy", "go-scratch", "docker-archive:bad.tar"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("IMG-USER-001");
  }, 60_000);

  it("runs a TypeScript vitest suite on imgpolicy/vitest, which tsc --noEmit accepts", async () => {
    await writeFile(
      join(consumer, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { target: "ES2023", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, types: ["node"] }, include: ["*.ts"] }),
    );
    await writeFile(join(consumer, "vitest.config.ts"), `import { defineConfig } from "vitest/config";\nexport default defineConfig({ test: { include: ["*.test.ts"], testTimeout: 60_000 } });\n`);
    await writeFile(
      join(consumer, "image.test.ts"),
      [
        `import { image, policyTests } from "imgpolicy/vitest";`,
        `import { describe, expect, it } from "vitest";`,
        ``,
        `const good = image("docker-archive:good.tar");`,
        `describe("app", () => {`,
        `  it("passes base", async () => {`,
        `    await expect(good).toPassPolicy("base");`,
        `    await expect(good).toHaveNoFindings("IMG-USER-001");`,
        `    await expect(good).toHaveFacts({ config: { user: "65532:65532" } });`,
        `  });`,
        `  it("the bad one does not", async () => {`,
        `    await expect(image("docker-archive:bad.tar")).not.toPassPolicy("go-scratch");`,
        `  });`,
        `});`,
        `policyTests(good, "base", { name: "good against base" });`,
        ``,
      ].join("\n"),
    );
    const tsc = await sh("npx", ["--no", "--", "tsc", "--noEmit", "-p", "tsconfig.json"]);
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.code).toBe(0);
    const vitest = await sh("npx", ["--no", "--", "vitest", "run", "--reporter=json"]);
    const json = JSON.parse(vitest.stdout.slice(vitest.stdout.indexOf("{"))) as { numFailedTests: number; numPassedTests: number; success: boolean };
    expect(json.numFailedTests, vitest.stdout).toBe(0);
    expect(json.numPassedTests).toBeGreaterThan(2);
    expect(vitest.code).toBe(0);
  }, 60_000);

  it("validates policies with ajv against the installed schema, found through their $schema lines", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const example = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => SCHEMA_LINE.test(b));
    expect(example, "a YAML example with a $schema line in the README").toBeDefined();
    await writeFile(join(consumer, ".imgpolicy.yaml"), example ?? "");
    await writeFile(join(consumer, "wrong.yaml"), `# yaml-language-server: $schema=node_modules/imgpolicy/schema/policy.schema.json\nfailOn: severe\n`);
    await writeFile(
      join(consumer, "validate.mjs"),
      [
        `import { readFileSync, readdirSync } from "node:fs";`,
        `import { dirname, join, resolve } from "node:path";`,
        `import { Ajv } from "ajv";`,
        `import addFormats from "ajv-formats";`,
        `import { parse } from "yaml";`,
        `const ajv = new Ajv({ allErrors: true, strict: false });`,
        `addFormats(ajv);`,
        `const shipped = "node_modules/imgpolicy/policies";`,
        `const files = [".imgpolicy.yaml", "wrong.yaml", ...readdirSync(shipped).map((f) => join(shipped, f))];`,
        `const out = {};`,
        `for (const file of files) {`,
        `  const text = readFileSync(file, "utf8");`,
        `  const ref = ${SCHEMA_LINE.toString()}.exec(text)?.[1];`,
        `  const schemaFile = resolve(dirname(file), ref);`,
        `  const validate = ajv.getSchema(schemaFile) ?? (ajv.addSchema(JSON.parse(readFileSync(schemaFile, "utf8")), schemaFile), ajv.getSchema(schemaFile));`,
        `  out[file] = { schema: schemaFile, valid: validate(parse(text)), errors: (validate.errors ?? []).map((e) => e.instancePath + " " + e.message) };`,
        `}`,
        `console.log(JSON.stringify(out));`,
      ].join("\n"),
    );
    const ran = await sh(process.execPath, ["validate.mjs"]);
    expect(ran.stderr).toBe("");
    const out = JSON.parse(ran.stdout) as Record<string, { schema: string; valid: boolean; errors: string[] }>;
    const installed = join(consumer, "node_modules", "imgpolicy", "schema", "policy.schema.json");
    const shipped = await readdir(join(ROOT, "policies"));
    expect(Object.keys(out)).toHaveLength(2 + shipped.length);
    for (const [file, r] of Object.entries(out)) {
      expect(r.schema, file).toBe(installed);
      expect({ file, valid: r.valid, errors: r.errors }).toEqual({ file, valid: file !== "wrong.yaml", errors: file === "wrong.yaml" ? [expect.stringMatching(/^\/failOn /)] : [] });
    }
  }, 60_000);
});
