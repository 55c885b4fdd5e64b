/** `imgpolicy gc`: remove the containers runtime checks left behind, and say which. */
import type { GcOptions, GcResult } from "../../runtime/gc.js";
import { escapeText } from "../../text/escape.js";
import { messageLine } from "../exit-code.js";
import type { Io } from "../main.js";

export interface GcFlags {
  all?: boolean;
  image?: string;
}

/** Removes leftovers through `gc` (default: src/runtime/gc.ts with the one engine client, src/engine, on the engine DOCKER_HOST or the docker context names). */
export type Gc = (opts: GcOptions) => Promise<GcResult>;

async function defaultGc(opts: GcOptions): Promise<GcResult> {
  const [{ gcRuntimeContainers }, { EngineClient }] = await Promise.all([import("../../runtime/gc.js"), import("../../engine/client.js")]);
  return gcRuntimeContainers(new EngineClient(), opts);
}

const short = (id: string) => escapeText(id.slice(0, 12));
const containers = (n: number) => `${n} container${n === 1 ? "" : "s"}`;

/**
 * One line per container removed, and per container left alone as not imgpolicy's (its
 * labels came from its image), then a summary; 2 when some could not be removed.
 */
export async function runGc(flags: GcFlags, io: Io, gc: Gc = defaultGc): Promise<number> {
  const opts: GcOptions = {};
  if (flags.all) opts.all = true;
  if (flags.image !== undefined) opts.image = flags.image;
  const r = await gc(opts);
  const foreign = r.foreign ?? [];
  for (const id of r.removed) io.stdout(`removed ${short(id)}\n`);
  for (const f of foreign) io.stdout(`left alone ${short(f.id)}: ${escapeText(f.reason)}\n`);
  for (const f of r.failed) io.stderr(`${messageLine(`could not remove ${short(f.id)}: ${f.reason}`)}\n`);
  const parts = [r.removed.length ? `${containers(r.removed.length)} removed` : "no leftover runtime containers"];
  if (r.kept.length) parts.push(`${containers(r.kept.length)} of imgpolicy runs still in progress kept (--all removes them too)`);
  if (foreign.length) parts.push(`${containers(foreign.length)} with imgpolicy labels imgpolicy did not set left alone`);
  if (r.failed.length) parts.push(`${r.failed.length} could not be removed`);
  io.stdout(`${parts.join("; ")}\n`);
  return r.failed.length ? 2 : 0;
}
