/** Helpers of the build tests: the bases, throw-away contexts, and proof that a build left nothing behind. */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { SourceError } from "../../src/errors.js";
import type { EngineClient } from "../../src/engine/client.js";
import { dockerArchiveTar } from "../../fixtures/docker-archive-writer.js";
import { buildImage } from "../../fixtures/image-builder.js";
import { TEST_LABELS } from "../../fixtures/engine-images.js";
import { DOCKER } from "../../fixtures/conformance/exec.js";

const run = promisify(execFile);

/** scripts/build-bases.sh: quick when the bases are there, minutes the first time (the Go builder). */
export async function ensureBases(): Promise<void> {
  await run("bash", ["scripts/build-bases.sh", "--quiet"], { timeout: 20 * 60_000, maxBuffer: 16 << 20 });
}

/** A context directory made of `files` (path → content); removed by the returned function. */
export async function makeContext(files: Record<string, string>): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "imgpolicy-build-"));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * The images (" ---> 0123456789ab") a build made and the containers (" ---> Running in …")
 * it ran, from its output: not the base image a FROM names, nor a step's image taken from
 * the cache (those belong to the images that made them).
 */
export function idsInLog(log: readonly string[]): { images: string[]; containers: string[] } {
  const images: string[] = [];
  const containers: string[] = [];
  let from = false;
  let cached = false;
  for (const line of log) {
    if (/^Step \d+\/\d+ : /.test(line)) {
      from = /^Step \d+\/\d+ : FROM /i.test(line);
      cached = false;
      continue;
    }
    if (line === " ---> Using cache") cached = true;
    const c = /^ ---> Running in ([0-9a-f]{12,64})$/.exec(line);
    if (c) containers.push(c[1]!);
    const i = /^ ---> ([0-9a-f]{12,64})$/.exec(line);
    if (i && !from && !cached) images.push(i[1]!);
  }
  return { images, containers };
}

async function exists(engine: EngineClient, id: string): Promise<boolean> {
  try {
    await engine.imageInspect(id);
    return true;
  } catch (err) {
    if (err instanceof SourceError) return false;
    throw err;
  }
}

/**
 * What a build left behind: its intermediate containers that still exist (docker ps -a),
 * and the images it printed that still exist, untagged (docker images -a), except `keep`
 * (base images, which the log names after FROM).
 */
export async function leftovers(engine: EngineClient, log: readonly string[], keep: readonly string[] = []): Promise<string[]> {
  const { images, containers } = idsInLog(log);
  const out: string[] = [];
  const all = await engine.listContainers({ all: true });
  for (const c of containers) if (all.some((x) => x.Id.startsWith(c))) out.push(`container ${c}`);
  for (const id of images) {
    if (keep.some((k) => k.replace(/^sha256:/, "").startsWith(id))) continue;
    if (await exists(engine, id)) out.push(`image ${id}`);
  }
  return out;
}

/** The IDs of images by tag (the bases), to tell them from what a build made. */
export async function idsOf(engine: EngineClient, refs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const r of refs) out.push((await engine.imageInspect(r)).Id);
  return out;
}

/** The builders a user builds with: the engine's classic builder, or BuildKit (the 20.10 CLI's own client). */
export type Builder = "classic" | "buildkit";

const builderEnv = (builder: Builder) => ({ ...process.env, DOCKER_BUILDKIT: builder === "classic" ? "0" : "1" });

/**
 * A user's image, built as a user builds one (`docker build`, by default with the classic
 * builder): its ID and the IDs of the steps it stands on above `base` (newest first),
 * which the classic builder keeps as untagged images and as its build cache. BuildKit
 * keeps its cache apart and writes no step images: there are none.
 */
