/**
 * The engine's changes list of the writable-root run, reduced to what the image wrote:
 * without tmpfs mounts (the profile already gives those) and without the mount points
 * the engine itself puts in a container's writable layer.
 */
import type { ContainerChange } from "../engine/containers.js";
import type { RuntimeFacts } from "./runtime-types.js";

const ENGINE_PATHS = ["/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/.dockerenv", "/dev", "/proc", "/sys"];

const under = (path: string, roots: readonly string[]) =>
  roots.some((r) => {
    const root = r.replace(/\/+$/, "");
    return path === root || path.startsWith(`${root}/`);
  });

const KINDS = { 0: "changed", 1: "added", 2: "deleted" } as const;

export function writtenPaths(changes: readonly ContainerChange[], tmpfs: readonly string[]): NonNullable<RuntimeFacts["writes"]> {
  return changes
    .filter((c) => !under(c.Path, tmpfs) && !under(c.Path, ENGINE_PATHS))
    .map((c) => ({ path: c.Path, kind: KINDS[c.Kind] ?? "changed" }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
