/**
 * Secret files that a layer adds and a later layer removes: deleted (a `.wh.` whiteout
 * of the file or of a directory above it), hidden (an opaque directory above it), or
 * overwritten (a later entry at its path, or a non-directory at a directory above it).
 * The container never sees them, but the layer that added them still holds their bytes,
 * and anyone who can pull the image can read them.
 *
 * A file is a secret as in the final-filesystem facts (`filesystem.secretFiles`): a
 * private key the layer scan found in its content (`LayerIndex.privateKeys`), else a
 * credential file by its path (parsers/secret-files.ts), but for a `.pem` whose content
 * is no key (usually a certificate); else, as in `filesystem.secretContents`, a file in
 * which the layer scan found a known token format (`LayerIndex.secretTokens`: found by
 * its content, of its first token's kind). Public keys, `known_hosts` and certificates
 * are none. An empty file holds nothing and is not one.
 *
 * A later regular file at the same path is taken as the same file (a `chmod` or `chown`
 * copies it up unchanged) when it still holds every token the first one held (the same
 * sha256s: a `sed -i` that scrubs a token leaves a different file), or, for a file with
 * no token found, when it has the same size and the same kind; contents are not hashed
 * here. A secret still in the final filesystem is not listed here (IMG-FS-005 and
 * IMG-FS-007 judge it). Two entries at one path in the same layer: the last one is the
 * layer's.
 */
import type { FileRecord } from "../fs/file-record.js";
import type { LayerIndex, SecretTokenFinding } from "../fs/scan-layer.js";
import { secretFileKind } from "../parsers/secret-files.js";
import { pathSecretKind, type UserSecretFile } from "./filesystem-facts.js";
import type { DeletedSecretFact, LayerFact, LayerRef } from "./types.js";

interface Live {
  path: string;
  kind: string;
  by: DeletedSecretFact["by"];
  size: number;
  layer: number;
  /** The sha256s of the tokens found in it, if any. */
  tokens?: ReadonlySet<string>;
}

/** What the content pass found in one layer's files, by path. */
interface Found {
  keys: ReadonlyMap<string, string>;
  tokens: ReadonlyMap<string, readonly SecretTokenFinding[]>;
}

function foundIn(l: LayerIndex): Found {
  const tokens = new Map<string, SecretTokenFinding[]>();
  for (const t of l.secretTokens ?? []) {
    const list = tokens.get(t.path);
    if (list) list.push(t);
    else tokens.set(t.path, [t]);
  }
  return { keys: new Map((l.privateKeys ?? []).map((k) => [k.path, k.kind])), tokens };
}

/** The secret kind of a layer's entry, how it was found, and the sha256s of its tokens; or undefined. */
function secretOf(rec: FileRecord, found: Found, user: UserSecretFile | undefined): Omit<Live, "path" | "size" | "layer"> | undefined {
  if (rec.type !== "file" || rec.size === 0) return undefined;
  const tokens = found.tokens.get(rec.path);
  const hashes = tokens?.length ? { tokens: new Set(tokens.map((t) => t.sha256)) } : {};
  const key = found.keys.get(rec.path);
  if (key !== undefined) return { kind: key, by: "content", ...hashes };
  const kind = pathSecretKind(rec.path, secretFileKind(rec.path), user);
  if (kind !== undefined && kind !== "pem") return { kind, by: "path", ...hashes };
  return tokens?.length ? { kind: tokens[0]!.kind, by: "content", ...hashes } : undefined;
}

/** Whether a later entry at a secret's path is the same secret (copied up unchanged, or its tokens all kept). */
function sameSecret(s: Live, now: FileRecord, found: Found, user: UserSecretFile | undefined): boolean {
  if (now.type !== "file") return false;
  if (s.tokens !== undefined) {
    const kept = new Set((found.tokens.get(now.path) ?? []).map((t) => t.sha256));
    return [...s.tokens].every((h) => kept.has(h));
  }
  return now.size === s.size && secretOf(now, found, user)?.kind === s.kind;
}

/** The directories above a path, nearest first, "/" last. */
function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) out.push(path.slice(0, i));
  out.push("/");
  return out;
}

/** How a layer removes the secret, or undefined if it leaves it (`last`: the layer's last entry at each path asked about). */
function removal(s: Live, whiteouts: ReadonlySet<string>, opaque: ReadonlySet<string>, last: ReadonlyMap<string, FileRecord>, found: Found, user: UserSecretFile | undefined): DeletedSecretFact["removed"]["how"] | undefined {
  if (whiteouts.has(s.path)) return "whiteout";
  for (const dir of ancestors(s.path)) {
    if (opaque.has(dir)) return "opaque";
    if (whiteouts.has(dir)) return "whiteout";
    const over = last.get(dir);
    if (over !== undefined && over.type !== "dir") return "overwrite";
  }
  const now = last.get(s.path);
  if (now === undefined) return undefined;
  return sameSecret(s, now, found, user) ? undefined : "overwrite";
}

function layerRef(i: number, layers: readonly LayerFact[]): LayerRef {
  const f = layers.find((x) => x.index === i);
  const ref: LayerRef = { layer: i, digest: f?.digest ?? "" };
  if (f?.createdBy !== undefined) ref.createdBy = f.createdBy;
  return ref;
}

/**
 * Every secret file a layer adds and a later one removes, in order of the layer that added
 * it, then of path. `layers`: the image's layer facts (digest, redacted `createdBy`);
 * `user`: the caller's own secret files (InspectOptions.userSecretFile), found by path.
 */
export function deletedSecretsFact(indexes: readonly LayerIndex[], layers: readonly LayerFact[], user?: UserSecretFile): DeletedSecretFact[] {
  const live = new Map<string, Live>();
  const out: DeletedSecretFact[] = [];
  for (const l of [...indexes].sort((a, b) => a.layer - b.layer)) {
    const found = foundIn(l);
    // what this layer does to the secrets below it: only the paths that bear on them are looked at
    if (live.size > 0) {
      const asked = new Set<string>();
      for (const s of live.values()) {
        asked.add(s.path);
        for (const d of ancestors(s.path)) asked.add(d);
      }
      const last = new Map<string, FileRecord>();
      for (const r of l.files) if (asked.has(r.path)) last.set(r.path, r);
      const whiteouts = new Set(l.whiteouts);
      const opaque = new Set(l.opaque);
      for (const s of [...live.values()]) {
        const how = removal(s, whiteouts, opaque, last, found, user);
        if (how === undefined) continue;
        live.delete(s.path);
        out.push({ path: s.path, kind: s.kind, by: s.by, size: s.size, added: layerRef(s.layer, layers), removed: { ...layerRef(l.layer, layers), how } });
      }
    }
    // what it adds (the last entry at a path is the layer's)
    const added = new Map<string, Live>();
    for (const r of l.files) {
      const secret = secretOf(r, found, user);
      if (secret) added.set(r.path, { path: r.path, ...secret, size: r.size, layer: l.layer });
      else added.delete(r.path);
    }
    for (const [path, s] of added) if (!live.has(path)) live.set(path, s);
  }
  return out.sort((a, b) => a.added.layer - b.added.layer || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
