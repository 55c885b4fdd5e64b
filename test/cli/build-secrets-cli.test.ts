/**
 * A build that fails after printing a secret build arg does not echo it (review of issue 14,
 * item 3): not in the one-line error ("…; last output: …"), not under --debug (the chain of
 * causes and the tail of the build output), not on the error's log. Real engine, classic
 * builder, on the project's base imgpolicy-base/alpine-like:3.19 (busybox sh); every image
 * is labelled imgpolicy.test=1, and the failed build leaves none (build-cleanup.ts).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage, ImageBuildError } from "../../src/build/build-image.js";
import { EngineClient } from "../../src/engine/client.js";
import { TEST_LABEL, TEST_LABELS } from "../../fixtures/engine-images.js";
import { leftovers } from "../build/helpers.js";
import { binText } from "./secret-leak-helpers.js";

const DOCKER = "/usr/bin/docker";
const BASE = "imgpolicy-base/alpine-like:3.19";
const WAIT = 5 * 60_000;
const GHP = "ghp_" + "Wq3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz1Xc3Vb5N";
const PASSWORD = "Tr0ub4dor" + "Pw77";
const PLANTED = [GHP, GHP.slice(4, 20), PASSWORD, PASSWORD.slice(2)];
const DOCKERFILE = [`FROM ${BASE}`, "ARG GITHUB_TOKEN", "ARG DEPLOY_PASSWORD", 'RUN echo "using $GITHUB_TOKEN" && echo "auth failed for $DEPLOY_PASSWORD" && exit 3', ""].join("\n");

const hasBase = (() => {
  if (!existsSync("/var/run/docker.sock") || !existsSync(DOCKER)) return false;
  try {
    execFileSync(DOCKER, ["image", "inspect", BASE], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-build-secrets-"));
  await writeFile(join(dir, "Dockerfile"), DOCKERFILE);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const args = ["--build-arg", `GITHUB_TOKEN=${GHP}`, "--build-arg", `DEPLOY_PASSWORD=${PASSWORD}`];

describe.runIf(hasBase)("a failing build does not echo secret build args", () => {
  it("buildImage: the message, the cause and the log are redacted; nothing is left", async () => {
    const engine = new EngineClient();
    let err: unknown;
    try {
      await buildImage(dir, { buildArgs: { GITHUB_TOKEN: GHP, DEPLOY_PASSWORD: PASSWORD }, labels: TEST_LABELS, engine });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ImageBuildError);
    const e = err as ImageBuildError;
    expect(e.message).toMatch(/\/Dockerfile:4: step 4\/\d+ 'RUN echo "using \$GITHUB_TOKEN" .*' failed with exit code 3; last output: auth failed for Tr…$/);
    expect(e.log).toContain("using gh…");
    const texts = [e.message, e.stack ?? "", ...e.log, String((e.cause as Error).message), (e.cause as Error).stack ?? "", ...((e.cause as { log: string[] }).log ?? [])];
    expect(PLANTED.filter((p) => texts.some((t) => t.includes(p)))).toEqual([]);
    expect(await leftovers(engine, e.log)).toEqual([]);
  }, WAIT);

  it("check --build: one line, exit 2, without the values; --debug neither", async () => {
    const plain = await binText(dir, ["check", "--build", ".", ...args, "--label", `${TEST_LABEL}=1`], WAIT);
    expect(plain.code).toBe(2);
    expect(plain.text).toMatch(/last output: auth failed for Tr…\n$/);
    expect(PLANTED.filter((p) => plain.text.includes(p))).toEqual([]);

    const debug = await binText(dir, ["--debug", "check", "--build", ".", ...args, "--label", `${TEST_LABEL}=1`], WAIT);
    expect(debug.code).toBe(2);
    expect(debug.text).toContain("build output (last");
    expect(debug.text).toContain("  using gh…\n");
    expect(debug.text).toContain("caused by: BuildError");
    expect(PLANTED.filter((p) => debug.text.includes(p))).toEqual([]);
  }, WAIT);
});
