/**
 * Who PID 1 of a container runs as, read without a shell or any program in the image:
 * the kernel's own /proc/1/status (Uid, Gid, Groups, CapEff, NoNewPrivs).
 */
import { firstRegularFile } from "../tar/first-file.js";
import { TarFormatError } from "../tar/reader.js";
import { readFile } from "node:fs/promises";
import type { EngineClient } from "../engine/client.js";
import type { RuntimeFacts } from "./runtime-types.js";
import { decodeCapabilities } from "./capabilities.js";
import { containerArchive, isNotFound, type ContainerInspect } from "../engine/containers.js";

export type Identity = NonNullable<RuntimeFacts["identity"]>;

const ids = (text: string | undefined): number[] =>
  (text ?? "")
    .trim()
    .split(/\s+/)
    .filter((t) => /^\d+$/.test(t))
    .map(Number);

/** Parses the text of /proc/<pid>/status; undefined when Uid, Gid or CapEff is missing. */
export function parseProcStatus(text: string): Omit<Identity, "via"> | undefined {
  const fields = new Map<string, string>();
  for (const line of text.split("\n")) {
    const i = line.indexOf(":");
    if (i > 0) fields.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  // Uid/Gid hold real, effective, saved and filesystem ids: the effective one decides.
  const uid = ids(fields.get("Uid"))[1];
  const gid = ids(fields.get("Gid"))[1];
  const capEff = fields.get("CapEff");
  if (uid === undefined || gid === undefined || capEff === undefined) return undefined;
  const identity: Omit<Identity, "via"> = { uid, gid, groups: ids(fields.get("Groups")), capEff, capabilities: decodeCapabilities(capEff) };
  const nnp = fields.get("NoNewPrivs");
  if (nnp !== undefined) identity.noNewPrivs = nnp === "1";
  return identity;
}

/** The first regular file's bytes in a tar; undefined when there is none, or when the tar does not read. */
export function firstTarFile(tar: Buffer): Buffer | undefined {
  try {
    return firstRegularFile(tar);
  } catch (err) {
    if (err instanceof TarFormatError) return undefined;
    throw err;
  }
}

/** Whether processes the engine starts are processes of this machine (unix socket or loopback TCP). */
export function engineIsLocal(engine: EngineClient): boolean {
  const ep = engine.endpoint;
  return ep.kind === "unix" || ep.host === "localhost" || ep.host === "::1" || ep.host.startsWith("127.");
}

async function viaArchive(engine: EngineClient, id: string): Promise<string | undefined> {
  try {
    const file = firstTarFile(await containerArchive(engine, id, "/proc/1/status"));
    const text = file?.toString("utf8");
    return text && text.includes("CapEff:") ? text : undefined;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Reads /proc/<State.Pid>/status on this machine, after checking through
 * /proc/<pid>/cgroup that the pid is really that container's process in our PID namespace.
 */
async function viaHostProcfs(engine: EngineClient, state: ContainerInspect): Promise<string | undefined> {
  const pid = state.State.Pid;
  if (!engineIsLocal(engine) || !Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const cgroup = await readFile(`/proc/${pid}/cgroup`, "utf8");
    if (!cgroup.includes(state.Id)) return undefined;
    return await readFile(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined; // gone, or not ours to read
  }
}

/**
 * The identity of the container's PID 1, or undefined when it cannot be read (it has
 * exited, or the engine is remote and its archive API cannot see procfs).
 *
 * The archive API is tried first because it works for any engine. But the engine
 * builds that archive from the container's root filesystem as the daemon sees it, where
 * /proc is not mounted: Docker 20.10 answers 404 for /proc/1/status, and even an engine
 * that found it would write size 0 (procfs files stat as empty), so the tar would be
 * empty. When the engine is local, the container's PID 1 is an ordinary process of this
 * machine (State.Pid, in the host's PID namespace), and the kernel shows the same
 * status file at /proc/<pid>/status.
 */
export async function readIdentity(engine: EngineClient, state: ContainerInspect): Promise<Identity | undefined> {
  if (!state.State.Running) return undefined;
  const archived = await viaArchive(engine, state.Id);
  if (archived !== undefined) {
    const parsed = parseProcStatus(archived);
    if (parsed) return { ...parsed, via: "archive" };
  }
  const host = await viaHostProcfs(engine, state);
  const parsed = host === undefined ? undefined : parseProcStatus(host);
  return parsed ? { ...parsed, via: "host-procfs" } : undefined;
}
