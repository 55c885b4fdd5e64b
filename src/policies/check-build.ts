/**
 * The build step of check({ build }) (CLI: check --build CONTEXT): the image is built
 * from the context with the local engine (src/build, loaded only when a check builds),
 * and its Dockerfile, read and parsed once by the build, becomes facts.dockerfile.
 */
import type { BuildImageOptions, BuiltImage } from "../build/build-image.js";
import type { EngineClient } from "../engine/client.js";

export interface CheckBuild extends BuildImageOptions {
  /** The build context directory. `dockerfile` is the Dockerfile's path (default CONTEXT/Dockerfile). */
  context: string;
  /** Told of the image once it is built, before it is checked (the CLI prints one line). */
  onBuilt?: (built: BuiltImage) => void;
}

/**
 * Builds for a check, with `engine` (the check's one client) unless `build.engine` names
 * one; the caller checks `built.tag` from that engine, then calls `built.cleanup()`.
 */
export async function buildForCheck(build: CheckBuild, engine?: EngineClient): Promise<BuiltImage> {
  const { buildImage } = await import("../build/build-image.js");
  const { context, onBuilt, ...opts } = build;
  const chosen = opts.engine ?? engine;
  const built = await buildImage(context, chosen ? { ...opts, engine: chosen } : opts);
  try {
    onBuilt?.(built);
  } catch (err) {
    await built.cleanup();
    throw err;
  }
  return built;
}
