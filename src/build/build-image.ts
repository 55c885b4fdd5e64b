/**
 * buildImage(): a build context directory and its Dockerfile → an image in the local
 * engine, with the classic builder (the only one Debian's docker.io 20.10 offers without
 * BuildKit). The context is tarred as the Docker CLI does (.dockerignore honoured), the
 * build output is kept (on the result, or on the error) rather than printed, and a failed
 * build is one line naming the step and the Dockerfile line. What the build made is
 * removed, and only that (build-cleanup.ts): the builder removes its containers (forcerm);
 * the images of the steps it ran (those its output names that were not in the engine
 * before it began: not those it found in the cache, nor any a RUN prints) go when the build
 * fails, those of the other stages when it is done, the image and its stage's steps on
 * cleanup(), unless --tag names it. What the build printed is redacted wherever it is
 * passed on (errors, the log, onOutput): the values of build args that look secret, and
 * what looks secret by itself (build-redact.ts).
 */
import { randomBytes } from "node:crypto";
import { stat } from "node:fs/promises";
import { basename, isAbsolute, relative, resolve, sep } from "node:path";
import { SourceError, causeText } from "../errors.js";
import { parseDockerfileFact, type DockerfileFact } from "../dockerfile/dockerfile-fact.js";
import { DockerfileReadError, readDockerfileText } from "../dockerfile/given-dockerfile.js";
import { UnknownTargetError } from "../dockerfile/parse.js";
import { BuildError, EngineClient } from "../engine/client.js";
import { contextTar, listContext, readDockerignoreText, type ExtraFile } from "./context-tar.js";
import { ImageBuildError, describeBuildFailure } from "./build-errors.js";
import { buildRedactor, redactedBuildError, redactedMessage } from "./build-redact.js";
import { createdImages, imageSnapshot, removeCreated, type DebugLog } from "./build-cleanup.js";
import { namesOf, removeTemporaryTag, temporaryTag } from "./build-tag.js";

export { ImageBuildError } from "./build-errors.js";

export interface BuildImageOptions {
  /** The Dockerfile: a path relative to the working directory, or absolute (default CONTEXT/Dockerfile). */
  dockerfile?: string;
  /** The stage to stop at. */
  target?: string;
  buildArgs?: Record<string, string>;
  /** Keep the image under this name; without it the image gets a temporary tag that cleanup() removes. */
  tag?: string;
  labels?: Record<string, string>;
  engine?: EngineClient;
  /** Do not use the engine's build cache. */
  noCache?: boolean;
  /** Each line of build output, as it comes (it is kept on the result and on errors either way). */
  onOutput?: (line: string) => void;
  /** What cleanup left in the engine and why (an image something else uses now): --debug. */
  onDebug?: DebugLog;
}

export interface BuiltImage {
  /** "sha256:…" */
  imageId: string;
  /**
   * The name to check the image by: the tag given, or the temporary one; for an image the
   * build found whole in the cache that has no name (a user's untagged image), its ID.
   */
  tag: string;
  /** Whether the tag was given (cleanup() then leaves the image). */
  kept: boolean;
  /** The build found the whole image in the cache: it was there before, and cleanup() leaves it. */
  fromCache: boolean;
  /**
   * The Dockerfile as given (path as the user wrote it), its text and its parse, made once
   * by the build (facts.dockerfile of the check); `dockerignore`: the context has one;
   * `target` and `buildArgs` as the build was given them (absent when not), so that the
   * Dockerfile rules judge the stage built with the values it got.
   */
  dockerfile: DockerfileFact & { dockerignore: boolean };
  /** Every line of build output (redacted: build-redact.ts). */
  log: string[];
  durationMs: number;
  /**
   * Unless the image was tagged on request: removes the temporary name, then the images
   * this build made that are left (the image, the steps of its stage), each alone. Safe
   * to call more than once.
   */
  cleanup(): Promise<void>;
}

async function isDirectory(path: string): Promise<boolean | undefined> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw new SourceError(`cannot read the build context '${path}': ${causeText(err)}`, { cause: err });
  }
}

