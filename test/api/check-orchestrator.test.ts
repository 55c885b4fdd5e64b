/**
 * check() is the one orchestrator: what only the CLI could do (build then check, lint a
 * Dockerfile, a release gate's image list and its shards, --fail-on, the policy found
 * here) a library user does through check() and mergeReports(). The Dockerfile of a
 * check is parsed once: dockerfile-ast's parser is counted (a spy that passes every call
 * through), for a build with a --target, and for a Dockerfile given for two images.
 * The built images are FROM scratch (nothing to pull), labelled imgpolicy.test=1 and
 * removed by the check.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { dockerfileOf } from "../../src/policies/rules/dockerfile-helpers.js";
import {
  check,
  exitStatus,
  mergeReports,
  DockerfileSyntaxError,
  ImageListError,
  PolicyProblemsError,
  UnknownTargetError,
  UsageError,
  type BuiltImage,
  type Facts,
  type Report,
} from "../../src/index.js";
import { TEST_LABELS } from "../../fixtures/engine-images.js";
import { writeFixtureImages, type FixtureImages } from "./fixture-images.js";

const DOCKERFILE = [
  "FROM scratch AS runtime", // 1
  "ARG UID=0", // 2
  "COPY app /app", // 3
  "USER ${UID}", // 4
  'ENTRYPOINT ["/app"]', // 5
  "", // 6
  "FROM runtime AS debug", // 7
  "USER root", // 8
  'ENTRYPOINT ["/app", "--debug"]', // 9
].join("\n");

/** Every parse of a Dockerfile goes through dockerfile-ast's parser: the spy counts them and calls the parser. */
const { DockerfileParser } = createRequire(import.meta.url)("dockerfile-ast") as typeof import("dockerfile-ast");
const parses = vi.spyOn(DockerfileParser, "parse");

let f: FixtureImages;
let ctx: string;
beforeAll(async () => {
  f = await writeFixtureImages("imgpolicy-orchestrator-");
  ctx = join(f.dir, "ctx");
  await mkdir(ctx);
  await writeFile(join(ctx, "Dockerfile"), DOCKERFILE);
  await writeFile(join(ctx, "app"), "#!/app\n");
  await writeFile(join(ctx, ".dockerignore"), "Dockerfile\n");
});
afterAll(() => f?.cleanup());

const resultOf = (report: Report, rule: string) => report.images[0]!.results.find((r) => r.rule === rule);

