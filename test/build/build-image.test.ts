/**
 * imgpolicy check --build and buildImage() against the real engine (classic builder):
 * the example's multi-stage builds, and every way a build can fail, each with one line
 * and nothing left behind. Every image is labelled imgpolicy.test=1 and removed.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage, ImageBuildError, type BuiltImage } from "../../src/build/build-image.js";
import { SourceError } from "../../src/errors.js";
import { EngineClient } from "../../src/engine/client.js";
import { check } from "../../src/policies/check.js";
import { loadPolicies } from "../../src/policies/load-policy.js";
import { RULES } from "../../src/policies/rules/index.js";
import { pass, type AnyRule } from "../../src/policies/types.js";
import { TEST_LABELS } from "../../fixtures/engine-images.js";
import { runCli } from "../cli/run-cli.js";
import { ensureBases, idsOf, leftovers, makeContext } from "./helpers.js";

const engine = new EngineClient();
const EXAMPLE = "examples/hello-service";
const ALPINE = "imgpolicy-base/alpine-like:3.19";
const GOLANG = "imgpolicy-base/golang:1.19";
const built: BuiltImage[] = [];
let bases: string[] = [];

async function build(context: string, opts: Parameters<typeof buildImage>[1] = {}): Promise<BuiltImage> {
  const b = await buildImage(context, { ...opts, labels: { ...opts.labels, ...TEST_LABELS }, engine });
  built.push(b);
  return b;
}

/** The error a build throws. */
async function buildError(context: string, opts: Parameters<typeof buildImage>[1] = {}): Promise<Error> {
  try {
    await build(context, opts);
  } catch (err) {
    return err as Error;
  }
  throw new Error("the build succeeded");
}

beforeAll(async () => {
  await ensureBases();
  bases = await idsOf(engine, [ALPINE, GOLANG, "imgpolicy-base/static:nonroot"]);
}, 20 * 60_000);

afterAll(async () => {
  for (const b of built) await b.cleanup();
});

describe("buildImage: the example's multi-stage builds", () => {
  it("builds Dockerfile.scratch, which then passes go-scratch with its Dockerfile in the facts", async () => {
    const b = await build(EXAMPLE, { dockerfile: `${EXAMPLE}/Dockerfile.scratch`, buildArgs: { REVISION: "abc1234" } });
    expect(b.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.tag).toMatch(/^imgpolicy-build\/hello-service:scratch-[0-9a-f]{8}$/);
    expect(b.kept).toBe(false);
    expect(b.dockerfile).toMatchObject({ path: `${EXAMPLE}/Dockerfile.scratch`, dockerignore: true });
    expect(b.dockerfile.text).toContain("FROM scratch");
    expect(b.log.some((l) => /^Step \d+\/\d+ : RUN CGO_ENABLED=0/.test(l))).toBe(true);

    const info = await engine.imageInspect(b.tag);
    expect(info.Config?.Labels).toMatchObject({ ...TEST_LABELS, "org.opencontainers.image.revision": "abc1234" });
    expect(info.Config?.User).toBe("65532:65532");

    // the Dockerfile reaches the rules as facts.dockerfile
    let seen: unknown;
    const spy: AnyRule = {
      id: "TEST-DF-SEEN", title: "sees the Dockerfile", category: "dockerfile", severity: "info", description: "", rationale: "", remediation: "",
      optionsSchema: { type: "object" }, defaultOptions: {},
      check(facts) {
        seen = facts.dockerfile;
        return pass();
      },
    };
    const { policy } = await loadPolicies(["go-scratch"]);
    const report = await check([b.tag], { policy: policy!, source: "engine", dockerfile: b.dockerfile, rules: [...RULES, spy] });
    expect(seen).toEqual(b.dockerfile);
    const img = report.images[0]!;
    expect(img.error).toBeUndefined();
    expect(img.passed).toBe(true);
    const failed = img.results.filter((r) => r.status === "fail").map((r) => `${r.rule} ${r.severity}`);
    expect(failed.filter((f) => / (critical|high)$/.test(f))).toEqual([]);

    // the build stage's images are gone already (the last stage's are the image's parents);
    // cleanup removes the image itself and them
    const lastFrom = b.log.findLastIndex((l) => /^Step \d+\/\d+ : FROM /.test(l));
    expect(lastFrom).toBeGreaterThan(0);
    expect(await leftovers(engine, b.log.slice(0, lastFrom), bases)).toEqual([]);
    await b.cleanup();
    await expect(engine.imageInspect(b.tag)).rejects.toBeInstanceOf(SourceError);
    expect(await leftovers(engine, b.log, bases)).toEqual([]);
  });

  it("builds a --target stage, and keeps an image tagged on request", async () => {
    const tag = "imgpolicy-test/build-target:1";
    const b = await build(EXAMPLE, { dockerfile: `${EXAMPLE}/Dockerfile.alpine`, target: "build", tag });
    expect(b.kept).toBe(true);
    const info = await engine.imageInspect(tag);
    expect(info.Config?.Env).toContain("GOPROXY=off"); // the Go builder's stage
    await b.cleanup();
    await expect(engine.imageInspect(tag)).resolves.toBeTruthy(); // kept
    await engine.imageRemove(tag);
  });
});

