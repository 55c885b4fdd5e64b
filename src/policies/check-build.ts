/**
 * The build step of check({ build }) (CLI: check --build CONTEXT): the image is built
 * from the context with the local engine (src/build, loaded only when a check builds),
 * and its Dockerfile, read and parsed once by the build, becomes facts.dockerfile.
 */
import type { BuildImageOptions, BuiltImage } from "../build/build-image.js";

export interface CheckBuild extends BuildImageOptions {
  /** The build context directory. `dockerfile` is the Dockerfile's path (default CONTEXT/Dockerfile). */
  context: string;
  /** Told of the image once it is built, before it is checked (the CLI prints one line). */
  onBuilt?: (built: BuiltImage) => void;
}

/** Builds for a check; the caller checks `built.tag` from the engine, then calls `built.cleanup()`. */
export async function buildForCheck(build: CheckBuild): Promise<BuiltImage> {
  const { buildImage } = await import("../build/build-image.js");
  const { context, onBuilt, ...opts } = build;
  const built = await buildImage(context, opts);
  try {
    onBuilt?.(built);
  } catch (err) {
    await built.cleanup();
    throw err;
  }
  return built;
}
