/**
 * IMG-FS-007 on an image the real engine builds FROM scratch: a GitHub token in
 * app/config.js, an .npmrc with `_authToken`, a .docker/config.json with `auths` each make
 * one finding naming path, line and layer; `check -p base` fails; no output format (nor
 * inspect) repeats a planted value. The project's example images and bases give none.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_LABEL } from "../../fixtures/engine-images.js";
import { FORMATS } from "../../src/policies/report/index.js";
import { binText, projectImages as listProjectImages } from "./secret-leak-helpers.js";

const exec = promisify(execFile);
const DOCKER = "/usr/bin/docker";
const WAIT = 5 * 60_000;

// made at run time: no token-shaped literal in the source
const GHP = "ghp_" + "Zt8WqRy3Lp0Km5Nc7Vb9Xe2Fh4Jg6Pd1Qs3W".slice(0, 36);
const NPM_AUTH = "Npm" + "AuthV4lue0123456789xyz";
const DOCKER_AUTH = Buffer.from("ci-bot:" + "D0ckerPa55w0rd!").toString("base64");
const PLANTED = [GHP, GHP.slice(4, 20), NPM_AUTH, NPM_AUTH.slice(3, 15), DOCKER_AUTH, DOCKER_AUTH.slice(4, 16), "D0ckerPa55w0rd"];

const bin = (args: string[]) => binText(dir, args, WAIT);

interface JsonFinding { message: string; location?: { path?: string; layer?: number } }
async function contentFindings(ref: string, extra: string[] = []): Promise<{ code: number; findings: JsonFinding[] }> {
  const r = await bin(["check", "-p", "base", ...extra, "--format", "json", ref]);
  const report = JSON.parse(r.text.slice(r.text.indexOf("{"))) as { images: { results: { rule: string; findings: JsonFinding[] }[] }[] };
  const res = report.images[0]!.results.find((x) => x.rule === "IMG-FS-007");
  return { code: r.code, findings: res?.findings ?? [] };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-seccont-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const engine = existsSync("/var/run/docker.sock") && existsSync(DOCKER);

describe.runIf(engine)("IMG-FS-007 on an image the engine builds", () => {
  const tag = `imgpolicy-test/seccont-${randomBytes(4).toString("hex")}:1`;
  beforeAll(async () => {
    const ctx = join(dir, "ctx");
    await mkdir(ctx, { recursive: true });
    await writeFile(join(ctx, "config.js"), `// settings\nmodule.exports = {\n  port: 8080,\n  github: "${GHP}",\n};\n`);
    await writeFile(join(ctx, "npmrc"), `registry=https://registry.example.com/\n//registry.example.com/:_authToken=${NPM_AUTH}\n`);
    await writeFile(join(ctx, "docker-config.json"), JSON.stringify({ auths: { "registry.example.com": { auth: DOCKER_AUTH } } }, null, 2));
    await writeFile(
      join(ctx, "Dockerfile"),
      ["FROM scratch", "COPY config.js /app/config.js", "COPY npmrc /root/.npmrc", "COPY docker-config.json /root/.docker/config.json", ""].join("\n"),
    );
    await exec(DOCKER, ["build", "-q", "--label", `${TEST_LABEL}=1`, "-t", tag, ctx], { env: { ...process.env, DOCKER_BUILDKIT: "1" }, timeout: WAIT });
  }, WAIT);
  afterAll(async () => {
    await exec(DOCKER, ["image", "rm", "-f", tag]).catch(() => undefined);
  });

  it("-p base fails with one finding per leak, naming path, line and layer; no format repeats a value", async () => {
    const { code, findings } = await contentFindings(`docker:${tag}`);
    expect(code).toBe(1);
    const msgs = findings.map((f) => f.message);
    expect(msgs, msgs.join("\n")).toHaveLength(3);
    expect(msgs[0]).toMatch(/^\/app\/config\.js \(layer 1\) line 4 holds github-token <github-token gh… 40 chars> \(value sha256:[0-9a-f]{64}\)\.$/);
    expect(msgs[1]).toMatch(/^\/root\/\.docker\/config\.json \(layer 3\) line 4 holds docker-auth <docker-auth /);
    expect(msgs[2]).toMatch(/^\/root\/\.npmrc \(layer 2\) line 2 holds npm-auth-token <npm-auth-token Np… 25 chars>/);
    expect(findings.map((f) => f.location)).toEqual([
      { path: "/app/config.js", layer: 0 },
      { path: "/root/.docker/config.json", layer: 2 },
      { path: "/root/.npmrc", layer: 1 },
    ]);

    // accept by hash: gone without the value written down
    const sha = /value (sha256:[0-9a-f]{64})/.exec(msgs[0]!)![1]!;
    await writeFile(join(dir, "accept.yaml"), `extends: base\nrules:\n  IMG-FS-007:\n    options:\n      accept: ["${sha}"]\n`);
    const accepted = await contentFindings(`docker:${tag}`, ["-p", "accept.yaml"]);
    expect(accepted.findings.map((f) => f.location?.path)).toEqual(["/root/.docker/config.json", "/root/.npmrc"]);

    const runs: string[][] = [["inspect", `docker:${tag}`], ["inspect", "--json", `docker:${tag}`], ...FORMATS.map((f) => ["check", "-p", "base", "--format", f, `docker:${tag}`])];
    for (const args of runs) {
      const r = await bin(args);
      expect(r.code, `${args.join(" ")}: ${r.text.slice(0, 300)}`).toBeLessThan(2);
      expect(PLANTED.filter((p) => r.text.includes(p)), args.join(" ")).toEqual([]);
    }
  }, WAIT);
});

const projectImages = listProjectImages(DOCKER, Boolean(engine));

describe.runIf(projectImages.length > 0)("IMG-FS-007 on the project's examples and bases", () => {
  it.each(projectImages)("finds nothing in %s", async (ref) => {
    const { findings } = await contentFindings(`docker:${ref}`);
    expect(findings.map((f) => f.message)).toEqual([]);
  }, WAIT);
});
