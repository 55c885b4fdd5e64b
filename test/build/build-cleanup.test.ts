/**
 * What `check --build` removes, against the real engine (classic builder): only what the
 * run created, told by what the engine held before the build began, never by an image's
 * `created` date (its config's claim: 2099, or 1970 as SOURCE_DATE_EPOCH=0 makes it). A
 * user's images, tagged or not, built with the classic builder or BuildKit, and the
 * build caches they stand on survive a build that reuses them or prints their IDs; a
 * good or failed build leaves nothing it created. Each test's
 * Dockerfile gives the images it creates a label of their own (imgpolicy.test.build), so
 * that "what this run created" is exact while other tests use the engine too.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage, ImageBuildError } from "../../src/build/build-image.js";
import { SourceError } from "../../src/errors.js";
import { EngineClient } from "../../src/engine/client.js";
import { BUSYBOX_BASE_TAG, ensureBusyboxBase, TEST_LABELS } from "../../fixtures/engine-images.js";
import { runCli } from "../cli/run-cli.js";
import { allImageIds, buildkitAgain, idsInLog, labelled, leftovers, loadDatedImage, makeContext, removeOwn, userImage, type Builder } from "./helpers.js";

const engine = new EngineClient();
const RUN = randomBytes(4).toString("hex");
const BASE = BUSYBOX_BASE_TAG;
/** What the tests made themselves, oldest first; removed after, newest first. */
const ownTags: string[] = [];
const ownIds: string[] = [];
const contexts: Array<() => Promise<void>> = [];

/** A user's Dockerfile: a couple of steps of its own on the busybox base (its own from the first: no other build's cache). */
const userDockerfile = (name: string) => `FROM ${BASE}\nLABEL imgpolicy.test=1 imgpolicy.test.user=${RUN}-${name}\nRUN echo one > /a\nRUN echo two > /b\n`;
/** The label of the images the run under test creates (its first step of its own). */
const runLabel = (name: string) => `imgpolicy.test.build=${RUN}-${name}`;

async function context(dockerfile: string, files: Record<string, string> = {}): Promise<string> {
  const ctx = await makeContext({ ...files, Dockerfile: dockerfile });
  contexts.push(ctx.remove);
  return ctx.dir;
}

/** The user's image (and the context it was built from), kept for the cleanup after the tests. */
async function user(name: string, tag?: string, builder: Builder = "classic"): Promise<{ id: string; steps: string[]; dir: string }> {
  const dir = await context(userDockerfile(name));
  const img = await userImage(engine, dir, BASE, tag, { builder });
  if (tag) ownTags.push(tag);
  ownIds.push(...[...img.steps].reverse(), img.id);
  return { ...img, dir };
}

/** A RUN's shell command that prints each image's ID, short and whole, as the classic builder prints a step's result. */
const printIds = (ids: readonly string[]) => ids.map((id) => `echo " ---> ${id.slice(7, 19)}" && echo " ---> ${id.slice(7)}"`).join(" && ");

async function exists(ref: string): Promise<boolean> {
  try {
    await engine.imageInspect(ref);
    return true;
  } catch (err) {
    if (err instanceof SourceError) return false;
    throw err;
  }
}

/** Every one of `ids` is still in the engine. */
async function allThere(ids: readonly string[]): Promise<string[]> {
  const after = await allImageIds(engine);
  return ids.filter((id) => !after.has(id));
}

beforeAll(async () => {
  await ensureBusyboxBase(engine);
}, 5 * 60_000);

afterAll(async () => {
  await removeOwn(engine, ownTags, [...ownIds].reverse());
  for (const remove of contexts) await remove();
});

