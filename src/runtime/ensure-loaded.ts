/**
 * Makes sure the image to run is in the engine, without ever pulling. An engine
 * reference must already be there; a docker-archive or OCI layout (directory or tar) is
 * read with imgpolicy's own readers and loaded as a docker-archive stream under a
 * temporary tag, which `release()` removes again (only the tag, when the engine had the
 * image under other names too).
 *
 * An abort while the archive is being sent cuts the upload short: the engine then loads
 * nothing (the archive's manifest.json comes last). Once it is all sent, the engine may
 * finish loading even if we hang up, so its answer is awaited and the tag removed.
 */
import { randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import { EngineError, SourceError } from "../errors.js";
import { openImage, parseReference } from "../inspect/resolve.js";
import type { ContainerConfig } from "../inspect/image.js";
import type { EngineClient } from "../inspect/sources/engine-client.js";
import { dockerArchiveStream } from "./docker-archive-stream.js";

export interface LoadedImage {
  /** What to run: the engine name as given, the image ID, or the temporary tag. */
  ref: string;
  /** The image's config as the engine reports it. */
  config: ContainerConfig;
  /** Whether this call loaded it (and release() will remove it). */
  loaded: boolean;
  release(): Promise<void>;
}

const nothing = async () => undefined;

/** The image's config when the engine has the image, else undefined. */
async function present(engine: EngineClient, ref: string): Promise<ContainerConfig | undefined> {
  try {
    return (await engine.imageInspect(ref)).Config ?? {};
  } catch (err) {
    if (err instanceof SourceError) return undefined;
    throw err;
  }
}

const NEVER_PULLS =
  "the runtime probe never pulls: load it into the engine first, or give the image as docker-archive:PATH or oci:PATH";

export interface EnsureLoadedOptions {
  /** Stops a load in progress; a loaded image is removed again, and the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Removes the temporary tag (only the tag, when the engine has the image under other names too). */
async function removeTag(engine: EngineClient, tag: string): Promise<void> {
  try {
    await engine.imageRemove(tag, { force: false });
  } catch (err) {
    if (!(err instanceof SourceError)) throw err;
  }
}

/** POST /images/load of `body`; an abort destroys the body while it is still being sent. */
async function load(engine: EngineClient, body: Readable, signal: AbortSignal | undefined) {
  const cut = () => {
    if (!body.readableEnded) body.destroy(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
  };
  signal?.addEventListener("abort", cut, { once: true });
  try {
    return await engine.imageLoad(body);
  } finally {
    signal?.removeEventListener("abort", cut);
  }
}

export async function ensureLoaded(engine: EngineClient, reference: string, opts: EnsureLoadedOptions = {}): Promise<LoadedImage> {
  const { signal } = opts;
  signal?.throwIfAborted();
  const parsed = await parseReference(reference);
  if (parsed.kind === "registry") throw new SourceError(`'${reference}' names a registry image: ${NEVER_PULLS}`);
  if (parsed.kind === "engine" || parsed.kind === "name") {
    const config = await present(engine, parsed.name);
    if (!config) throw new SourceError(`image '${parsed.name}' is not in the engine at ${engine.host}; ${NEVER_PULLS}`);
    return { ref: parsed.name, config, loaded: false, release: nothing };
  }

  const image = await openImage(reference);
  try {
    const configDigest = (await image.manifest()).config.digest;
    // The engine names an image by its config digest: already there means nothing to load.
    const there = await present(engine, configDigest);
    if (there) return { ref: configDigest, config: there, loaded: false, release: nothing };
    signal?.throwIfAborted();
    const tag = `imgpolicy-runtime/loaded:${configDigest.replace(/^sha256:/, "").slice(0, 12)}-${randomBytes(4).toString("hex")}`;
    let config: ContainerConfig | undefined;
    try {
      const result = await load(engine, dockerArchiveStream(image, tag), signal);
      signal?.throwIfAborted();
      config = await present(engine, tag);
      if (!config) {
        throw new EngineError(`loading ${reference} into the engine did not produce '${tag}' (the engine said: ${result.loaded.join(", ") || "nothing"})`);
      }
    } catch (err) {
      // the engine may have loaded it all the same (an abort once it was sent, a failure after)
      await removeTag(engine, tag).catch(() => undefined);
      throw signal?.aborted ? signal.reason : err;
    }
    return { ref: tag, config, loaded: true, release: () => removeTag(engine, tag) };
  } finally {
    await image.close();
  }
}
