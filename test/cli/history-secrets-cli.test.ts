/**
 * IMG-HIST-007 on images the real engine builds, with the classic builder and with
 * BuildKit: a `--build-arg GITHUB_TOKEN=…` that a RUN uses, `RUN DB_PASSWORD=… ./migrate`
 * and a build secret copied into a layer each make one finding naming its history entry;
 * `check -p base` fails; no output format (nor inspect) repeats a planted value. The
 * project's example images and bases give no finding from the rule.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUSYBOX_PATH, TEST_LABEL } from "../../fixtures/engine-images.js";
import { FORMATS } from "../../src/policies/report/index.js";
import { binText, projectImages as listProjectImages } from "./secret-leak-helpers.js";

const exec = promisify(execFile);
const DOCKER = "/usr/bin/docker";
const WAIT = 5 * 60_000;

const GHP = "ghp_" + "Hq7WrTz2Kp9Lm4Nb6Vc8Xd1Fg3Jk5Ps0Qa2W";
const DB_PASSWORD = "s3cr3t" + "Pw77";
const PLANTED = [GHP, GHP.slice(4, 20), DB_PASSWORD, "3cr3tPw"];

const bin = (args: string[]) => binText(dir, args, WAIT);

interface JsonFinding { message: string; location?: { config?: string; layer?: number; dockerfile?: { file: string; line: number } } }
async function histFindings(ref: string, extra: string[] = []): Promise<{ code: number; findings: JsonFinding[] }> {
  const r = await bin(["check", "-p", "base", ...extra, "--format", "json", ref]);
  const report = JSON.parse(r.text.slice(r.text.indexOf("{"))) as { images: { results: { rule: string; findings: JsonFinding[] }[] }[] };
  const res = report.images[0]!.results.find((x) => x.rule === "IMG-HIST-007");
  return { code: r.code, findings: res?.findings ?? [] };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-histsec-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const engine = existsSync("/var/run/docker.sock") && existsSync(DOCKER) && existsSync(BUSYBOX_PATH);
const DOCKERFILE = [
  "FROM scratch",
  "COPY busybox /bin/sh",
  "COPY migrate /app/migrate",
  "WORKDIR /app",
  "ARG GITHUB_TOKEN",
  'RUN test -n "$GITHUB_TOKEN"',
  `RUN DB_PASSWORD=${DB_PASSWORD} ./migrate`,
  "RUN cat /run/secrets/npmrc > /app/.npmrc 2>/dev/null || true",
  "USER 65534:65534",
  'ENTRYPOINT ["/bin/sh"]',
  "",
].join("\n");

describe.runIf(engine)("IMG-HIST-007 on images the engine builds", () => {
  const id = randomBytes(4).toString("hex");
  const tags = { legacy: `imgpolicy-test/histsec-legacy-${id}:1`, buildkit: `imgpolicy-test/histsec-bk-${id}:1` };
  let ctx: string;
  beforeAll(async () => {
    ctx = join(dir, "ctx");
    await mkdir(ctx, { recursive: true });
    await copyFile(BUSYBOX_PATH, join(ctx, "busybox"));
    await writeFile(join(ctx, "migrate"), "#!/bin/sh\ntest -n \"$DB_PASSWORD\"\n", { mode: 0o755 });
    await writeFile(join(ctx, "Dockerfile"), DOCKERFILE);
    for (const [builder, tag] of Object.entries(tags)) {
      await exec(DOCKER, ["build", "-q", "--label", `${TEST_LABEL}=1`, "--build-arg", `GITHUB_TOKEN=${GHP}`, "-t", tag, ctx], {
        env: { ...process.env, DOCKER_BUILDKIT: builder === "buildkit" ? "1" : "0" },
        timeout: WAIT,
      });
    }
  }, WAIT);
  afterAll(async () => {
    for (const tag of Object.values(tags)) await exec(DOCKER, ["image", "rm", "-f", tag]).catch(() => undefined);
  });

  for (const builder of ["legacy", "buildkit"] as const) {
    it(`${builder}: -p base fails with one finding per leak, naming the history entry; no format repeats a value`, async () => {
      const tag = tags[builder];
      const { stdout: history } = await exec(DOCKER, ["history", "--no-trunc", "--format", "{{.CreatedBy}}", tag]);
      expect(history).toContain(`GITHUB_TOKEN=${GHP}`);
      expect(history).toContain(`DB_PASSWORD=${DB_PASSWORD}`);

      const { code, findings } = await histFindings(`docker:${tag}`);
      expect(code).toBe(1);
      const msgs = findings.map((f) => f.message);
      expect(msgs, msgs.join("\n")).toHaveLength(3);
      expect(msgs[0]).toMatch(/^history entry \d+( \(layer \d+\))? records a secret: build arg GITHUB_TOKEN=<github-token gh… 40 chars> \(value looks like a GitHub token; value sha256:[0-9a-f]{64}\); also in history entries \d+, \d+\.$/);
      expect(msgs[1]).toMatch(/^history entry \d+( \(layer \d+\))? records a secret: RUN assignment DB_PASSWORD=<password s3… 10 chars> \(key name contains 'PASSWORD'; value sha256:[0-9a-f]{64}\)\.$/);
      expect(msgs[2]).toMatch(/^history entry \d+( \(layer \d+\))? records a secret: build secret \/run\/secrets\/npmrc copied into a layer \(a RUN copies the build secret/);
      for (const f of findings) expect(f.location?.config).toMatch(/^history\[\d+\]$/);

      // the Dockerfile given: its line
      const withDf = await histFindings(`docker:${tag}`, ["--dockerfile", join(ctx, "Dockerfile")]);
      expect(withDf.findings.map((f) => f.location?.dockerfile?.line)).toEqual([5, 7, 8]);

      // accept by hash: the finding is gone without the value being written down
      const sha = /value (sha256:[0-9a-f]{64})/.exec(msgs[1]!)![1]!;
      await writeFile(join(dir, "accept.yaml"), `extends: base\nrules:\n  IMG-HIST-007:\n    options:\n      accept: ["${sha}"]\n`);
      const accepted = await histFindings(`docker:${tag}`, ["-p", "accept.yaml"]);
      expect(accepted.findings.map((f) => f.message).some((m) => m.includes("DB_PASSWORD"))).toBe(false);
      expect(accepted.findings).toHaveLength(2);

      const runs: string[][] = [["inspect", `docker:${tag}`], ["inspect", "--json", `docker:${tag}`], ...FORMATS.map((f) => ["check", "-p", "base", "--format", f, `docker:${tag}`])];
      for (const args of runs) {
        const r = await bin(args);
        expect(r.code, `${args.join(" ")}: ${r.text.slice(0, 300)}`).toBeLessThan(2);
        expect(PLANTED.filter((p) => r.text.includes(p)), args.join(" ")).toEqual([]);
      }
    }, WAIT);
  }
});

const projectImages = listProjectImages(DOCKER, Boolean(engine));

describe.runIf(projectImages.length > 0)("IMG-HIST-007 on the project's examples and bases", () => {
  it.each(projectImages)("finds nothing in %s", async (ref) => {
    const { findings } = await histFindings(`docker:${ref}`);
    expect(findings.map((f) => f.message)).toEqual([]);
  }, WAIT);
});