describe("check({ build }): build, then check the image built", () => {
  it("lints the --target stage with the build args, parses the Dockerfile once, and removes the image", async () => {
    let built: BuiltImage | undefined;
    parses.mockClear();
    const report = await check([], {
      policy: "base",
      build: { context: ctx, target: "RUNTIME", buildArgs: { UID: "65532" }, labels: TEST_LABELS, onBuilt: (b) => (built = b) },
    });
    expect(parses).toHaveBeenCalledTimes(1);
    expect(built?.tag).toMatch(/^imgpolicy-build\//);
    expect(built?.dockerfile.model?.target).toBe(0);
    expect(report.images.map((i) => [i.reference, i.error, i.dockerfile])).toEqual([[built!.tag, undefined, join(ctx, "Dockerfile")]]);
    // the built runtime stage as user 65532: the lint agrees with the image
    expect(resultOf(report, "IMG-DF-007")?.status).toBe("pass");
    expect(resultOf(report, "IMG-DF-015")?.status).toBe("pass");
    expect(resultOf(report, "IMG-DF-016")?.status).toBe("pass");
    // removed after the check: the engine has no such image any more
    const after = await check(built!.tag, "base", { source: "engine" });
    expect(after.images[0]!.error).toMatch(/is not in the local engine/);
  });

  it("an unknown target is thrown before anything is built, naming the stages", async () => {
    let built = false;
    const err = await check([], { policy: "base", build: { context: ctx, target: "prod", labels: TEST_LABELS, onBuilt: () => (built = true) } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownTargetError);
    expect((err as Error).message).toMatch(/--target prod: .*Dockerfile has no stage of that name \(its stages are runtime, debug\)$/);
    expect(built).toBe(false);
  });

  it("refuses options that do not go with a build", async () => {
    await expect(check([f.good], { build: { context: ctx } })).rejects.toThrow(UsageError);
    await expect(check([], { build: { context: ctx }, dockerfile: join(ctx, "Dockerfile") })).rejects.toThrow(/dockerfile goes with images built elsewhere/);
    await expect(check([], { build: { context: ctx }, source: "registry" })).rejects.toThrow(/not from a registry/);
  });
});

describe("check({ dockerfile }): the Dockerfile the images were built from", () => {
  it("is read, parsed once for every image, and judged with the target and build args given", async () => {
    parses.mockClear();
    const report = await check([f.good, f.bad], "base", { dockerfile: { path: join(ctx, "Dockerfile"), target: "runtime", buildArgs: { UID: "65532" } } });
    expect(parses).toHaveBeenCalledTimes(1);
    expect(report.images.map((i) => i.dockerfile)).toEqual([join(ctx, "Dockerfile"), join(ctx, "Dockerfile")]);
    for (const i of report.images) expect(i.results.find((r) => r.rule === "IMG-DF-007")?.status).toBe("pass");
  });

  it("facts made without a parse are parsed where they are read: the counter sees every parse", () => {
    parses.mockClear();
    const df = dockerfileOf({ dockerfile: { path: "Dockerfile", text: DOCKERFILE } } as Facts);
    expect(typeof df).toBe("object");
    expect(parses).toHaveBeenCalledTimes(1);
  });

  it("one that does not parse, or cannot be read, is thrown before any image is read", async () => {
    const broken = join(f.dir, "Broken.Dockerfile");
    await writeFile(broken, "FROM scratch\nCOPPY a b\n");
    const err = await check(f.good, "base", { dockerfile: broken }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerfileSyntaxError);
    expect((err as Error).message).toBe(`${broken}:2: unknown instruction COPPY (did you mean COPY?)`);
    await expect(check(f.good, "base", { dockerfile: join(f.dir, "nope") })).rejects.toThrow(/cannot read the Dockerfile .*nope: no such file/);
  });
});

describe("check({ from }): a release gate's image list", () => {
  it("checks each image against its policy, with failOn over every threshold, in one report", async () => {
    const list = join(f.dir, "gate.yaml");
    await writeFile(list, ["policy: base", "images:", `  - ${f.good}`, `  - image: ${f.bad}`, "    policy: go-scratch"].join("\n"));
    const report = await check([], { from: list });
    expect(report.gate?.list).toBe(list);
    expect(report.images.map((i) => [i.reference, i.passed])).toEqual([
      [f.good, true],
      [f.bad, false],
    ]);
    expect(exitStatus(report)).toBe(1);
    const strict = await check([], { from: list, failOn: "info" });
    expect(strict.failOn).toBe("info");
    expect(strict.images.map((i) => i.passed)).toEqual([false, false]);
  });

  it("splits into shards that mergeReports joins into the whole list's report", async () => {
    const list = join(f.dir, "shards.yaml");
    await writeFile(list, ["policy: base", "images:", `  - ${f.good}`, `  - ${f.bad}`, `  - image: ${f.multi}`, "    platform: linux/arm64"].join("\n"));
    const whole = await check([], { from: list });
    const shards = [await check([], { from: list, shard: { index: 1, count: 2 } }), await check([], { from: list, shard: { index: 2, count: 2 } })];
    expect(shards.map((s) => s.images.length).reduce((a, b) => a + b)).toBe(3);
    const merged = await mergeReports(shards);
    expect(merged.images.map((i) => [i.reference, i.platform, i.passed])).toEqual(whole.images.map((i) => [i.reference, i.platform, i.passed]));
    expect(merged.passed).toBe(whole.passed);
    expect(merged.gate?.shard).toBeUndefined();
  });

  it("throws every problem of a bad list or a bad policy, one a line", async () => {
    const bad = join(f.dir, "bad-list.yaml");
    await writeFile(bad, ["images:", "  - image: 42", "  - imag: x"].join("\n"));
    const err = await check([], { from: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageListError);
    expect((err as ImageListError).lines).toHaveLength(2);
    const badPolicy = join(f.dir, "bad-policy.yaml");
    await writeFile(badPolicy, ["images:", `  - image: ${f.good}`, "    policy: go-scartch"].join("\n"));
    const perr = await check([], { from: badPolicy }).catch((e: unknown) => e);
    expect(perr).toBeInstanceOf(PolicyProblemsError);
    expect((perr as Error).message).toMatch(new RegExp(`^${badPolicy.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3:13: unknown policy 'go-scartch'`));
    await expect(check([f.good], { from: badPolicy })).rejects.toThrow(UsageError);
  });
});

describe("check(refs, opts): the policy as the CLI finds it, and failOn", () => {
  it("without a policy, uses .imgpolicy.yaml here or above (cwd), else base", async () => {
    const repo = await mkdtemp(join(tmpdir(), "imgpolicy-found-"));
    try {
      await mkdir(join(repo, ".git"));
      await mkdir(join(repo, "svc"));
      await writeFile(join(repo, ".imgpolicy.yaml"), "extends: base\nfailOn: critical\nrules:\n  IMG-ENV-001: off\n  IMG-FS-005: off\n");
      const found = await check(f.bad, { cwd: join(repo, "svc") });
      expect(found.policies).toEqual(["../.imgpolicy.yaml"]);
      expect(found.passed).toBe(true);
      await rm(join(repo, ".imgpolicy.yaml"));
      const base = await check(f.bad, { cwd: join(repo, "svc") });
      expect(base.policies).toEqual(["base"]);
      expect(base.passed).toBe(false);
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });

  it("failOn replaces the threshold; an unknown one is a UsageError", async () => {
    expect((await check(f.good, { policy: "base", failOn: "info" })).failOn).toBe("info");
    await expect(check(f.good, { policy: "base", failOn: "severe" as "info" })).rejects.toThrow(/failOn: unknown severity 'severe'/);
    await expect(check(f.good, { policy: "base", concurrency: 0 })).rejects.toThrow(/concurrency: expected a positive whole number/);
  });
});