describe("check --build removes only what it created", () => {
  it("(a) a user's tagged image and its cached steps survive a build that reuses them", async () => {
    const tag = `imgpolicy-test/build-user-${RUN}:a`;
    const mine = await user("a", tag);
    expect(mine.steps.length).toBe(2); // LABEL, RUN below the image (RUN), cached for the next build
    const dir = await context(`${userDockerfile("a")}LABEL ${runLabel("a")}\nRUN echo ours > /c\nUSER 65534\n`);

    const r = await runCli("check", "--build", dir, "--label", "imgpolicy.test=1");
    expect(r.stderr).toMatch(/^build: .* → imgpolicy-build\/.+:build-[0-9a-f]{8} \([0-9a-f]{12}\) in [\d.]+ s, removed after the check\n$/);
    expect([0, 1]).toContain(r.code);
    expect((await engine.imageInspect(tag)).Id).toBe(mine.id);
    expect(await allThere([mine.id, ...mine.steps])).toEqual([]);
    expect(await labelled(engine, runLabel("a"))).toEqual([]);

    // the same Dockerfile, found whole in the cache: the temporary name goes, the user's stays
    const again = await runCli("check", "--build", await context(userDockerfile("a")));
    expect(again.stderr).toMatch(/ \([0-9a-f]{12}\) in [\d.]+ s, found whole in the build cache and left there\n$/);
    expect((await engine.imageInspect(mine.id)).RepoTags).toEqual([tag]);
    expect(await allThere([mine.id, ...mine.steps])).toEqual([]);
  });

  it("(b) a user's untagged image that shares the build's steps survives, with its steps", async () => {
    const mine = await user("b");
    expect((await engine.imageInspect(mine.id)).RepoTags ?? []).toEqual([]);
    const dir = await context(`${userDockerfile("b")}LABEL ${runLabel("b")}\nRUN echo ours > /c\n`);

    const r = await runCli("check", "--build", dir, "--label", "imgpolicy.test=1");
    expect(r.stderr).toMatch(/, removed after the check\n$/);
    expect(await allThere([mine.id, ...mine.steps])).toEqual([]);
    expect(await labelled(engine, runLabel("b"))).toEqual([]);

    // found whole in the cache: checked by its ID, given no name (removing it would remove the image)
    const again = await runCli("check", "--build", await context(userDockerfile("b")));
    expect(again.stderr).toBe(`build: ${again.stderr.split(" ")[1]} → ${mine.id} (${mine.id.slice(7, 19)}) in ${/in ([\d.]+) s/.exec(again.stderr)![1]} s, found whole in the build cache and left there\n`);
    expect(again.stdout).toContain(mine.id);
    expect((await engine.imageInspect(mine.id)).RepoTags ?? []).toEqual([]);
    expect(await allThere([mine.id, ...mine.steps])).toEqual([]);
  });

  it("(c) a failed build leaves nothing it created, and the user's images untouched", async () => {
    const tag = `imgpolicy-test/build-user-${RUN}:c`;
    const tagged = await user("c", tag);
    const untagged = await user("c2");
    // the failing build stands on the untagged one: removing its steps with their untagged parents would take it
    const dir = await context(`${userDockerfile("c2")}LABEL ${runLabel("c")}\nRUN echo ours > /c\nRUN echo "no good" >&2 && exit 3\n`);
    const before = await allImageIds(engine);

    let err: unknown;
    try {
      await buildImage(dir, { engine, labels: TEST_LABELS });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ImageBuildError);
    const log = (err as ImageBuildError).log;
    const made = idsInLog(log).images;
    expect(made.length).toBe(2); // LABEL and the first RUN ran; the user's steps came from the cache
    expect(made.filter((id) => [...before].some((b) => b.startsWith(`sha256:${id}`)))).toEqual([]);
    expect(await leftovers(engine, log)).toEqual([]);
    expect(await labelled(engine, runLabel("c"))).toEqual([]);
    expect(await allThere([tagged.id, ...tagged.steps, untagged.id, ...untagged.steps])).toEqual([]);
    expect((await engine.imageInspect(tag)).Id).toBe(tagged.id);

    const r = await runCli("check", "--build", dir, "--label", "imgpolicy.test=1");
    expect(r.code).toBe(2);
    expect(await labelled(engine, runLabel("c"))).toEqual([]);
    expect(await allThere([tagged.id, ...tagged.steps, untagged.id, ...untagged.steps])).toEqual([]);
  });

  it("(d) a good multi-stage build leaves nothing it created: the other stage's images at once, the rest on cleanup", async () => {
    const mine = await user("d");
    const dir = await context(
      `FROM ${BASE} AS build\nLABEL ${runLabel("d")}\nRUN echo built > /built\n\n` +
        `${userDockerfile("d")}LABEL ${runLabel("d")}\nCOPY --from=build /built /built\nRUN cat /built\n`,
    );
    const before = await allImageIds(engine);
    const b = await buildImage(dir, { engine, labels: TEST_LABELS });
    expect(b.fromCache).toBe(false);
    const made = idsInLog(b.log).images; // build stage: LABEL, RUN; final stage: LABEL, COPY, RUN, LABEL (--label)
    const isMade = (id: string) => made.some((m) => id.startsWith(`sha256:${m}`));
    expect(made.length).toBe(6);
    expect([...before].filter(isMade)).toEqual([]); // all new

    // the build stage's RUN is gone already; its LABEL is the final stage's cached parent
    const during = await labelled(engine, runLabel("d"));
    expect(during.every(isMade)).toBe(true);
    expect(during).toContain(b.imageId);
    expect(during).toHaveLength(4);
    expect((await engine.imageInspect(b.tag)).Id).toBe(b.imageId);

    await b.cleanup();
    const after = await allImageIds(engine);
    expect([...after].filter(isMade)).toEqual([]);
    expect(await labelled(engine, runLabel("d"))).toEqual([]);
    expect(await exists(b.tag)).toBe(false);
    expect(await allThere([mine.id, ...mine.steps, (await engine.imageInspect(BASE)).Id])).toEqual([]);
  });

  it("an image something else builds on meanwhile is left where it is, said at --debug, never forced", async () => {
    const dir = await context(`FROM ${BASE}\nLABEL ${runLabel("g")}\nRUN echo ours > /c\n`);
    const said: string[] = [];
    const b = await buildImage(dir, { engine, labels: TEST_LABELS, onDebug: (line) => said.push(line) });
    const made = (await engine.imageHistory(b.imageId)).slice(0, 3).map((h) => h.Id); // LABEL (--label), RUN, LABEL: newest first
    expect([...(await labelled(engine, runLabel("g")))].sort()).toEqual([...made].sort());
    // a user builds on the image before the check is done
    const child = await userImage(engine, await context(`FROM ${b.imageId}\nLABEL imgpolicy.test.user=${RUN}-g\n`), BASE);
    ownIds.push(...[...made].reverse(), child.id);

    await b.cleanup();
    expect(await exists(b.tag)).toBe(false); // the name went
    expect(await allThere([child.id, ...made])).toEqual([]); // the image and its parents stay, for the child
    // newest first: the image, then its parents (each refused for its child: none forced)
    expect(said).toEqual(made.map((id) => `build: left image ${id.slice(7, 19)}: conflict: unable to delete ${id.slice(7, 19)} (cannot be forced) - image has dependent child images`));
  });

  it("the Dockerfile's own output cannot name an image for removal (a RUN that prints a user's image ID as a step result)", async () => {
    const mine = await user("e");
    const victim = mine.id.slice(7, 19);
    const dir = await context(
      `FROM ${BASE}\nLABEL ${runLabel("e")}\nRUN echo " ---> ${victim}" && echo "Step 9/9 : RUN x" && echo " ---> ${mine.steps[0]!.slice(7, 19)}"\n`,
    );
    const b = await buildImage(dir, { engine, labels: TEST_LABELS });
    expect(b.log).toContain(` ---> ${victim}`);
    await b.cleanup();
    expect(await labelled(engine, runLabel("e"))).toEqual([]);
    expect(await allThere([mine.id, ...mine.steps])).toEqual([]);
  });

  // The victim's config says it was created in 2099, after any build began: its own date
  // cannot tell it from what the build made. Untagged, nothing else protects it.
  for (const tagged of [false, true]) {
    it(`an image whose config says it was made in 2099 (${tagged ? "tagged" : "untagged"}), printed by a RUN as a step result, survives; the run's own steps go`, async () => {
      const name = `h${tagged ? "t" : "u"}`;
      const tag = tagged ? `imgpolicy-test/build-victim-${RUN}:${name}` : undefined;
      const victim = await loadDatedImage(engine, "2099-01-01T00:00:00Z", `${RUN}-${name}`, tag);
      if (tag) ownTags.push(tag);
      ownIds.push(victim);
      expect((await engine.imageInspect(victim)).Created).toMatch(/^2099-/);
      const print = printIds([victim]);

      const dir = await context(`FROM ${BASE}\nLABEL ${runLabel(name)}\nRUN ${print}\nRUN echo ours > /c\n`);
      const r = await runCli("check", "--build", dir, "--label", "imgpolicy.test=1");
      expect(r.stderr).toMatch(/, removed after the check\n$/);
      expect(await allThere([victim])).toEqual([]);
      expect(await labelled(engine, runLabel(name))).toEqual([]); // the run's own LABEL, RUN, RUN, LABEL: gone

      // a failed build: the printing step is its last good one, the images before it go
      const failing = await context(`FROM ${BASE}\nLABEL ${runLabel(name)} failing=1\nRUN ${print}\nRUN exit 3\n`);
      const f = await runCli("check", "--build", failing, "--label", "imgpolicy.test=1");
      expect(f.code).toBe(2);
      expect(await allThere([victim])).toEqual([]);
      expect(await labelled(engine, runLabel(name))).toEqual([]);
      if (tag) expect((await engine.imageInspect(tag)).Id).toBe(victim);
    });
  }

  // BuildKit writes no step images and keeps its cache apart from the image store: a
  // user's BuildKit image is that one image, whose ID the Dockerfile can print.
  it("a user's BuildKit images, tagged and untagged, survive a build of the same steps that prints their IDs; BuildKit's cache stays whole", async () => {
    const tag = `imgpolicy-test/build-user-${RUN}:bk`;
    const tagged = await user("bk", tag, "buildkit");
    const untagged = await user("bk2", undefined, "buildkit");
    expect([tagged.steps, untagged.steps]).toEqual([[], []]);
    expect((await engine.imageInspect(untagged.id)).RepoTags ?? []).toEqual([]);

    // the classic builder runs the user's steps anew (BuildKit's cache is not its own), then prints the user's IDs
    const dir = await context(`${userDockerfile("bk")}LABEL ${runLabel("bk")}\nRUN ${printIds([tagged.id, untagged.id])}\n`);
    const r = await runCli("check", "--build", dir, "--label", "imgpolicy.test=1");
    expect(r.stderr).toMatch(/, removed after the check\n$/);
    expect(await allThere([tagged.id, untagged.id])).toEqual([]);
    expect((await engine.imageInspect(tag)).Id).toBe(tagged.id);
    expect(await labelled(engine, runLabel("bk"))).toEqual([]);
    // the build's own images of the user's steps went; the user's image of them stays
    expect(await labelled(engine, `imgpolicy.test.user=${RUN}-bk`)).toEqual([tagged.id]);

    // BuildKit again: every step from its cache, the same images
    expect(await buildkitAgain(tagged.dir, tag)).toEqual({ id: tagged.id, ran: [] });
    expect(await buildkitAgain(untagged.dir)).toEqual({ id: untagged.id, ran: [] });
  });

  // 20.10's builders do not date images by SOURCE_DATE_EPOCH (BuildKit 0.8 ignores it): an
  // image dated 1970, as SOURCE_DATE_EPOCH=0 makes one, is loaded.
  it("a build given SOURCE_DATE_EPOCH=0 over a base dated 1970, printing another 1970 image's ID: what it made goes, good or failed; the 1970 images stay", async () => {
    const baseTag = `imgpolicy-test/build-old-${RUN}:sde`;
    const oldBase = await loadDatedImage(engine, "1970-01-01T00:00:00Z", `${RUN}-sde`, baseTag);
    ownTags.push(baseTag);
    const oldUntagged = await loadDatedImage(engine, "1970-01-01T00:00:00Z", `${RUN}-sde2`);
    ownIds.push(oldBase, oldUntagged);
    for (const id of [oldBase, oldUntagged]) expect((await engine.imageInspect(id)).Created).toMatch(/^1970-01-01T00:00:00/);

    const stages = (last: string) =>
      `FROM ${BASE} AS print\nARG SOURCE_DATE_EPOCH\nLABEL ${runLabel("sde")}\nRUN ${printIds([oldBase, oldUntagged])}\n${last}\n` +
      `FROM ${baseTag}\nARG SOURCE_DATE_EPOCH\nLABEL ${runLabel("sde")}\nCOPY --from=print /etc/passwd /etc/passwd\nCOPY app /app\n`;
    const dir = await context(stages("RUN echo made at $SOURCE_DATE_EPOCH > /made"), { app: "app\n" });
    const r = await runCli("check", "--build", dir, "--build-arg", "SOURCE_DATE_EPOCH=0", "--label", "imgpolicy.test=1");
    expect(r.stderr).toMatch(/, removed after the check\n$/);
    expect(await labelled(engine, runLabel("sde"))).toEqual([]);
    expect(await allThere([oldBase, oldUntagged])).toEqual([]);
    expect((await engine.imageInspect(baseTag)).Id).toBe(oldBase);

    const failing = await context(stages("RUN exit 3"), { app: "app\n" });
    const f = await runCli("check", "--build", failing, "--build-arg", "SOURCE_DATE_EPOCH=0", "--label", "imgpolicy.test=1");
    expect(f.code).toBe(2);
    expect(await labelled(engine, runLabel("sde"))).toEqual([]);
    expect(await allThere([oldBase, oldUntagged])).toEqual([]);
    expect((await engine.imageInspect(baseTag)).Id).toBe(oldBase);
  });

  it("a base's ONBUILD triggers: the images they made, printed or not, are removed; the base stays", async () => {
    const baseTag = `imgpolicy-test/build-onbuild-${RUN}:1`;
    const base = await userImage(
      engine,
      await context(`FROM ${BASE}\nLABEL imgpolicy.test=1 imgpolicy.test.user=${RUN}-f\nONBUILD LABEL ${runLabel("f")}\nONBUILD RUN echo trigger > /t\n`),
      BASE,
      baseTag,
    );
    ownTags.push(baseTag);
    ownIds.push(...[...base.steps].reverse(), base.id);
    const dir = await context(`FROM ${baseTag}\nRUN cat /t\n`);
    const b = await buildImage(dir, { engine, labels: TEST_LABELS });
    expect(b.log).toContain("# Executing 2 build triggers");
    expect(await labelled(engine, runLabel("f"))).toHaveLength(4); // the two triggers', RUN's, LABEL's
    await b.cleanup();
    expect(await labelled(engine, runLabel("f"))).toEqual([]);
    expect(await allThere([base.id, ...base.steps])).toEqual([]);
  });
});