/** Builds `context` (a directory) with the local engine. Throws SourceError or ImageBuildError, one line each. */
export async function buildImage(context: string, opts: BuildImageOptions = {}): Promise<BuiltImage> {
  const started = Date.now();
  const contextDir = resolve(context);
  const isDir = await isDirectory(contextDir);
  if (isDir === undefined) throw new SourceError(`build context '${context}' does not exist`);
  if (!isDir) throw new SourceError(`build context '${context}' is not a directory`);

  const dockerfileShown = opts.dockerfile ?? `${context.replace(/\/+$/, "")}/Dockerfile`;
  const dockerfilePath = opts.dockerfile !== undefined ? resolve(opts.dockerfile) : resolve(contextDir, "Dockerfile");
  let text: string;
  try {
    text = await readDockerfileText(dockerfilePath);
  } catch (err) {
    if (!(err instanceof DockerfileReadError)) throw new SourceError(`cannot read Dockerfile '${dockerfileShown}': ${causeText(err)}`, { cause: err });
    if (err.reason === "no such file") {
      throw new SourceError(
        opts.dockerfile !== undefined
          ? `Dockerfile '${opts.dockerfile}' not found`
          : `no Dockerfile in the build context '${context}' (name one with --file)`,
      );
    }
    throw new SourceError(`cannot read Dockerfile '${dockerfileShown}': ${err.reason}`, { cause: err });
  }

  // Inside the context it goes by its path there; from elsewhere it is added, as the CLI does.
  const rel = relative(contextDir, dockerfilePath);
  const inside = rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
  const dockerfileName = inside ? rel.split(sep).join("/") : `.dockerfile.${randomBytes(10).toString("hex")}`;
  const listing = await listContext(contextDir, [dockerfileName, ".dockerignore"]);
  const ignoreFile = listing.entries.find((e) => e.name === ".dockerignore" && e.type === "file");
  const dockerignore = ignoreFile !== undefined;
  let entries = listing.entries;
  const extra: ExtraFile[] = [];
  if (!inside) {
    // As the CLI does: the added Dockerfile is also named in .dockerignore, so that the
    // engine drops it from the context after reading it (COPY . does not see it).
    const ignored = ignoreFile ? await readDockerignoreText(ignoreFile.source) : "";
    entries = entries.filter((e) => e !== ignoreFile);
    extra.push({ name: ".dockerignore", content: Buffer.from(`${ignored}${ignored === "" || ignored.endsWith("\n") ? "" : "\n"}${dockerfileName}\n`) });
    extra.push({ name: dockerfileName, content: Buffer.from(text, "utf8") });
  }

  // The one parse of the Dockerfile: an unknown --target fails before anything is sent,
  // naming the stages there are (the engine would only say it cannot reach it). A
  // Dockerfile our parser rejects is left to the engine, whose error names the step.
  const given: DockerfileFact = { path: dockerfileShown, text, dockerignore };
  if (opts.target !== undefined) given.target = opts.target;
  if (opts.buildArgs !== undefined && Object.keys(opts.buildArgs).length > 0) given.buildArgs = { ...opts.buildArgs };
  const parsed = parseDockerfileFact(given);
  if (parsed.error instanceof UnknownTargetError) throw parsed.error;
  const dockerfile = parsed.fact as BuiltImage["dockerfile"];
  const model = dockerfile.model;
  const engine = opts.engine ?? new EngineClient();
  const kept = opts.tag !== undefined;
  const debug = opts.onDebug;
  const log: string[] = [];
  const redactor = buildRedactor(opts.buildArgs);
  const onOutput = (line: string) => {
    log.push(line);
    opts.onOutput?.(redactor.output(line));
  };

  // what the engine holds before the build: nothing in it is the build's to remove
  const before = await imageSnapshot(engine);
  let result;
  try {
    result = await engine.imageBuild(contextTar(entries, extra), {
      tag: opts.tag, // a temporary name is given after the build, if at all (build-tag.ts)
      dockerfile: dockerfileName,
      target: opts.target,
      buildArgs: opts.buildArgs,
      labels: opts.labels,
      noCache: opts.noCache,
      onOutput,
    });
  } catch (err) {
    const buildLog = err instanceof BuildError && err.log.length > 0 ? err.log : log;
    // the images of the steps that did succeed (also when the engine went away mid-build)
    try {
      await removeCreated(engine, await createdImages(engine, buildLog, before), debug);
    } catch (cleanupErr) {
      debug?.(`build: cannot tell what the failed build made, so nothing was removed: ${causeText(cleanupErr)}`);
    }
    if (!(err instanceof BuildError)) throw err;
    // the step's output is in the message ("last output: …"), the log and the cause: --debug prints all three
    const shown = redactedBuildError(err, redactor);
    const message = describeBuildFailure(shown, { context, dockerfile: dockerfileShown, ...(model ? { model } : {}) });
    throw new ImageBuildError(redactedMessage(message, redactor), buildLog.map(redactor.output), shown);
  }

  const imageId = result.id;
  const created = await createdImages(engine, result.log, before);
  const madeHere = created.includes(imageId);
  const chain = await createdChain(engine, imageId, created);
  // The other stages' images are no part of the image: remove them now.
  await removeCreated(engine, created.filter((c) => !chain.includes(c)), debug);
  let name = opts.tag ?? imageId;
  if (opts.tag === undefined) {
    try {
      if (madeHere || ((await namesOf(engine, imageId)) ?? []).length > 0) {
        const temporary = temporaryTag(contextDir, basename(dockerfilePath));
        await engine.imageTag(imageId, temporary);
        name = temporary;
      }
    } catch (err) {
      await removeCreated(engine, chain, debug);
      throw err;
    }
  }

  let removed = false;
  return {
    imageId,
    tag: name,
    kept,
    fromCache: !madeHere,
    dockerfile,
    log: result.log.map(redactor.output),
    durationMs: Date.now() - started,
    async cleanup() {
      if (kept || removed) return;
      removed = true;
      if (name !== imageId) await removeTemporaryTag(engine, name, imageId, madeHere, debug);
      await removeCreated(engine, chain, debug);
    },
  };
}

/**
 * The images this build created that the image stands on (itself included, when the
 * build made it): they go after the check. Unknown when the engine cannot say: then all.
 */
async function createdChain(engine: EngineClient, imageId: string, created: readonly string[]): Promise<string[]> {
  try {
    const ancestors = (await engine.imageHistory(imageId)).map((h) => h.Id);
    return created.filter((c) => ancestors.includes(c));
  } catch {
    return [...created];
  }
}
