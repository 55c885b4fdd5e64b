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
