/**
 * Credentials planted in every text of an image config that outputs show (build-arg
 * records and command lines in the history, labels, Entrypoint/Cmd arguments, the
 * Healthcheck test, ENV) appear in none of `inspect`, `inspect --json` and `check` in
 * each report format. Two images: one built by the engine's classic builder through
 * `/usr/bin/docker build --build-arg` (FROM scratch with the host's static busybox), one
 * generated as a docker-archive with such a config.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage } from "../../fixtures/image-writer.js";
import { writeDockerArchive } from "../../fixtures/docker-archive-writer.js";
import { BUSYBOX_PATH, TEST_LABEL } from "../../fixtures/engine-images.js";
import { FORMATS } from "../../src/policies/report/index.js";

const exec = promisify(execFile);
const DOCKER = "/usr/bin/docker";
const WAIT = 5 * 60_000;

const GHP = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
const NPM = "npm_" + "abcdefghijklmnopqrstuvwxyz0123456789";
const GLPAT = "glpat-" + "abcdefghij1234567890";
const AWS = "AKIA" + "IOSFODNN7EXAMPLE";
const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdEFGHijkl";
/** What must never be printed: each secret, and a distinctive part of it (a prefix would be the redacted form). */
const PLANTED = [GHP, GHP.slice(4, 20), NPM, NPM.slice(4, 20), GLPAT, GLPAT.slice(6), AWS, "IOSFODNN7", JWT, "eyJzdWIiOiIxIn0", "CurlPw123456", "LabelPw999", "Cmd1Secret99", "hunter2hunter2"];

const BIN = join(process.cwd(), "bin", "imgpolicy.js");