describe("imgpolicy check --build", () => {
  it("checks the image it built against the policy, with the build on one stderr line; the image is removed", async () => {
    const r = await runCli("check", "--build", EXAMPLE, "--file", `${EXAMPLE}/Dockerfile.distroless`, "--policy", "go-distroless", "--label", "imgpolicy.test=1");
    expect(r.stderr).toMatch(/^build: examples\/hello-service\/Dockerfile\.distroless → imgpolicy-build\/hello-service:distroless-[0-9a-f]{8} \([0-9a-f]{12}\) in [\d.]+ s, removed after the check\n$/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ imgpolicy-build\/hello-service:distroless-/);
    const tag = /(imgpolicy-build\/hello-service:distroless-[0-9a-f]{8})/.exec(r.stderr)![1]!;
    await expect(engine.imageInspect(tag)).rejects.toBeInstanceOf(SourceError);
  });

  it("fails the naive Dockerfile against go-scratch (exit 1), naming what to change", async () => {
    const r = await runCli("check", "--build", EXAMPLE, "--file", `${EXAMPLE}/Dockerfile.naive`, "--policy", "go-scratch", "--label", "imgpolicy.test=1");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/CRITICAL IMG-ENV-001/);
    expect(r.stdout).toMatch(/HIGH +IMG-USER-001/);
    expect(r.stdout).toMatch(/HIGH +IMG-CMD-001/);
  });

  it("refuses --build with image references, and build flags without --build (exit 2)", async () => {
    const a = await runCli("check", "--build", EXAMPLE, "some/image:1");
    expect(a.code).toBe(2);
    expect(a.stderr).toBe("imgpolicy: --build checks the image it builds: check some/image:1 in another run\n");
    const b = await runCli("check", "--file", "Dockerfile", "some/image:1");
    expect(b.code).toBe(2);
    expect(b.stderr).toBe("imgpolicy: --file goes with --build CONTEXT\n");
    const c = await runCli("check", "--build", EXAMPLE, "--build-arg", "=x");
    expect(c.code).toBe(2);
    expect(c.stderr).toBe("imgpolicy: --build-arg: expected KEY=VALUE, found '=x'\n");
  });
});

