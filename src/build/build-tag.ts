/**
 * The temporary name a built image is checked under when --tag gives none. It is given
 * after the build, and only where removing it later cannot remove an image this run did
 * not make: the engine has no "untag" call, and removing an image's last name removes
 * the image. So an image the build made gets the name (removing it removes the image);
 * an image found whole in the cache that has a name of its own gets it too (removing it
 * only untags); an image found whole in the cache with no name (a user's untagged
 * image) gets none and is checked by its ID.
 */
import { randomBytes } from "node:crypto";
import { basename } from "node:path";
import { SourceError, causeText } from "../errors.js";
import type { EngineClient } from "../engine/client.js";
import { isConflict, shortId, type DebugLog } from "./build-cleanup.js";

/** Repository names are lower case [a-z0-9] words joined by ".", "_", "-". */
function repoWord(text: string, fallback: string): string {
  const w = text.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+|[._-]+$/g, "").replace(/[._-]{2,}/g, "-");
  return w === "" ? fallback : w.slice(0, 64);
}

/** imgpolicy-build/CONTEXT:VARIANT-RANDOM, VARIANT from the Dockerfile's name (Dockerfile.scratch → scratch). */
export function temporaryTag(contextDir: string, dockerfileName: string): string {
  const m = /^(?:Dockerfile|Containerfile)\.(.+)$/i.exec(dockerfileName) ?? /^(.+)\.(?:Dockerfile|Containerfile)$/i.exec(dockerfileName);
  const variant = m ? repoWord(m[1]!, "build") : "build";
  return `imgpolicy-build/${repoWord(basename(contextDir), "context")}:${variant}-${randomBytes(4).toString("hex")}`;
}

/** The image's names ("repo:tag"), or undefined when it is gone. */
export async function namesOf(engine: EngineClient, id: string): Promise<string[] | undefined> {
  try {
    return (await engine.imageInspect(id)).RepoTags ?? [];
  } catch (err) {
    if (err instanceof SourceError) return undefined;
    throw err;
  }
}

/**
 * Removes the temporary name `tag` of image `id` (noprune, no force). When this run made
 * the image, that removes the image too unless something else uses it now (a child, a
 * container, another name: then it stays, said on `debug`). When it did not, the name
 * is removed only while the image keeps another one; were it the last, its removal would
 * remove the image, so the name is left, said on `debug`.
 */
export async function removeTemporaryTag(engine: EngineClient, tag: string, id: string, madeHere: boolean, debug?: DebugLog): Promise<void> {
  if (!madeHere) {
    const names = await namesOf(engine, id);
    if (names === undefined || !names.includes(tag)) return;
    if (names.length === 1) {
      debug?.(`build: left the name ${tag} on image ${shortId(id)}: it is the image's only name, and this run did not make the image`);
      return;
    }
  }
  try {
    await engine.imageRemove(tag, { noPrune: true, force: false });
  } catch (err) {
    if (err instanceof SourceError) return; // gone already
    if (!isConflict(err)) throw err;
    debug?.(`build: left ${tag} (image ${shortId(id)}): ${causeText(err)}`);
  }
}