/** The real binary, run in the test's directory (report files are placed relative to it). */
async function bin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, [BIN, ...args], { cwd: dir, timeout: WAIT, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw err;
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

function leaks(text: string): string[] {
  return PLANTED.filter((s) => text.includes(s));
}

/**
 * A policy file (SARIF and Code Quality need a file of the repository to point at) with the
 * CIS rules and assertions on the label and CMD that hold secrets: the assertions' findings
 * must not repeat the policy's values either.
 */
function policy(): string {
  return [
    "extends: cis-docker",
    "rules:",
    "  IMG-META-001:",
    "    options:",
    `      labels: [{ key: token, value: "${GHP.slice(0, 10)}x${GHP.slice(11)}" }]`,
    `      cmd: ["--password=Cmd1Secret99x"]`,
    "",
  ].join("\n");
}

/** stdout and stderr of inspect, inspect --json and check in every format. */
async function outputs(ref: string, checkArgs: string[]): Promise<{ what: string; code: number; text: string }[]> {
  const runs: [string, string[]][] = [
    ["inspect", ["inspect", ref]],
    ["inspect --json", ["inspect", "--json", ref]],
    ...FORMATS.map((f): [string, string[]] => [`check --format ${f}`, ["check", ...checkArgs, "--format", f, ref]]),
  ];
  const out: { what: string; code: number; text: string }[] = [];
  for (const [what, args] of runs) {
    const r = await bin(args);
    out.push({ what, code: r.code, text: r.stdout + r.stderr });
  }
  return out;
}

async function expectNoLeak(ref: string, checkArgs: string[]): Promise<string> {
  const all = await outputs(ref, checkArgs);
  for (const o of all) {
    expect(o.code, `${o.what}: ${o.text.slice(0, 300)}`).toBeLessThan(2);
    expect(leaks(o.text), o.what).toEqual([]);
  }
  return all.find((o) => o.what === "inspect --json")!.text;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-redact-"));
  await writeFile(join(dir, "policy.yaml"), policy());
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("a generated docker-archive whose config holds credentials", () => {
  it("shows none of them in inspect, inspect --json, or check in any format", async () => {
    const img = buildImage({
      layers: [
        { files: [{ path: "/hello", content: "#!/bin/true\n", mode: 0o755 }], createdBy: `|2 GITHUB_TOKEN=${GHP} NPM_TOKEN=${NPM} /bin/sh -c echo hi` },
      ],
      emptyLayerHistory: ["/bin/sh -c #(nop) ENV API_KEY=HistApiKey12345678", `RUN curl -u admin:CurlPw123456 https://x/ && git clone https://oauth2:${GLPAT}@gitlab.com/x`],
      config: {
        User: "0",
        Entrypoint: ["/hello"],
        Env: [`GITHUB_TOKEN=${GHP}`, "DB_URL=postgres://admin:LabelPw999@db:5432/x", `MYVAR=${GHP}`, "PASSWORD=hunter2hunter2"],
        Labels: { token: GHP, x: "postgres://u:LabelPw999@h/db", aws: AWS, "org.opencontainers.image.revision": "sha256:" + "ab".repeat(32) },
        Healthcheck: { Test: ["CMD", "/hello", `--token=${GHP}`, "-H", `Authorization: Bearer ${JWT}`] },
        Cmd: ["--password=Cmd1Secret99", "--token", GHP],
      },
    }, { compression: "none" });
    const archive = join(dir, "sec.tar");
    await writeDockerArchive(archive, [{ image: img, tags: ["redact/sec:1"] }], { format: "classic" });
    const facts = JSON.parse(await expectNoLeak(`docker-archive:${archive}`, ["--policy", "policy.yaml"]));
    // redacted, not dropped: what the rules read is there in its redacted form
    // a label that looks secret as an ENV entry would is shown in the display form (IMG-ENV-001 judges it)
    expect(facts.config.labels).toMatchObject({ token: "<github-token gh… 40 chars>", x: "<url-credentials La… 10 chars>", "org.opencontainers.image.revision": "sha256:" + "ab".repeat(32) });
    // (AWS's documented example key is no finding, but the text redaction still hides its shape)
    expect(facts.config.labels.aws).toBe("AK…");
    expect(facts.config.labelSecrets?.map((l: { name: string }) => l.name).sort()).toEqual(["token", "x"]);
    expect(facts.config.cmd).toEqual(["--password=Cm…", "--token", "gh…"]);
    expect(facts.config.healthcheck.test).toEqual(["/hello", "--token=gh…", "-H", "Authorization: Bearer ey…"]);
    expect(facts.image.history[0].createdBy).toBe("|2 GITHUB_TOKEN=gh… NPM_TOKEN=np… /bin/sh -c echo hi");
    expect(facts.image.history[2].createdBy).toBe("RUN curl -u admin:Cu… https://x/ && git clone https://oauth2:gl…@gitlab.com/x");
    expect(facts.entrypoint).toMatchObject({ found: true, program: "/hello", argv: ["/hello", "--password=Cm…", "--token", "gh…"] });
  }, WAIT);
});

const engine = existsSync("/var/run/docker.sock") && existsSync(DOCKER) && existsSync(BUSYBOX_PATH);

describe.runIf(engine)("an image the classic builder made with --build-arg GITHUB_TOKEN=…", () => {
  const tag = `imgpolicy-test/redact-${randomBytes(4).toString("hex")}:1`;
  afterAll(async () => {
    await exec(DOCKER, ["image", "rm", "-f", tag]).catch(() => undefined);
  });

  it("shows none of the credentials in inspect, inspect --json, or check in any format", async () => {
    const ctx = join(dir, "ctx");
    await exec("mkdir", ["-p", ctx]);
    await copyFile(BUSYBOX_PATH, join(ctx, "busybox"));
    await writeFile(join(ctx, "Dockerfile"), [
      "FROM scratch",
      "COPY busybox /bin/busybox",
      "ARG GITHUB_TOKEN",
      "ARG NPM_TOKEN",
      `LABEL token="${GHP}" x="postgres://u:LabelPw999@h/db" aws="${AWS}"`,
      'RUN ["/bin/busybox", "true"]',
      `RUN ["/bin/busybox", "echo", "curl -u admin:CurlPw123456 https://oauth2:${GLPAT}@gitlab.com/x"]`,
      `HEALTHCHECK CMD ["/bin/busybox", "true", "--token=${GHP}", "-H", "Authorization: Bearer ${JWT}"]`,
      'ENTRYPOINT ["/bin/busybox"]',
      `CMD ["true", "--password=Cmd1Secret99", "--token", "${GHP}"]`,
      "",
    ].join("\n"));
    await exec(DOCKER, ["build", "-q", "--label", `${TEST_LABEL}=1`, "--build-arg", `GITHUB_TOKEN=${GHP}`, "--build-arg", `NPM_TOKEN=${NPM}`, "-t", tag, ctx], {
      env: { ...process.env, DOCKER_BUILDKIT: "0" },
      timeout: WAIT,
    });
    // the engine did record them: what the image says is what imgpolicy must not repeat
    const { stdout: history } = await exec(DOCKER, ["history", "--no-trunc", "--format", "{{.CreatedBy}}", tag]);
    expect(history).toContain(`GITHUB_TOKEN=${GHP}`);
    expect(history).toContain(`NPM_TOKEN=${NPM}`);
    const facts = JSON.parse(await expectNoLeak(`docker:${tag}`, ["--policy", "policy.yaml", "--dockerfile", "ctx/Dockerfile"]));
    const steps: string[] = facts.image.history.map((h: { createdBy?: string }) => h.createdBy ?? "");
    expect(steps.some((s) => s.startsWith("|2 GITHUB_TOKEN=gh… NPM_TOKEN=np… /bin/busybox true"))).toBe(true);
    expect(facts.config.cmd).toEqual(["true", "--password=Cm…", "--token", "gh…"]);
  }, WAIT);
});
