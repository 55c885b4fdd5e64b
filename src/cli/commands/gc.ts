/** `imgpolicy gc`: remove the containers runtime checks left behind, and say which. */
import type { Io } from "../main.js";

/** A container `gcRuntimeContainers` removed. */
export interface RemovedContainer {
  id: string;
  name?: string;
  image?: string;
}

/** The signature of `gcRuntimeContainers` in src/runtime/probe.ts. */
export type Gc = (opts: { signal?: AbortSignal }) => Promise<RemovedContainer[]>;

async function loadGc(): Promise<Gc> {
  const { gcRuntimeContainers } = await import("../../runtime/probe.js");
  return gcRuntimeContainers;
}

/** Removes leftovers through `gc` (default: the runtime's own), one line per container, then a count. */
export async function runGc(io: Io, gc?: Gc): Promise<number> {
  const removed = await (gc ?? (await loadGc()))({});
  for (const c of removed) {
    const name = c.name?.replace(/^\//, "");
    io.stdout(`removed ${c.id.slice(0, 12)}${name ? `  ${name}` : ""}${c.image ? `  (${c.image})` : ""}\n`);
  }
  io.stdout(removed.length ? `${removed.length} container${removed.length === 1 ? "" : "s"} removed\n` : "no leftover runtime containers\n");
  return 0;
}