describe("a build that fails: one line, exit 2, nothing left behind", () => {
  it("a Dockerfile that does not parse names the file and line", async () => {
    const ctx = await makeContext({ Dockerfile: `FROM ${ALPINE}\nFORM oops\nRUN true\n` });
    try {
      const err = await buildError(ctx.dir);
      expect(err).toBeInstanceOf(ImageBuildError);
      expect(err.message).toBe(`cannot build ${ctx.dir}: ${ctx.dir}/Dockerfile:2: unknown instruction: FORM (the Dockerfile does not parse)`);
      const r = await runCli("check", "--build", ctx.dir, "--label", "imgpolicy.test=1");
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(`imgpolicy: ${err.message}\n`);
    } finally {
      await ctx.remove();
    }
  });

  it("a failing step names the step, the Dockerfile line and its last output; its earlier steps' images are removed", async () => {
    const ctx = await makeContext({
      "build/Dockerfile.broken": `FROM ${ALPINE}\n\n# a comment\nRUN echo first > /first\nRUN echo "compiling…" >&2 && \\\n    echo "main.go:3: undefined: nosuch" >&2 && exit 3\nCMD ["/bin/true"]\n`,
    });
    try {
      const file = join(ctx.dir, "build/Dockerfile.broken");
      const err = await buildError(ctx.dir, { dockerfile: file });
      expect(err).toBeInstanceOf(ImageBuildError);
      expect(err.message).toBe(
        `cannot build ${ctx.dir}: ${file}:5: step 3/5 'RUN echo "compiling…" >&2 && echo "main.go:3: undefined: nosuch" >&2 && exit 3' failed with exit code 3; last output: main.go:3: undefined: nosuch`,
      );
      const log = (err as ImageBuildError).log;
      expect(log).toContain("main.go:3: undefined: nosuch");
      expect(log.filter((l) => /^ ---> [0-9a-f]{12}$/.test(l)).length).toBeGreaterThan(1); // step 2 made an image…
      expect(await leftovers(engine, log, bases)).toEqual([]); // …which is gone, with the containers

      // --debug adds the last lines of the build output
      const r = await runCli("--debug", "check", "--build", ctx.dir, "--file", file, "--label", "imgpolicy.test=1");
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^build output \(last \d+ of \d+ lines\):\n/);
      expect(r.stderr).toContain("  main.go:3: undefined: nosuch\n");
      expect(r.stderr).toContain(`step 3/5 'RUN echo "compiling…"`);
    } finally {
      await ctx.remove();
    }
  });

  it("a missing context, a missing Dockerfile: one line each, exit 2", async () => {
    const missing = join(tmpdir(), "imgpolicy-no-such-context");
    const err = await buildError(missing);
    expect(err).toBeInstanceOf(SourceError);
    expect(err.message).toBe(`build context '${missing}' does not exist`);
    const r = await runCli("check", "--build", missing);
    expect(r).toEqual({ code: 2, stdout: "", stderr: `imgpolicy: build context '${missing}' does not exist\n` });

    const ctx = await makeContext({ "main.go": "package main\n" });
    try {
      expect((await buildError(ctx.dir)).message).toBe(`no Dockerfile in the build context '${ctx.dir}' (name one with --file)`);
      const r2 = await runCli("check", "--build", ctx.dir, "--file", join(ctx.dir, "Dockerfile.nope"));
      expect(r2).toEqual({ code: 2, stdout: "", stderr: `imgpolicy: Dockerfile '${join(ctx.dir, "Dockerfile.nope")}' not found\n` });
    } finally {
      await ctx.remove();
    }
  });

  it("a base image that is not present and cannot be pulled: one line, exit 2, the first stage's images removed", async () => {
    const ctx = await makeContext({
      Dockerfile: `ARG MISSING=imgpolicy-test/absent-base:1\nFROM ${ALPINE} AS one\nRUN echo made > /made\n\nFROM \${MISSING}\nCOPY --from=one /made /made\n`,
    });
    try {
      const err = await buildError(ctx.dir);
      expect(err).toBeInstanceOf(ImageBuildError);
      expect(err.message).toMatch(
        new RegExp(`^cannot build ${ctx.dir}: ${ctx.dir}/Dockerfile:5: base image 'imgpolicy-test/absent-base:1' is not in the local engine and could not be pulled: .+$`),
      );
      expect(err.message).not.toContain("\n");
      const log = (err as ImageBuildError).log;
      expect(log.some((l) => /^ ---> Running in /.test(l))).toBe(true); // the first stage ran…
      expect(await leftovers(engine, log, bases)).toEqual([]); // …and left nothing

      const r = await runCli("check", "--build", ctx.dir, "--label", "imgpolicy.test=1");
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^imgpolicy: cannot build .*: base image 'imgpolicy-test\/absent-base:1' is not in the local engine/);
    } finally {
      await ctx.remove();
    }
  });
});

describe("the build context", () => {
  it("honours .dockerignore (exceptions included) and takes a Dockerfile from outside the context", async () => {
    const ctx = await makeContext({
      "app.txt": "app\n",
      "secret.env": "TOKEN=x\n",
      "logs/a.log": "log\n",
      "docs/keep.md": "keep\n",
      "docs/drop.md": "drop\n",
      "node_modules/x/index.js": "x\n",
      ".dockerignore": "# test\n*.env\nlogs/\ndocs\n!docs/keep.md\n**/node_modules\n",
    });
    const outside = await mkdtemp(join(tmpdir(), "imgpolicy-dockerfile-"));
    try {
      const file = join(outside, "Dockerfile.list");
      await writeFile(file, `FROM ${ALPINE}\nCOPY . /ctx/\nRUN cd /ctx && find . -type f | sort | sed 's/^/listed: /'\n`);
      const b = await build(ctx.dir, { dockerfile: file });
      const listed = b.log.filter((l) => l.startsWith("listed: ")).map((l) => l.slice(8));
      expect(listed).toEqual(["./.dockerignore", "./app.txt", "./docs/keep.md"]);
      expect(b.dockerfile).toMatchObject({ path: file, dockerignore: true });
    } finally {
      await ctx.remove();
      await rm(outside, { recursive: true, force: true });
    }
  });
});
