/**
 * The `daemon` source: an image in the local Docker engine, exported through the
 * Engine API (`docker save`), spooled into an unlinked temporary file (at most
 * engineSpoolLimit's bytes, which IMGPOLICY_MAX_SPOOL_MB sets) and read there with the
 * docker-archive reader.
 */
import { ImgpolicyError, SourceError, causeText } from "../../errors.js";
import type { Image, Platform } from "../image.js";
import { engineSpoolLimit } from "../limits.js";
import { spoolToTempFile, type RandomAccessFile } from "../random-access.js";
import { openDockerArchive, shortRef } from "./docker-archive.js";
import { engineClient, type EngineClient } from "../../engine/client.js";
import type { ImageInspect } from "../../engine/types.js";

export interface DaemonOptions {
  /** The engine to ask (default: one from DOCKER_HOST). */
  client?: EngineClient;
  /** Refuse the image unless it is for this platform (the engine keeps one per image). */
  platform?: Platform;
}

/**
 * The name:tag the engine writes in the export's RepoTags for `ref`, when `ref`
 * names the image by tag; undefined for an ID or digest (export by ID then).
 */
export function exportedTag(ref: string, info: Pick<ImageInspect, "RepoTags">): string | undefined {
  if (ref.includes("@")) return undefined;
  const familiar = shortRef(ref);
  return (info.RepoTags ?? []).includes(familiar) ? familiar : undefined;
}

function platformText(p: { os?: string; architecture?: string; variant?: string }): string {
  return [p.os, p.architecture, p.variant].filter((s) => s !== undefined && s !== "").join("/");
}

function checkPlatform(ref: string, info: ImageInspect, want: Platform | undefined): void {
  if (!want) return;
  const have = { os: info.Os, architecture: info.Architecture, variant: info.Variant };
  const mismatch =
    (want.os && want.os !== have.os) ||
    (want.architecture && want.architecture !== have.architecture) ||
    (want.variant && have.variant && want.variant !== have.variant);
  if (mismatch) {
    throw new SourceError(
      `image '${ref}' in the local engine is for ${platformText(have)}, not ${platformText(want)}`,
    );
  }
}

/** An image that closes the spool file after the reader let go of it. */
function owningFile(image: Image, file: RandomAccessFile): Image {
  let closed = false;
  return {
    reference: image.reference,
    mediaType: () => image.mediaType(),
    digest: () => image.digest(),
    rawManifest: () => image.rawManifest(),
    manifest: () => image.manifest(),
    rawConfig: () => image.rawConfig(),
    config: () => image.config(),
    layers: () => image.layers(),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await image.close();
      } finally {
        await file.close();
      }
    },
  };
}

export async function openDaemonImage(ref: string, opts: DaemonOptions = {}): Promise<Image> {
  const client = opts.client ?? engineClient();
  const info = await client.imageInspect(ref); // a SourceError when the engine lacks it
  checkPlatform(ref, info, opts.platform);

  // Export by tag when one was asked for (one manifest entry with that tag),
  // otherwise by ID (one entry, no tags): never a whole repository.
  const tag = exportedTag(ref, info);
  const stream = await client.imageExport(tag ?? info.Id);
  let file: RandomAccessFile;
  try {
    // bounded: an engine (or a proxy in front of it) may send more than the image it reports
    const { maxBytes, why } = engineSpoolLimit(info.Size);
    const tooBig = () => `image '${ref}': the Docker engine's export holds more than ${Math.round(maxBytes / 1048576)} MiB (${why}): not read`;
    file = await spoolToTempFile(stream, `${ref} (exported from the Docker engine)`, maxBytes, tooBig);
  } catch (err) {
    stream.destroy();
    if (err instanceof ImgpolicyError) throw err;
    throw new SourceError(`cannot copy image '${ref}' out of the Docker engine: ${causeText(err)}`, { cause: err });
  }

  try {
    const image = await openDockerArchive(file, {
      reference: ref,
      ...(tag ? { tag } : {}),
      ...(opts.platform ? { platform: opts.platform } : {}),
    });
    return owningFile(image, file);
  } catch (err) {
    await file.close();
    throw err;
  }
}