export async function userImage(
  engine: EngineClient,
  dir: string,
  base: string,
  tag?: string,
  opts: { builder?: Builder } = {},
): Promise<{ id: string; steps: string[] }> {
  const { stdout } = await run(DOCKER, ["build", "-q", ...(tag ? ["-t", tag] : []), dir], { timeout: 5 * 60_000, env: builderEnv(opts.builder ?? "classic") });
  const id = stdout.trim();
  const baseId = (await engine.imageInspect(base)).Id;
  const steps: string[] = [];
  for (const h of (await engine.imageHistory(id)).slice(1)) {
    if (h.Id === baseId) break;
    if (/^sha256:[0-9a-f]{64}$/.test(h.Id)) steps.push(h.Id);
  }
  return { id, steps };
}

/**
 * BuildKit builds `dir` again (`--progress=plain`): the image it gave, and the steps it
 * ran rather than took from its cache ("[2/3] RUN …"), which are none when the cache of
 * the first build is whole.
 */
export async function buildkitAgain(dir: string, tag?: string): Promise<{ id: string; ran: string[] }> {
  const { stderr } = await run(DOCKER, ["build", "--progress=plain", ...(tag ? ["-t", tag] : []), dir], { timeout: 5 * 60_000, env: builderEnv("buildkit") });
  const lines = stderr.split("\n");
  const steps = new Map<string, string>();
  const cached = new Set<string>();
  for (const line of lines) {
    const step = /^(#\d+) (\[\d+\/\d+\] .*)$/.exec(line);
    if (step) steps.set(step[1]!, step[2]!);
    const hit = /^(#\d+) CACHED$/.exec(line);
    if (hit) cached.add(hit[1]!);
  }
  const written = /writing image (sha256:[0-9a-f]{64})/.exec(stderr);
  if (!written) throw new Error(`BuildKit named no image: ${lines.slice(-8).join(" | ")}`);
  const ran = [...steps].filter(([n, what]) => !cached.has(n) && !/\] FROM /.test(what)).map(([, what]) => what);
  return { id: written[1]!, ran };
}

/** `docker images -a -q`, whole IDs. */
export async function allImageIds(engine: EngineClient): Promise<Set<string>> {
  return new Set((await engine.listImages({ all: true })).map((i) => i.Id));
}

/** The images carrying `label` ("key=value"), hidden ones included. */
export async function labelled(engine: EngineClient, label: string): Promise<string[]> {
  return (await engine.listImages({ all: true, label })).map((i) => i.Id);
}

/**
 * Removes what a test made itself: `tags` first, then `ids` (give them newest first), one
 * at a time (noprune); goes on past a failure, and throws the first at the end.
 */
export async function removeOwn(engine: EngineClient, tags: readonly string[], ids: readonly string[]): Promise<void> {
  let first: unknown;
  for (const ref of [...tags, ...ids]) {
    try {
      await engine.imageRemove(ref, { noPrune: true });
    } catch (err) {
      if (!(err instanceof SourceError)) first ??= err;
    }
  }
  if (first !== undefined) throw first;
}

/**
 * Loads (docker load) a one-layer image whose config says it was created at `created`
 * (1 January 2099: after any build began; 1970: as SOURCE_DATE_EPOCH=0 dates an image),
 * labelled as a test image and with `marker` (which makes its ID this test's own);
 * untagged unless `tag` is given. Its ID ("sha256:…").
 */
export async function loadDatedImage(engine: EngineClient, created: string, marker: string, tag?: string): Promise<string> {
  const image = buildImage({
    created,
    layers: [{ files: [{ path: "/victim", content: `${marker}\n` }], compression: "none" }],
    config: { Labels: { ...TEST_LABELS, "imgpolicy.test.victim": marker }, Cmd: ["/victim"] },
  });
  const loaded = await engine.imageLoad(dockerArchiveTar([{ image, tags: tag ? [tag] : [] }], { format: "classic" }));
  const ref = loaded.loaded[0];
  if (ref === undefined) throw new Error(`docker load named no image: ${loaded.log.join(" | ")}`);
  return (await engine.imageInspect(ref)).Id;
}
