/**
 * bin/imgpolicy.js runs the bundle `npm run build` makes (scripts/bundle-cli.mjs), and only
 * it, from its code cache (src/cli/bundle-loader.ts): a check of a small image loads that one
 * file, not dist/cli/ and the ~300 modules behind it, and never testcontainers (that loads
 * only with --runtime). Every ES module the process resolves is recorded by a resolve hook
 * registered with --import, every file it requires by a hook preloaded with --require.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage } from "../../fixtures/image-writer.js";
import { writeOciLayout } from "../../fixtures/oci-layout-writer.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "bin", "imgpolicy.js");
const BUNDLE = join(ROOT, "dist", "cli-bundle", "imgpolicy.cjs");
const LOADER = pathToFileURL(join(ROOT, "dist", "cli", "bundle-loader.js")).href;
/** bin, the loader, and the file reader it shares with the rest of the tool. */
const START = [pathToFileURL(BIN).href, LOADER, ...["files/regular-file.js", "errors.js", "files/small-file-sync.js"].map((f) => pathToFileURL(join(ROOT, "dist", f)).href)];

let dir: string;

const HOOKS = `
import { appendFileSync } from "node:fs";
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(log, r.url + "\\n");
  return r;
}
`;

const REQUIRE_HOOK = `
const Module = require("node:module");
const { appendFileSync } = require("node:fs");
const resolve = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const r = resolve.apply(this, args);
  appendFileSync(process.env.IMGPOLICY_TEST_REQUIRE_LOG, "require:" + r + "\\n");
  return r;
};
`;

/** Runs the CLI with the hooks; returns its exit code, the module URLs it resolved and the files it required ("require:" and the path). */
function runLogged(...args: string[]): Promise<{ code: number; stderr: string; urls: string[] }> {
  const log = join(dir, `modules-${Math.random().toString(36).slice(2)}.log`);
  const register = `import { register } from "node:module"; register(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)}, { data: { log: ${JSON.stringify(log)} } });`;
  return new Promise((resolve) => {
    const argv = ["--require", join(dir, "require-hook.cjs"), "--import", `data:text/javascript,${encodeURIComponent(register)}`, BIN, ...args];
    execFile(process.execPath, argv, { cwd: dir, env: { ...process.env, IMGPOLICY_TEST_REQUIRE_LOG: log } }, async (err, _stdout, stderr) => {
      const text = await readFile(log, "utf8").catch(() => "");
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stderr, urls: [...new Set(text.split("\n").filter(Boolean))] });
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-startup-"));
  await writeFile(join(dir, "hooks.mjs"), HOOKS);
  await writeFile(join(dir, "require-hook.cjs"), REQUIRE_HOOK);
  const image = buildImage({
    layers: [{ files: [{ path: "/etc/passwd", content: "root:x:0:0::/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n" }, { path: "/app", content: "#!/app\n", mode: 0o755 }] }],
    config: { User: "65532:65532", Entrypoint: ["/app"] },
  });
  await writeOciLayout(join(dir, "img"), [{ image, refName: "1" }]);
});
afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

describe("the command line's start-up", () => {
  it("check of a small image runs the bundle and loads no other module file, and not testcontainers", async () => {
    const r = await runLogged("check", "--policy", "base", `oci:${join(dir, "img")}:1`);
    expect(r.stderr).not.toMatch(/Error|at /);
    expect([0, 1]).toContain(r.code);
    const files = r.urls.filter((u) => u.startsWith("file:") || u.startsWith("require:"));
    // a stale bundle (dist/ compiled by tsc alone, after the bundle) would run dist/cli/main.js: run `npm run build`
    expect([...files].sort()).toEqual([...START].sort());
    expect(r.urls.filter((u) => u.includes("testcontainers"))).toEqual([]);
  });

  it("--version and an unknown command load nothing beyond the bundle", async () => {
    const v = await runLogged("--version");
    expect(v.code).toBe(0);
    expect(v.urls.filter((u) => u.startsWith("file:") || u.startsWith("require:")).sort()).toEqual([...START].sort());
    const bad = await runLogged("no-such-command");
    expect(bad.code).toBe(2);
    expect(bad.urls.filter((u) => u.startsWith("file:") || u.startsWith("require:")).sort()).toEqual([...START].sort());
  });

  it("the bundle runs from the code cache the build made (V8 takes it)", async () => {
    const code = `import { cliOf, runBundle } from ${JSON.stringify(LOADER)};
const run = runBundle(${JSON.stringify(BUNDLE)});
process.stderr.write("cached:" + run.cached + "\\n");
const cli = cliOf(run);
void cli.runToExit(() => cli.main([process.argv[0], "imgpolicy", "--version"]));`;
    const out = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
      execFile(process.execPath, ["--input-type=module", "-e", code], (err, stdout, stderr) => (err ? reject(err) : resolve({ stdout, stderr }))),
    );
    expect(out.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(out.stderr).toContain("cached:true");
  });
});
