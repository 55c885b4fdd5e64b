/**
 * The one place a user's reference becomes an Image:
 *   docker-archive:PATH[:NAME[:TAG]]   a `docker save` tarball (classic or Docker 25+ form)
 *   oci:PATH[:TAG]                     an OCI image layout, directory or tar
 *   docker:NAME[:TAG] | docker-daemon:NAME[:TAG]   the local Docker engine
 *   docker://NAME[:TAG][@DIGEST]       the image's registry (skopeo's spelling)
 *   NAME[:TAG][@DIGEST]                the local engine, then the registry (see `source`);
 *                                      an existing path is read as an archive or layout
 */
import { stat } from "node:fs/promises";
import type { EngineClient } from "../engine/client.js";
import { EngineError, ImgpolicyError, RegistryError, SourceError, UsageError } from "../errors.js";
import type { Image, Platform } from "./image.js";
import { formatPlatform, platformMatches } from "./platform.js";
import type { RegistryOptions } from "./registry/options.js";
import { referenceProblem } from "./registry/reference.js";
import { openDockerArchivePath } from "./sources/docker-archive.js";
import { openOciLayout } from "./sources/oci-layout.js";

export type ParsedReference =
  | { kind: "docker-archive"; path: string; tag?: string }
  | { kind: "oci"; path: string; tag?: string }
  | { kind: "engine"; name: string }
  | { kind: "registry"; name: string }
  /** A plain NAME: the engine or the registry, as `OpenOptions.source` says. */
  | { kind: "name"; name: string };

export type SourceChoice = "auto" | "engine" | "registry";

