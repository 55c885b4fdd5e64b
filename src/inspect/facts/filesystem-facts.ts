/** Facts over the whole flattened filesystem: tools present, risky modes, secrets, stray files, waste, OS. */
import type { FileRecord } from "../fs/file-record.js";
import type { FileTree } from "../fs/file-tree.js";
import type { LayerIndex, SecretTokenFinding } from "../fs/scan-layer.js";
import { classifyPath } from "../parsers/path-kinds.js";
import type { FileFact, FilesystemFact, SecretContentFact } from "./types.js";

const fileFact = (r: FileRecord): FileFact => ({ path: r.path, layer: r.layer, mode: r.mode, uid: r.uid, gid: r.gid, type: r.type });

function osRelease(tree: FileTree): FilesystemFact["osRelease"] {
  for (const p of ["/etc/os-release", "/usr/lib/os-release"]) {
    const r = tree.resolve(p);
    if (!r.ok || !r.record.content) continue;
    const kv: Record<string, string> = {};
    for (const line of r.record.content.toString("utf8").split("\n")) {
      const m = /^([A-Z_]+)=("?)(.*)\2\s*$/.exec(line.trim());
      if (m) kv[m[1]!] = m[3]!;
    }
    const o: NonNullable<FilesystemFact["osRelease"]> = { path: r.path, layer: r.record.layer };
    if (kv.ID) o.id = kv.ID;
    if (kv.VERSION_ID) o.versionId = kv.VERSION_ID;
    if (kv.PRETTY_NAME) o.prettyName = kv.PRETTY_NAME;
    return o;
  }
  return undefined;
}

/** The filesystem facts of an image with nothing in it. */
export function emptyFilesystemFact(): FilesystemFact {
  return {
    files: 0,
    directories: 0,
    symlinks: 0,
    shells: [],
    packageManagers: [],
    interpreters: [],
    networkTools: [],
    setuid: [],
    setgid: [],
    worldWritable: [],
    secretFiles: [],
    strayFiles: [],
    waste: { bytes: 0, files: 0, top: [] },
  };
}

const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * The stray files to report, in path order: a stray directory is listed once, not
 * every entry under it. `found` holds every entry with a kind, in any order.
 */
function strayFiles(found: { r: FileRecord; kind: string }[]): FilesystemFact["strayFiles"] {
  const out: FilesystemFact["strayFiles"] = [];
  let strayPrefix: string | undefined;
  for (const { r, kind } of found.sort((a, b) => byPath(a.r, b.r))) {
    if (strayPrefix && r.path.startsWith(strayPrefix)) continue;
    out.push({ path: r.path, layer: r.layer, kind });
    // a stray file may sort amid a stray dir's entries (".git.swp" between ".git" and ".git/HEAD"): keep the prefix
    if (r.type === "dir") strayPrefix = r.path + "/";
  }
  return out;
}

/** The private key found in the content of the file a layer holds at a path (the layer scan's findings), if any. */
export type PrivateKeys = (path: string, layer: number) => string | undefined;

/** The layer scans' private-key findings, looked up by path and layer. */
export function privateKeysOf(indexes: readonly LayerIndex[]): PrivateKeys {
  const byLayer = new Map<number, Map<string, string>>();
  for (const l of indexes) if (l.privateKeys?.length) byLayer.set(l.layer, new Map(l.privateKeys.map((k) => [k.path, k.kind])));
  return (path, layer) => byLayer.get(layer)?.get(path);
}

/**
 * A caller's own secret files (InspectOptions.userSecretFile): the kind it gives a path, or
 * undefined. Asked only of files the built-in detection does not name a secret, or names
 * only `pem` (a certificate, as far as it can tell).
 */
export type UserSecretFile = (path: string) => string | undefined;

/** The kind of a file found by its path: the built-in one, else the caller's, else "pem" (a `.pem` no one else claims). */
export function pathSecretKind(path: string, builtIn: string | undefined, user: UserSecretFile | undefined): string | undefined {
  if (user === undefined || (builtIn !== undefined && builtIn !== "pem")) return builtIn;
  return user(path) ?? builtIn;
}

/**
 * `pathDirs`: the directories of the image's PATH, searched for shells and tools besides the standard bin dirs;
 * `userSecret`: the caller's own secret files (pathSecretKind).
 * One walk over the entries in any order; each list is sorted by path at the end
 * (paths are unique, so the order is that of a walk in path order).
 */
export function filesystemFact(tree: FileTree, pathDirs: readonly string[] = [], privateKeys: PrivateKeys = () => undefined, userSecret?: UserSecretFile): FilesystemFact {
  const f = emptyFilesystemFact();
  const stray: { r: FileRecord; kind: string }[] = [];
  for (const r of tree.entries()) {
    if (r.path === "/") continue;
    if (r.type === "dir") f.directories++;
    else if (r.type === "symlink") f.symlinks++;
    else f.files++;

    const k = classifyPath(r.path, pathDirs);
    if (r.type !== "dir") {
      const bin = k.binary;
      if (bin && tree.resolve(r.path).ok) {
        const item = { path: r.path, layer: r.layer, name: bin.name };
        if (bin.kind === "shell") f.shells.push(item);
        else if (bin.kind === "package-manager") f.packageManagers.push(item);
        else if (bin.kind === "interpreter") f.interpreters.push(item);
        else f.networkTools.push(item);
      }
    }
    // a hardlink is its file under another name: its mode, owner and content (a link to nothing keeps its header's)
    const linked = r.type === "hardlink" ? tree.linkedFile(r.path) : undefined;
    const e = linked ? { ...linked, path: r.path, layer: r.layer } : r;
    if (e.type === "file" || e.type === "hardlink") {
      if (e.mode & 0o4000) f.setuid.push(fileFact(e));
      if (e.mode & 0o2000) f.setgid.push(fileFact(e));
      const caps = e.capabilities;
      if (caps) (f.fileCapabilities ??= []).push({ ...fileFact(e), capabilities: caps.names, effective: caps.effective, ...(caps.malformed ? { malformed: true as const } : {}) });
    }
    if ((e.type === "file" || e.type === "dir") && e.mode & 0o002 && !(e.type === "dir" && e.mode & 0o1000)) {
      f.worldWritable.push(fileFact(e));
    }
    if (e.type === "file") {
      // a key is found in the bytes of the file a hardlink shares: asked by that file's own path and layer
      const kind = (linked ? privateKeys(linked.path, linked.layer) : privateKeys(e.path, e.layer)) ?? pathSecretKind(e.path, k.secret, userSecret);
      if (kind) f.secretFiles.push({ path: e.path, layer: e.layer, kind });
    }
    if (k.stray) stray.push({ r, kind: k.stray });
  }
  for (const list of [f.shells, f.packageManagers, f.interpreters, f.networkTools, f.setuid, f.setgid, f.worldWritable, f.secretFiles]) {
    list.sort(byPath);
  }
  f.fileCapabilities?.sort(byPath);
  f.strayFiles = strayFiles(stray);
  f.waste.bytes = tree.wasted.reduce((n, w) => n + w.size, 0);
  f.waste.files = tree.wasted.length;
  f.waste.top = [...tree.wasted].sort((a, b) => b.size - a.size).slice(0, 20);
  const os = osRelease(tree);
  if (os) f.osRelease = os;
  return f;
}

/**
 * The tokens the layer scans found inside files (LayerIndex.secretTokens), kept for the
 * files the final filesystem holds: a file a later layer deleted or replaced is not
 * listed here (its layer still ships it; see deletedSecrets). Path, then line order.
 */
export function secretContentsFact(tree: FileTree, indexes: readonly LayerIndex[]): SecretContentFact[] {
  // the tokens of each layer's files, by layer and path: a file of the final tree holds the
  // tokens found in its own layer's entry; a hardlink those of the file whose bytes it shares
  // (as its private keys are asked: an original deleted later leaves them at the link)
  const byLayer = new Map<number, Map<string, SecretTokenFinding[]>>();
  for (const l of indexes) {
    for (const t of l.secretTokens ?? []) {
      let m = byLayer.get(l.layer);
      if (!m) byLayer.set(l.layer, (m = new Map()));
      const list = m.get(t.path);
      if (list) list.push(t);
      else m.set(t.path, [t]);
    }
  }
  const out: SecretContentFact[] = [];
  if (byLayer.size === 0) return out;
  for (const r of tree.entries()) {
    if (r.type !== "file" && r.type !== "hardlink") continue;
    const source = r.type === "hardlink" ? tree.linkedFile(r.path) : r;
    if (source === undefined) continue;
    for (const t of byLayer.get(source.layer)?.get(source.path) ?? []) {
      out.push({ path: r.path, layer: r.layer, line: t.line, kind: t.kind, redacted: t.redacted, sha256: t.sha256 });
    }
  }
  return out.sort((a, b) => byPath(a, b) || a.line - b.line);
}
