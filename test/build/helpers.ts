/** Helpers of the build tests: the bases, throw-away contexts, and proof that a build left nothing behind. */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { SourceError } from "../../src/errors.js";
import type { EngineClient } from "../../src/inspect/sources/engine-client.js";

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

/**
 * A user's image, built as a user builds one (`docker build`, the classic builder): its ID
 * and the IDs of the steps it stands on above `base` (newest first), which the engine
 * keeps as untagged images and as the build cache.
 */
export async function userImage(engine: EngineClient, dir: string, base: string, tag?: string): Promise<{ id: string; steps: string[] }> {
  const { stdout } = await run("docker", ["build", "-q", ...(tag ? ["-t", tag] : []), dir], { timeout: 5 * 60_000 });
  const id = stdout.trim();
  const baseId = (await engine.imageInspect(base)).Id;
  const steps: string[] = [];
  for (const h of (await engine.imageHistory(id)).slice(1)) {
    if (h.Id === baseId) break;
    steps.push(h.Id);
  }
  return { id, steps };
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
