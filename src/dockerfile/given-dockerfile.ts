/**
 * The Dockerfile a check is given for images built elsewhere (check()'s `dockerfile`
 * option, CLI --dockerfile): read (unless its text is given) through the one bounded
 * reader, its .dockerignore looked for beside it (the usual build context; not found
 * there, whether the context has one is not known), and parsed once. One that does not
 * parse, or whose --target names no stage, is an error before any image is read.
 */
import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { UsageError } from "../errors.js";
import { FileReadError, readRegularFile } from "../files/regular-file.js";
import { parseDockerfileFact, type DockerfileFact } from "./dockerfile-fact.js";
import { MAX_DOCKERFILE_BYTES } from "./limits.js";

/**
 * A Dockerfile path, or the fact's fields: without `text`, the file at `path` is read; a
 * fact parsed already (a build's `dockerfile`) is taken as it is.
 */
export type DockerfileInput = string | DockerfileFact | (Omit<DockerfileFact, "text" | "model" | "problem"> & { text?: string });

/** A Dockerfile that cannot be read: `reason` completes "PATH: …" ("no such file"). */
export class DockerfileReadError extends UsageError {
  constructor(
    readonly path: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot read the Dockerfile ${path}: ${reason}`, options);
  }
}

/** The text of the Dockerfile at `path`; a DockerfileReadError when it cannot be read. */
export async function readDockerfileText(path: string): Promise<string> {
  try {
    return (await readRegularFile(path, MAX_DOCKERFILE_BYTES, "Dockerfiles")).toString("utf8");
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    const missing = (err.cause as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
    throw new DockerfileReadError(path, missing ? "no such file" : err.reason, { cause: err });
  }
}

/** The given Dockerfile as the facts carry it, parsed. Throws DockerfileReadError, DockerfileSyntaxError or UnknownTargetError. */
export async function givenDockerfile(input: DockerfileInput): Promise<DockerfileFact> {
  const given: Exclude<DockerfileInput, string> = typeof input === "string" ? { path: input } : input;
  const parsedAlready = given as Partial<DockerfileFact>;
  if (given.text !== undefined && (parsedAlready.model !== undefined || parsedAlready.problem !== undefined)) return given as DockerfileFact;
  const text = given.text ?? (await readDockerfileText(given.path));
  const dockerignore = given.dockerignore ?? (given.text === undefined ? await hasDockerignore(given.path) : undefined);
  const fact: DockerfileFact = { path: given.path, text };
  if (dockerignore !== undefined) fact.dockerignore = dockerignore;
  if (given.target !== undefined) fact.target = given.target;
  if (given.buildArgs !== undefined && Object.keys(given.buildArgs).length > 0) fact.buildArgs = { ...given.buildArgs };
  const parsed = parseDockerfileFact(fact);
  if (parsed.error) throw parsed.error;
  return parsed.fact;
}

/** True when a .dockerignore is beside the Dockerfile; undefined when not (the context may be elsewhere). */
async function hasDockerignore(path: string): Promise<true | undefined> {
  const found = await stat(join(dirname(path), ".dockerignore")).then((s) => s.isFile(), () => false);
  return found ? true : undefined;
}
