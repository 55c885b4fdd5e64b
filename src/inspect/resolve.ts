/**
 * The one place a user's reference becomes an Image:
 *   docker-archive:PATH[:NAME[:TAG]]   a `docker save` tarball (classic or Docker 25+ form)
 *   oci:PATH[:TAG]                     an OCI image layout, directory or tar
 *   docker:NAME[:TAG] | docker-daemon:NAME[:TAG]   the local Docker engine
 *   NAME[:TAG]                         the local engine; an existing path is read as an archive or layout
 */
import { stat } from "node:fs/promises";
import { UsageError } from "../errors.js";
import type { Image, Platform } from "./image.js";
import { openDockerArchivePath } from "./sources/docker-archive.js";
import { openOciLayout } from "./sources/oci-layout.js";

export type ParsedReference =
  | { kind: "docker-archive"; path: string; tag?: string }
  | { kind: "oci"; path: string; tag?: string }
  | { kind: "engine"; name: string };

export interface OpenOptions {
  platform?: Platform;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Splits PATH[:TAG] where PATH may itself hold colons: the longest existing prefix wins. */
async function splitPathTag(rest: string): Promise<{ path: string; tag?: string }> {
  if (await exists(rest)) return { path: rest };
  for (let i = rest.indexOf(":"); i !== -1; i = rest.indexOf(":", i + 1)) {
    const path = rest.slice(0, i);
    if (path && (await exists(path))) return { path, tag: rest.slice(i + 1) };
  }
  return { path: rest };
}

const NAME_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export async function parseReference(ref: string): Promise<ParsedReference> {
  if (!ref) throw new UsageError("empty image reference");
  const m = /^(docker-archive|oci|oci-archive|docker|docker-daemon):(.*)$/.exec(ref);
  if (m) {
    const [, scheme, rest] = m as unknown as [string, string, string];
    if (!rest) throw new UsageError(`'${ref}': nothing after '${scheme}:'`);
    if (scheme === "docker" || scheme === "docker-daemon") return { kind: "engine", name: rest };
    const { path, tag } = await splitPathTag(rest);
    const kind = scheme === "docker-archive" ? "docker-archive" : "oci";
    return tag ? { kind, path, tag } : { kind, path };
  }
  if (ref.startsWith("/") || ref.startsWith("./") || ref.startsWith("../") || (await exists(ref))) {
    const st = await stat(ref).catch(() => undefined);
    if (!st) throw new UsageError(`'${ref}': no such file or directory`);
    return st.isDirectory() ? { kind: "oci", path: ref } : { kind: "docker-archive", path: ref };
  }
  if (!NAME_RE.test(ref)) {
    throw new UsageError(
      `'${ref}' is not an image reference: use NAME[:TAG], docker-archive:PATH, oci:PATH[:TAG] or docker:NAME[:TAG]`,
    );
  }
  return { kind: "engine", name: ref };
}

export async function openImage(ref: string, opts: OpenOptions = {}): Promise<Image> {
  const p = await parseReference(ref);
  const platform = opts.platform ? { platform: opts.platform } : {};
  switch (p.kind) {
    case "docker-archive":
      return openDockerArchivePath(p.path, { reference: ref, ...(p.tag ? { tag: p.tag } : {}), ...platform });
    case "oci":
      return openOciLayout(p.path, { reference: ref, ...(p.tag ? { tag: p.tag } : {}), ...platform });
    case "engine":
      // loaded on demand: only engine references need the engine client
      return (await import("./sources/daemon.js")).openDaemonImage(p.name, platform);
  }
}
