/**
 * bin/imgpolicy.js runs the bundle `npm run build` makes (scripts/bundle-cli.mjs), and only
 * it: a check of a small image imports its few chunks, not dist/cli/ and the ~300 modules
 * behind it, and never testcontainers (that loads only with --runtime). Every ES module the
 * process resolves is recorded by a resolve hook registered with --import.
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
const BUNDLE = pathToFileURL(join(ROOT, "dist", "cli-bundle")).href + "/";

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

/** Runs the CLI with the resolve hook; returns its exit code and the module URLs it resolved. */
function runLogged(...args: string[]): Promise<{ code: number; stderr: string; urls: string[] }> {
  const log = join(dir, `modules-${Math.random().toString(36).slice(2)}.log`);
  const register = `import { register } from "node:module"; register(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)}, { data: { log: ${JSON.stringify(log)} } });`;
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", `data:text/javascript,${encodeURIComponent(register)}`, BIN, ...args], { cwd: dir }, async (err, _stdout, stderr) => {
      const text = await readFile(log, "utf8").catch(() => "");
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stderr, urls: [...new Set(text.split("\n").filter(Boolean))] });
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-startup-"));
  await writeFile(join(dir, "hooks.mjs"), HOOKS);
  const image = buildImage({
    layers: [{ files: [{ path: "/etc/passwd", content: "root:x:0:0::/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n" }, { path: "/app", content: "#!/app\n", mode: 0o755 }] }],
    config: { User: "65532:65532", Entrypoint: ["/app"] },
  });
  await writeOciLayout(join(dir, "img"), [{ image, refName: "1" }]);
});
afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

describe("the command line's start-up", () => {
  it("check of a small image loads the bundle's chunks and no other module file, and not testcontainers", async () => {
    const r = await runLogged("check", "--policy", "base", `oci:${join(dir, "img")}:1`);
    expect(r.stderr).not.toMatch(/Error|at /);
    expect([0, 1]).toContain(r.code);
    const files = r.urls.filter((u) => u.startsWith("file:"));
    expect(files).toContain(`${BUNDLE}imgpolicy.js`);
    // a stale bundle (dist/ compiled by tsc alone, after the bundle) would run dist/cli/main.js: run `npm run build`
    expect(files.filter((u) => u !== pathToFileURL(BIN).href && !u.startsWith(BUNDLE))).toEqual([]);
    expect(r.urls.filter((u) => u.includes("testcontainers"))).toEqual([]);
  });

  it("--version and an unknown command stay in the bundle's entry chunk", async () => {
    const v = await runLogged("--version");
    expect(v.code).toBe(0);
    expect(v.urls.filter((u) => u.startsWith(BUNDLE))).toEqual([`${BUNDLE}imgpolicy.js`]);
    const bad = await runLogged("no-such-command");
    expect(bad.code).toBe(2);
    expect(bad.urls.filter((u) => u.startsWith(BUNDLE))).toEqual([`${BUNDLE}imgpolicy.js`]);
  });
});