export interface OpenOptions {
  platform?: Platform;
  /** Where a plain NAME is read: the local engine, its registry, or the engine and then the registry (default). */
  source?: SourceChoice;
  registry?: RegistryOptions;
  /** The engine an engine image is read from (default: the one DOCKER_HOST or the docker context names); check's runtime probe uses it too. */
  engine?: EngineClient;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Splits PATH[:TAG] where PATH may itself hold colons: the longest existing prefix wins. */
async function splitPathTag(rest: string): Promise<{ path: string; tag?: string }> {
  if (await exists(rest)) return { path: rest };
  for (let i = rest.indexOf(":"); i !== -1; i = rest.indexOf(":", i + 1)) {
    const path = rest.slice(0, i);
    if (path && (await exists(path))) return { path, tag: rest.slice(i + 1) };
  }
  return { path: rest };
}

const USAGE = "use NAME[:TAG][@DIGEST], docker://NAME[:TAG], docker-archive:PATH, oci:PATH[:TAG] or docker:NAME[:TAG]";

function registryName(ref: string, name: string): ParsedReference {
  const problem = referenceProblem(name);
  if (problem) throw new UsageError(`'${ref}' is not an image reference (${problem}): ${USAGE}`);
  return { kind: "registry", name };
}

export async function parseReference(ref: string): Promise<ParsedReference> {
  if (!ref) throw new UsageError("empty image reference");
  if (ref.startsWith("docker://")) return registryName(ref, ref.slice("docker://".length));
  const m = /^(docker-archive|oci|oci-archive|docker|docker-daemon):(.*)$/.exec(ref);
  if (m) {
    const [, scheme, rest] = m as unknown as [string, string, string];
    if (!rest) throw new UsageError(`'${ref}': nothing after '${scheme}:'`);
    if (scheme === "docker" || scheme === "docker-daemon") return { kind: "engine", name: rest };
    const { path, tag } = await splitPathTag(rest);
    const kind = scheme === "docker-archive" ? "docker-archive" : "oci";
    return tag ? { kind, path, tag } : { kind, path };
  }
  if (ref.startsWith("/") || ref.startsWith("./") || ref.startsWith("../") || (await exists(ref))) {
    const st = await stat(ref).catch(() => undefined);
    if (!st) throw new UsageError(`'${ref}': no such file or directory`);
    return st.isDirectory() ? { kind: "oci", path: ref } : { kind: "docker-archive", path: ref };
  }
  const problem = referenceProblem(ref);
  if (problem) throw new UsageError(`'${ref}' is not an image reference (${problem}): ${USAGE}`);
  return { kind: "name", name: ref };
}

/** Engine failures after which auto mode asks the registry: the engine answered 404 for the image, or it could not be reached. */
function engineLacksImage(err: unknown): boolean {
  if (err instanceof SourceError) return err.engineStatus === 404;
  return err instanceof EngineError && err.unreachable;
}

async function openFromRegistry(name: string, opts: OpenOptions): Promise<Image> {
  const { openRegistryImage } = await import("./registry/remote-image.js");
  return openRegistryImage(name, { ...(opts.registry ?? {}), ...(opts.platform ? { platform: opts.platform } : {}) });
}

async function openFromEngine(name: string, opts: OpenOptions): Promise<Image> {
  // loaded on demand: only engine references need the engine client
  const { openDaemonImage } = await import("./sources/daemon.js");
  return openDaemonImage(name, { ...(opts.platform ? { platform: opts.platform } : {}), ...(opts.engine ? { client: opts.engine } : {}) });
}

/** Auto mode: the engine first; the registry when the engine lacks the image or cannot be reached. */
async function openByName(name: string, opts: OpenOptions): Promise<Image> {
  let engineError: unknown;
  try {
    return await openFromEngine(name, opts);
  } catch (err) {
    if (!engineLacksImage(err)) throw err;
    engineError = err;
  }
  try {
    return await openFromRegistry(name, opts);
  } catch (err) {
    if (!(err instanceof ImgpolicyError) || err instanceof UsageError) throw err;
    // one line saying both what the engine and what the registry said; the registry's status and codes kept
    const first = engineError instanceof SourceError ? `image '${name}' is not in the local engine` : (engineError as Error).message;
    const answer = err instanceof RegistryError ? { ...(err.status !== undefined ? { status: err.status } : {}), codes: err.codes } : {};
    throw new RegistryError(`${first}, and ${err.message}`, { cause: err, ...answer });
  }
}

/**
 * The image, when it is for the platform asked for. An index chooses by platform; a
 * single image (a docker save, a layout of one manifest) is taken as it is, so its
 * config must say the same, or a gate for arm64 would pass an amd64 image.
 */
async function ofPlatform(image: Image, want: Platform | undefined): Promise<Image> {
  if (!want) return image;
  try {
    const cfg = await image.config();
    const have: Platform = { os: cfg.os, architecture: cfg.architecture, ...(cfg.variant ? { variant: cfg.variant } : {}) };
    if (!platformMatches(have, want)) throw new SourceError(`${image.reference} is for ${formatPlatform(have)}, not ${formatPlatform(want)}`);
    return image;
  } catch (err) {
    await image.close().catch(() => undefined);
    throw err;
  }
}

export async function openImage(ref: string, opts: OpenOptions = {}): Promise<Image> {
  const p = await parseReference(ref);
  const platform = opts.platform ? { platform: opts.platform } : {};
  switch (p.kind) {
    case "docker-archive":
      return ofPlatform(await openDockerArchivePath(p.path, { reference: ref, ...(p.tag ? { tag: p.tag } : {}), ...platform }), opts.platform);
    case "oci":
      return ofPlatform(await openOciLayout(p.path, { reference: ref, ...(p.tag ? { tag: p.tag } : {}), ...platform }), opts.platform);
    case "engine":
      return openFromEngine(p.name, opts);
    case "registry":
      return openFromRegistry(p.name, opts);
    case "name": {
      const source = opts.source ?? "auto";
      if (source === "engine") return openFromEngine(p.name, opts);
      if (source === "registry") return openFromRegistry(p.name, opts);
      return openByName(p.name, opts);
    }
  }
}
