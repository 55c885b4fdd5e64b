/**
 * Removes runtime-probe containers a crashed or killed process left behind: every
 * container imgpolicy labelled imgpolicy.runtime=1 whose owning process (its owner
 * label, `<hostname>/<pid>`) is gone from this machine. Containers of live processes,
 * and of other machines sharing the engine (whose processes we cannot see), are left
 * alone unless `all` is set, so gc is safe while other probes run.
 *
 * It never removes what imgpolicy did not create. Labels alone cannot show that: a
 * container inherits every label of its image's config, so an image built with
 * `LABEL imgpolicy.runtime=1 imgpolicy.runtime.owner=<host>/<dead pid> …` makes each
 * container a user runs from it carry all of imgpolicy's labels. What the image cannot
 * carry is the run id: imgpolicy sets imgpolicy.runtime.run, on every container it
 * creates, to an id made fresh for the run (its time and 32 random bits, probe.ts),
 * which no image can hold in advance. The engine keeps the image's config, so gc reads
 * it: a container is imgpolicy's only when its run label is set and differs from its
 * image's (a value equal to the image's is, or may be, inherited).
 *
 * Why this and not a secret imgpolicy records somewhere: gc must work from any process
 * on any machine sharing the engine (a CI job cleaning up after a killed one), with no
 * state but the engine's; and the party to guard against is the image's author, who
 * knows the image but never the run id. The failures fall on the safe side: an image
 * that happened to carry the very run id, or whose config is gone (removed with
 * --force while the container stayed), only makes gc leave that container alone.
 * Labels a person gives `docker run --label` are theirs to answer for.
 */
import { hostname } from "node:os";
import { SourceError } from "../errors.js";
import type { EngineClient } from "../engine/client.js";
import { OWNER_LABEL, RUN_LABEL, RUNTIME_LABEL } from "./labels.js";

export interface GcOptions {
  /** Remove every container of imgpolicy's, those of live owners included. */
  all?: boolean;
  /** Only containers of this image (a name or ID the engine knows). */
  image?: string;
}

export interface GcResult {
  removed: string[];
  /** Left alone: their owning process still runs, or runs on another machine. */
  kept: string[];
  /**
   * Left alone as not imgpolicy's: they carry its labels, but imgpolicy did not set them
   * (they came from the image), or their image is gone so it cannot tell. Absent: none.
   */
  foreign?: { id: string; reason: string }[];
  failed: { id: string; reason: string }[];
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // exists, not ours to signal
  }
}

/**
 * Whether the container may still be in use: its owner is a live process on this
 * machine, or a process on another machine (which we cannot check). No owner label: no.
 */
export function ownerMayLive(owner: string | undefined, host = hostname()): boolean {
  const m = owner ? /^(.*)\/(\d+)$/.exec(owner) : null;
  if (!m) return false;
  if (m[1] !== host) return true;
  const pid = Number(m[2]);
  return pid === process.pid || processAlive(pid);
}

type Labels = Record<string, string> | null | undefined;

/**
 * Whether imgpolicy set the container's labels when it created it: its run label is set
 * and is not the value its image's config carries (see the top of this file).
 */
export function labelledByImgpolicy(container: Labels, image: Labels): boolean {
  const run = container?.[RUN_LABEL];
  return run !== undefined && run !== "" && image?.[RUN_LABEL] !== run;
}

/** The image's config labels by image ID, read once per image; null: the image is gone. */
function imageLabelReader(engine: EngineClient): (imageId: string) => Promise<Labels> {
  const seen = new Map<string, Promise<Labels>>();
  return (imageId) => {
    let p = seen.get(imageId);
    if (!p) {
      p = engine.imageInspect(imageId).then(
        (img) => img.Config?.Labels ?? {},
        (err: unknown) => {
          if (err instanceof SourceError) return null; // not in the engine any more
          throw err;
        },
      );
      seen.set(imageId, p);
    }
    return p;
  };
}

export async function gcRuntimeContainers(engine: EngineClient, opts: GcOptions = {}): Promise<GcResult> {
  const foreign: NonNullable<GcResult["foreign"]> = [];
  const result: GcResult = { removed: [], kept: [], foreign, failed: [] };
  const onlyImage = opts.image === undefined ? undefined : (await engine.imageInspect(opts.image)).Id;
  const imageLabels = imageLabelReader(engine);
  for (const c of await engine.listContainers({ all: true, label: `${RUNTIME_LABEL}=1` })) {
    if (onlyImage !== undefined && c.ImageID !== onlyImage) continue;
    let fromImage: Labels;
    try {
      fromImage = c.ImageID ? await imageLabels(c.ImageID) : null;
    } catch (err) {
      result.failed.push({ id: c.Id, reason: `cannot read its image's labels: ${(err as Error).message}` });
      continue;
    }
    if (fromImage === null) {
      foreign.push({ id: c.Id, reason: "its image is gone, so whether imgpolicy created it cannot be told" });
      continue;
    }
    if (!labelledByImgpolicy(c.Labels, fromImage)) {
      foreign.push({ id: c.Id, reason: "its imgpolicy labels come from its image, not from imgpolicy" });
      continue;
    }
    if (!opts.all && ownerMayLive(c.Labels?.[OWNER_LABEL])) {
      result.kept.push(c.Id);
      continue;
    }
    try {
      await engine.removeContainer(c.Id, { force: true, volumes: true });
      result.removed.push(c.Id);
    } catch (err) {
      result.failed.push({ id: c.Id, reason: (err as Error).message });
    }
  }
  return result;
}
