/**
 * What a classic build made, and its removal. One rule: remove only the images this run
 * created (named by its output, and not in the engine before it began: never told by an
 * image's `created` date, which is its config's claim), one at a time, each with
 * `noprune` (never the engine's default of also removing untagged parents, which are
 * cached steps of earlier builds and may be a user's own untagged images) and without
 * `force`. An image that something else now uses (a child, a container, a name) is left
 * where it is, and said so at --debug.
 */
import { EngineError, SourceError, causeText } from "../errors.js";
import type { EngineClient } from "../engine/client.js";

/** Where cleanup says what it left behind and why (--debug); nothing by default. */
export type DebugLog = (line: string) => void;

const STEP = /^Step \d+\/\d+ : (\S+)/;
const RESULT = /^ ---> ([0-9a-f]{12,64})$/;
const TRIGGERS = /^# Executing (\d+) build triggers?$/;

/** A step's result a build made; `unprinted`: how many of its parents the same step made without printing them. */
export interface CreatedStep {
  id: string;
  unprinted: number;
}

/**
 * The images a build made, in the order it made them, from its output: each step's
 * result (" ---> 0123456789ab"), except the base image a FROM step names and a result
 * found in the cache (" ---> Using cache" before it: an earlier build made it). A FROM
 * whose base has ONBUILD triggers prints no base, and one result for all its triggers:
 * those that did not come from the cache made it and its `unprinted` parents.
 */
export function createdSteps(log: readonly string[]): CreatedStep[] {
  const out: CreatedStep[] = [];
  let from = false;
  let triggers = 0;
  let cached = 0;
  for (const line of log) {
    const step = STEP.exec(line);
    if (step) {
      from = step[1]!.toUpperCase() === "FROM";
      triggers = 0;
      cached = 0;
      continue;
    }
    const t = TRIGGERS.exec(line);
    if (t && from) {
      triggers = Number(t[1]);
      continue;
    }
    if (line === " ---> Using cache") {
      cached++;
      continue;
    }
    const m = RESULT.exec(line);
    if (!m) continue;
    if (from && triggers > 0) {
      const fresh = triggers - cached;
      if (fresh > 0) out.push({ id: m[1]!, unprinted: fresh - 1 });
    } else if (!from && cached === 0) {
      out.push({ id: m[1]!, unprinted: 0 });
    }
    cached = 0;
  }
  return out;
}

/**
 * Every image the engine holds (`docker images -a`: untagged and intermediate ones too),
 * by ID: taken just before a build starts, it is what the build cannot have made.
 */
export async function imageSnapshot(engine: EngineClient): Promise<ReadonlySet<string>> {
  return new Set((await engine.listImages({ all: true })).map((i) => i.Id));
}

/**
 * The IDs ("sha256:…") of the images a build made, oldest first: the results its output
 * names (createdSteps(), with their unprinted parents) that were not in the engine
 * before the build began (`before`, imageSnapshot()).
 *
 * Both are needed. A build's output is the Dockerfile's to write (a RUN can print
 * " ---> 0123456789ab"), so a printed ID alone names any image; and an image's own
 * `created` date is its config's claim (a loaded image can say 2099), so it cannot tell
 * new from old. What was there before the build is the engine's own record. The
 * engine's events do not help here: on 20.10 the classic builder's step commits send
 * none, and its only `aux` message is the final image's ID. Left open: an image another
 * client makes while the build runs, whose ID the build prints (it must be untagged to
 * be removed, removeCreated()).
 */
export async function createdImages(engine: EngineClient, log: readonly string[], before: ReadonlySet<string>): Promise<string[]> {
  const out: string[] = [];
  for (const step of createdSteps(log)) {
    try {
      const info = await engine.imageInspect(step.id);
      if (before.has(info.Id) || out.includes(info.Id)) continue;
      if (step.unprinted > 0) {
        // the engine's own parent chain (history IDs are the engine's record, not the config's)
        const parents = (await engine.imageHistory(info.Id)).slice(1, 1 + step.unprinted);
        for (const p of parents.reverse()) {
          if (/^sha256:[0-9a-f]{64}$/.test(p.Id) && !before.has(p.Id) && !out.includes(p.Id)) out.push(p.Id);
        }
      }
      out.push(info.Id);
    } catch (err) {
      if (!(err instanceof SourceError)) throw err; // gone: nothing to remove
    }
  }
  return out;
}

/** "0123456789ab" of "sha256:0123…". */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}

/** The engine refused because something else uses the image (409: children, a container, several names). */
export function isConflict(err: unknown): boolean {
  return err instanceof EngineError && /\bconflict\b/i.test(err.message);
}

/**
 * Removes the images `created` names (oldest first), newest first, each alone
 * (noprune, no force). An image that has a name now (someone tagged it) is skipped: a
 * removal by ID would take the name with it. Best effort: what cannot be removed is
 * left, with a line on `debug`; an image gone already is fine.
 */
export async function removeCreated(engine: EngineClient, created: readonly string[], debug?: DebugLog): Promise<void> {
  for (const id of [...created].reverse()) {
    try {
      const info = await engine.imageInspect(id);
      const names = [...(info.RepoTags ?? []), ...(info.RepoDigests ?? [])];
      if (names.length > 0) {
        debug?.(`build: left image ${shortId(id)}: it is named ${names.join(", ")} now`);
        continue;
      }
      await engine.imageRemove(info.Id, { noPrune: true, force: false });
    } catch (err) {
      if (err instanceof SourceError) continue; // gone already
      debug?.(`build: left image ${shortId(id)}: ${causeText(err).replace(/^cannot remove image '[^']*': /, "")}`);
    }
  }
}
