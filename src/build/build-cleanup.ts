/**
 * What a classic build leaves in the engine, read from its output: each step's result
 * (" ---> 0123456789ab"), except the base image a FROM step names and the images a
 * step found in the cache (they belong to an earlier build).
 */
import { SourceError } from "../errors.js";
import type { EngineClient } from "../inspect/sources/engine-client.js";

const STEP = /^Step \d+\/\d+ : (\S+)/;
const RESULT = /^ ---> ([0-9a-f]{12,64})$/;

/** The short IDs of the images a build made, in the order it made them. */
export function createdImages(log: readonly string[]): string[] {
  const out: string[] = [];
  let keyword = "";
  let cached = false;
  let results = 0;
  for (const line of log) {
    const step = STEP.exec(line);
    if (step) {
      keyword = step[1]!.toUpperCase();
      cached = false;
      results = 0;
      continue;
    }
    if (line === " ---> Using cache") {
      cached = true;
      continue;
    }
    const m = RESULT.exec(line);
    if (!m) continue;
    results++;
    // FROM's first result is the base; later ones come from the base's ONBUILD triggers
    if ((keyword === "FROM" && results === 1) || cached) continue;
    out.push(m[1]!);
  }
  return out;
}

function sameImage(shortId: string, id: string | undefined): boolean {
  return id !== undefined && id.replace(/^sha256:/, "").startsWith(shortId);
}

/**
 * Removes the images a build made, newest first, except `keep` (the result) and any that
 * something else still needs: an image with children or a tag is refused by the engine
 * (or skipped here) and stays. Removing an untagged image also removes its untagged
 * parents, as `docker rmi` does. Best effort: a failure to remove is not an error.
 */
export async function removeCreated(engine: EngineClient, created: readonly string[], keep: string | undefined): Promise<void> {
  for (const id of [...created].reverse()) {
    if (sameImage(id, keep)) continue;
    try {
      const info = await engine.imageInspect(id);
      if ((info.RepoTags ?? []).length > 0) continue;
      await engine.imageRemove(id);
    } catch (err) {
      if (err instanceof SourceError) continue; // gone already, with a child removed before it
      // a conflict (children, a container) leaves it where it is
    }
  }
}
