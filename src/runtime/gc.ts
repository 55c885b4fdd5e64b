/**
 * Removes runtime-probe containers a crashed or killed process left behind: every
 * container labelled imgpolicy.runtime=1 whose owning process (its owner label,
 * `<hostname>/<pid>`) is gone from this machine. Containers of live processes, and of
 * other machines sharing the engine (whose processes we cannot see), are left alone
 * unless `all` is set, so gc is safe while other probes run.
 */
import { hostname } from "node:os";
import type { EngineClient } from "../inspect/sources/engine-client.js";
import { OWNER_LABEL, RUNTIME_LABEL } from "./labels.js";

export interface GcOptions {
  /** Remove every labelled container, live owners included. */
  all?: boolean;
}

export interface GcResult {
  removed: string[];
  /** Left alone: their owning process still runs, or runs on another machine. */
  kept: string[];
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

export async function gcRuntimeContainers(engine: EngineClient, opts: GcOptions = {}): Promise<GcResult> {
  const result: GcResult = { removed: [], kept: [], failed: [] };
  for (const c of await engine.listContainers({ all: true, label: `${RUNTIME_LABEL}=1` })) {
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
