/**
 * The CLI against a hostile registry (the fault proxy in front of a real one): a
 * garbage or endless layer blob, a huge or deeply nested manifest. Each run ends
 * with exit 2 and one line on stderr (once it exited 0 saying nothing: the layer
 * read never settled), and its peak memory stays under 256 MB (measured with
 * /usr/bin/time when it is there).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { haveRegistry, type FaultPlan, type FaultProxy } from "../../fixtures/registry/index.js";
import { MediaTypes } from "../../src/inspect/image.js";
import { sampleImage, tempDir, useFaultRegistry } from "./helpers.js";

const haveBuild = existsSync("dist/cli/main.js");
const describeIf = haveRegistry() && haveBuild ? describe : describe.skip;
const TIME = "/usr/bin/time";
const haveTime = existsSync(TIME);
const RSS_LIMIT_KB = 256 * 1024;

const built = sampleImage(501, { compression: "gzip" });
const big = built.layers.reduce((a, b) => (b.blob.length > a.blob.length ? b : a));
const blobPath = `/blobs/${big.digest}`;

const rig = useFaultRegistry(built);

interface Run {
  code: number | null;
  stdout: string;
  /** stderr without /usr/bin/time's line. */
  stderr: string;
  /** Peak resident memory in KiB, when measured. */
  maxRssKb?: number;
  hung: boolean;
  ms: number;
}

/** bin/imgpolicy.js with `args`, in an environment of its own, killed after `hardMs`. */
async function cli(args: string[], hardMs = 60_000): Promise<Run> {
  const home = await tempDir("imgpolicy-home-");
  const env = { PATH: process.env.PATH ?? "", HOME: home, DOCKER_CONFIG: join(home, ".docker"), XDG_CACHE_HOME: join(home, ".cache"), DOCKER_HOST: "unix:///nonexistent/docker.sock" };
  const node = [process.execPath, "bin/imgpolicy.js", ...args];
  const [cmd, ...rest] = haveTime ? [TIME, "-f", "@@RSS %M", ...node] : node;
  const t0 = Date.now();
  const child = spawn(cmd!, rest, { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill("SIGKILL");
  }, hardMs);
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  clearTimeout(timer);
  const m = /^@@RSS (\d+)$/m.exec(stderr);
  const text = stderr.replace(/^@@RSS \d+\n?/m, "").replace(/^Command exited with non-zero status \d+\n?/m, "");
  return { code, stdout, stderr: text, hung, ms: Date.now() - t0, ...(m ? { maxRssKb: Number(m[1]) } : {}) };
}

const through = (plan: FaultPlan, upstream?: string): Promise<FaultProxy> => rig.through(plan, upstream);

function expectOneLineFailure(r: Run, tail: RegExp): void {
  expect(r.hung).toBe(false);
  expect(r.code).toBe(2);
  const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^imgpolicy: /);
  expect(lines[0]).toMatch(tail);
  if (r.maxRssKb !== undefined) expect(r.maxRssKb).toBeLessThan(RSS_LIMIT_KB);
}

/** A manifest body `json`, served for the tag "bad" (the proxy answers; the registry never sees it). */
const manifestAt = (body: string | Buffer, type: string = MediaTypes.ociManifest): FaultPlan => [
  { path: "/manifests/bad", fault: { kind: "status", status: 200, headers: { "Content-Type": type }, body } },
];

const figures: string[] = [];
afterAll(() => {
  if (figures.length > 0) console.log(`peak RSS of the CLI:\n${figures.join("\n")}`);
});

describeIf("the CLI against a hostile registry", () => {
  const cases: [string, string[], FaultPlan, RegExp, string[]?][] = [
    ["inspect, a layer blob of noise", ["inspect"], [{ path: blobPath, fault: { kind: "replace", fill: "random" } }], /digest mismatch|cannot decompress/],
    ["check, a layer blob of noise", ["check", "--policy", "base"], [{ path: blobPath, fault: { kind: "replace", fill: "random" } }], /digest mismatch|cannot decompress/],
    ["inspect, a layer blob of zeros", ["inspect"], [{ path: blobPath, fault: { kind: "replace", fill: "zeros" } }], /digest mismatch|cannot decompress/],
    ["inspect, the blob with extra bytes", ["inspect"], [{ path: blobPath, fault: { kind: "append", bytes: 1000, contentLength: "none" } }], /more bytes than the \d+ its descriptor names/],
    ["check, a layer blob that never ends", ["check", "--policy", "base"], [{ path: blobPath, fault: { kind: "endless", bare: true } }], /more bytes than the \d+ its descriptor names/],
    ["check, a layer blob of noise, with the blob cache", ["check", "--policy", "base"], [{ path: blobPath, fault: { kind: "replace", fill: "random" } }], /digest mismatch|cannot decompress/, []],
  ];
  for (const [name, command, plan, tail, cacheArgs] of cases) {
    it(`${name}: exit 2, one line`, async () => {
      const proxy = await through(plan);
      const r = await cli([...command, `docker://${proxy.host}/team/app:1`, ...(cacheArgs ?? ["--no-cache"]), "--quiet"]);
      expectOneLineFailure(r, tail);
      figures.push(`  ${name}: ${r.maxRssKb ?? "?"} KiB, ${r.ms} ms`);
    });
  }

  const deep = 100_000;
  const manifests: [string, () => FaultPlan, RegExp, string?][] = [
    ["a 50 MB manifest", () => manifestAt(Buffer.alloc(50 << 20, 0x20)), /tag bad: the answer is 52428800 bytes, more than the 4194304 allowed$/],
    // the registry's own answer for tag 1 (status, headers), its body going on forever
    ["a manifest that never ends", () => [{ path: "/manifests/1", fault: { kind: "endless", bare: true, fill: "zeros" } }], /tag 1: the answer is more than the 4194304 bytes allowed$/, "1"],
    [
      `a manifest nested ${deep} deep`,
      () => manifestAt(`{"schemaVersion":2,"mediaType":"${MediaTypes.ociManifest}","config":${"[".repeat(deep)}${"]".repeat(deep)},"layers":[]}`),
      /is not read: its JSON is nested more than 100 levels deep$/,
    ],
    [
      "an index whose platform is nested deep",
      () => manifestAt(`{"schemaVersion":2,"manifests":[{"mediaType":"${MediaTypes.ociManifest}","digest":"sha256:${"a".repeat(64)}","size":10,"platform":{"os":${"[".repeat(deep)}${"]".repeat(deep)},"architecture":"amd64"}}]}`, MediaTypes.ociIndex),
      /is not read: its JSON is nested more than 100 levels deep$/,
    ],
  ];
  for (const [name, plan, tail, tag] of manifests) {
    it(`inspect, ${name}: exit 2, one line`, async () => {
      const proxy = await through(plan());
      const r = await cli(["inspect", `docker://${proxy.host}/team/app:${tag ?? "bad"}`, "--no-cache", "--quiet"]);
      expectOneLineFailure(r, tail);
      figures.push(`  ${name}: ${r.maxRssKb ?? "?"} KiB, ${r.ms} ms`);
    });
  }
});
