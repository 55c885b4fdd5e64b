/**
 * Makes sure the image to run is in the engine, without the engine ever pulling. The
 * image is the one the check already opened: when the engine has it (its ID is the
 * config's digest: an image read from the engine, or one loaded before) it runs as it
 * is; otherwise it is streamed from imgpolicy's own reader as a docker-archive and loaded
 * under a temporary tag, which `release()` removes again (only the tag, when the engine
 * had the image under other names too).
 *
 * An abort while the archive is being sent cuts the upload short: the engine then loads
 * nothing (the archive's manifest.json comes last). Once it is all sent, the engine may
 * finish loading even if we hang up, so its answer is awaited and the tag removed.
 */
import { randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import { EngineError, SourceError } from "../errors.js";
import type { ImageInspect } from "../engine/types.js";
import type { ContainerConfig, Image } from "../inspect/image.js";
import { exportedTag } from "../inspect/sources/daemon.js";
import type { EngineClient } from "../engine/client.js";
import { dockerArchiveStream } from "./docker-archive-stream.js";

export interface LoadedImage {
  /** What to run: the name the image was read by (an engine image), its ID, or the temporary tag. */
  ref: string;
  /** The image's config as the engine reports it. */
  config: ContainerConfig;
  /** Whether this call loaded it (and release() will remove it). */
  loaded: boolean;
  release(): Promise<void>;
}

const nothing = async () => undefined;

/** The engine's record of the image, when it has it, else undefined. */
async function inspected(engine: EngineClient, ref: string): Promise<ImageInspect | undefined> {
  try {
    return await engine.imageInspect(ref);
  } catch (err) {
    if (err instanceof SourceError) return undefined;
    throw err;
  }
}

/** The image's config when the engine has the image, else undefined. */
async function present(engine: EngineClient, ref: string): Promise<ContainerConfig | undefined> {
  const info = await inspected(engine, ref);
  return info ? (info.Config ?? {}) : undefined;
}

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

/** The image in the engine, loaded from `image` when the engine lacks it. The caller keeps (and closes) `image`. */
export async function ensureLoaded(engine: EngineClient, image: Image, opts: EnsureLoadedOptions = {}): Promise<LoadedImage> {
  const { signal } = opts;
  signal?.throwIfAborted();
  const configDigest = (await image.manifest()).config.digest;
  // The engine names an image by its config digest: already there means nothing to load.
  const there = await inspected(engine, configDigest);
  if (there) {
    // run by the name it was read from the engine by, when it still has that name (containers then show it)
    const ref = exportedTag(image.reference, there) ?? configDigest;
    return { ref, config: there.Config ?? {}, loaded: false, release: nothing };
  }
  signal?.throwIfAborted();
  const tag = `imgpolicy-runtime/loaded:${configDigest.replace(/^sha256:/, "").slice(0, 12)}-${randomBytes(4).toString("hex")}`;
  let config: ContainerConfig | undefined;
  try {
    const result = await load(engine, dockerArchiveStream(image, tag), signal);
    signal?.throwIfAborted();
    config = await present(engine, tag);
    if (!config) {
      throw new EngineError(`loading ${image.reference} into the engine did not produce '${tag}' (the engine said: ${result.loaded.join(", ") || "nothing"})`);
    }
  } catch (err) {
    // the engine may have loaded it all the same (an abort once it was sent, a failure after)
    await removeTag(engine, tag).catch(() => undefined);
    throw signal?.aborted ? signal.reason : err;
  }
  return { ref: tag, config, loaded: true, release: () => removeTag(engine, tag) };
}
