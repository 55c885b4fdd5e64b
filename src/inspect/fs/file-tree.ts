/**
 * The flattened filesystem, built as the engine does: layers applied bottom to
 * top, upper entries replace lower ones, whiteouts delete, opaque directories
 * hide everything below them. Path resolution follows symlinks inside the image
 * root only. Bytes of files later replaced or deleted are counted as waste, unless a
 * hardlink still reaches them (then they are waste when the last such link goes).
 */
import type { FileRecord } from "./file-record.js";
import { baseName, parentOf } from "./image-path.js";
import type { LayerIndex } from "./scan-layer.js";

export interface WastedFile {
  path: string;
  size: number;
  /** Layer that added the file. */
  layer: number;
  /** Layer that replaced or deleted it. */
  removedBy: number;
}

export type Resolution =
  | { ok: true; path: string; record: FileRecord }
  | { ok: false; path: string; reason: "missing" | "loop" | "not-a-directory" };

const MAX_LINKS = 40;

export class FileTree {
  readonly #records = new Map<string, FileRecord>();
  readonly #children = new Map<string, Set<string>>();
  /** What each hardlink pointed at when its layer was applied: it shares the inode, not the name. */
  readonly #hardlinks = new Map<string, FileRecord>();
  /** The live hardlinks bound to each file: its bytes stay reachable while there are any. */
  readonly #linkedBy = new Map<FileRecord, Set<string>>();
  readonly wasted: WastedFile[] = [];

  constructor() {
    this.#records.set("/", { path: "/", type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, layer: -1, implicit: true });
  }

  static fromLayers(layers: readonly LayerIndex[]): FileTree {
    const t = new FileTree();
    for (const l of layers) t.apply(l);
    return t;
  }

  /**
   * Applies one layer on top of what is there, as the engine's overlay storage does: each
   * layer is unpacked into a directory of its own, so its paths are taken as written and
   * never through a symlink of a lower layer. A lower file or symlink where the layer has
   * a directory (named, or the parent of an entry, a whiteout or an opaque marker) is
   * replaced by that directory: over `/app -> /usr/bin`, `app/x` makes /app a directory,
   * and `app/.wh.su` or `app/.wh..wh..opq` hides nothing of /usr/bin (moby's overlay2 and
   * containerd's overlayfs snapshotter alike; checked against `docker export` in
   * test/conformance).
   */
  apply(l: LayerIndex): void {
    // a path the layer whites out and writes again: the engine's whiteout is replaced by the
    // entry (a directory so made is not opaque: the lower one shows through)
    const written = l.whiteouts.length > 0 ? new Set(l.files.map((f) => f.path)) : undefined;
    for (const dir of l.opaque) {
      if (dir === "/") continue; // (overlayfs takes no opaque mark on a layer's root: every lower entry stays)
      if (this.#records.get(dir)?.type === "dir") {
        for (const child of [...(this.#children.get(dir) ?? [])]) this.#remove(child, l.layer);
      } else this.#ensureDir(dir, l.layer);
    }
    for (const p of l.whiteouts) {
      if (written?.has(p)) continue;
      this.#ensureDir(parentOf(p), l.layer);
      this.#remove(p, l.layer);
    }
    for (const rec of l.files) this.#put(rec);
  }

  /**
   * Where a directory named by a hardlink's target really is: symlinks in its parents
   * followed, as link(2) does. A missing directory is placed under its nearest existing
   * ancestor, followed the same way.
   */
  #realDir(dir: string): string {
    if (dir === "/" || this.#records.get(dir)?.type === "dir") return dir;
    const r = this.resolve(dir);
    if (r.ok) return r.record.type === "dir" ? r.path : dir;
    if (r.reason !== "missing") return dir;
    const parent = parentOf(dir);
    const real = this.#realDir(parent);
    return real === parent ? dir : `${real === "/" ? "" : real}/${baseName(dir)}`;
  }

  /** The path a hardlink's target really names: its parent followed, its last component not. */
  #realPath(path: string): string {
    const parent = parentOf(path);
    const real = this.#realDir(parent);
    return real === parent ? path : `${real === "/" ? "" : real}/${baseName(path)}`;
  }

  #put(given: FileRecord): void {
    let entry = given;
    let path = entry.path;
    if (path !== "/" && this.#records.get(parentOf(path))?.type !== "dir") {
      path = this.#landing(path, entry.layer);
      if (path !== entry.path) entry = { ...entry, path };
      this.#ensureDir(parentOf(path), entry.layer);
    }
    const old = this.#records.get(path);
    if (old) {
      if (old.type === "dir" && entry.type === "dir") {
        this.#records.set(path, entry); // metadata changes; children stay
        return;
      }
      this.#remove(path, entry.layer);
    }
    this.#records.set(path, entry);
    this.#link(path);
    if (entry.type === "hardlink") this.#bindHardlink(entry);
  }

  /**
   * Where an entry of `layer` whose parent is not a directory lands: a symlink the same layer
   * made in its parents is followed (the engine unpacks the layer into a directory of its
   * own, through the links already in it); a lower layer's is not (a directory replaces it).
   */
  #landing(path: string, layer: number): string {
    const parent = parentOf(path);
    if (parent === path) return path;
    const rec = this.#records.get(parent);
    if (rec?.type === "dir") return path;
    let real = parent;
    if (rec?.type === "symlink" && rec.layer === layer) {
      const r = this.resolve(parent);
      if (r.ok && r.record.type === "dir") real = r.path;
    } else if (rec === undefined) real = this.#landing(parent, layer);
    return real === parent ? path : `${real === "/" ? "" : real}/${baseName(path)}`;
  }

  #bindHardlink(rec: FileRecord): void {
    const target = rec.linkname ? this.#records.get(this.#realPath(rec.linkname)) : undefined;
    const linked = target?.type === "hardlink" ? this.#hardlinks.get(target.path) : target;
    if (!linked) return;
    const bound = this.#restamp(linked, rec);
    this.#hardlinks.set(rec.path, bound);
    let links = this.#linkedBy.get(bound);
    if (!links) this.#linkedBy.set(bound, (links = new Set()));
    links.add(rec.path);
  }

  /**
   * The engine (moby's createTarFile) makes a hardlink with link(2), then chowns it to the
   * link header's owner and, unless the target is a symlink, chmods it to the header's
   * mode, and sets the header's capabilities (after the chown, which clears the file's):
   * all act on the one inode, so every name of the file takes the owner, mode and
   * capabilities of the last header that named it. The file's record is replaced by one with them
   * (records may be shared by other trees of the same layers, so none is changed).
   */
  #restamp(file: FileRecord, link: FileRecord): FileRecord {
    const mode = file.type === "symlink" ? file.mode : link.mode;
    // (chown clears a file's capabilities; the link header's own, if any, are set after it)
    const caps = file.type === "symlink" ? file.capabilities : link.capabilities;
    if (file.mode === mode && file.uid === link.uid && file.gid === link.gid && file.capabilities === caps) return file;
    const next: FileRecord = { ...file, mode, uid: link.uid, gid: link.gid };
    if (caps) next.capabilities = caps;
    else delete next.capabilities;
    if (this.#records.get(file.path) === file) this.#records.set(file.path, next);
    const links = this.#linkedBy.get(file);
    if (links) {
      this.#linkedBy.delete(file);
      this.#linkedBy.set(next, links);
      for (const l of links) this.#hardlinks.set(l, next);
    }
    return next;
  }

  #childrenOf(dir: string): Set<string> {
    let set = this.#children.get(dir);
    if (!set) this.#children.set(dir, (set = new Set()));
    return set;
  }

  /** Makes `dir` a directory if it is not one: what is there instead is removed, missing parents are made too. */
  #ensureDir(dir: string, layer: number): void {
    const existing = this.#records.get(dir);
    if (existing?.type === "dir") return;
    if (existing) this.#remove(dir, layer);
    this.#ensureDir(parentOf(dir), layer);
    this.#records.set(dir, { path: dir, type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, layer, implicit: true });
    this.#link(dir);
  }

  #link(path: string): void {
    if (path !== "/") this.#childrenOf(parentOf(path)).add(path);
  }

  #remove(path: string, byLayer: number): void {
    const rec = this.#records.get(path);
    if (!rec || path === "/") return;
    for (const child of [...(this.#children.get(path) ?? [])]) this.#remove(child, byLayer);
    this.#children.delete(path);
    this.#records.delete(path);
    this.#children.get(parentOf(path))?.delete(path);
    let gone: FileRecord | undefined = rec.type === "file" ? rec : undefined;
    const bound = this.#hardlinks.get(path);
    if (bound) {
      // the last link to a file whose own name is gone takes its bytes with it
      this.#hardlinks.delete(path);
      const links = this.#linkedBy.get(bound);
      links?.delete(path);
      if (links?.size === 0) this.#linkedBy.delete(bound);
      if (this.#records.get(bound.path) !== bound) gone = bound;
    }
    if (gone && gone.size > 0 && gone.layer < byLayer && !this.#linkedBy.has(gone)) {
      this.wasted.push({ path: gone.path, size: gone.size, layer: gone.layer, removedBy: byLayer });
    }
  }

  get size(): number {
    return this.#records.size;
  }

  /** The file a hardlink at `path` is another name of (the record its target held when its layer was applied). */
  linkedFile(path: string): FileRecord | undefined {
    return this.#hardlinks.get(path);
  }

  /** The entry at exactly this path (no symlinks followed). */
  get(path: string): FileRecord | undefined {
    return this.#records.get(path);
  }

  /** Every entry, in no particular order. */
  entries(): IterableIterator<FileRecord> {
    return this.#records.values();
  }

  children(dir: string): FileRecord[] {
    return [...(this.#children.get(dir) ?? [])].map((p) => this.#records.get(p)!);
  }

  /**
   * Resolves a path inside the image root: symlinks in every component are followed
   * (absolute targets from the image root, `..` clamped at the root), hardlinks lead to their target.
   */
  resolve(path: string, followLast = true): Resolution {
    let hops = 0;
    const segments = (p: string) => p.split("/").filter((s) => s !== "" && s !== ".");
    let pending = segments(path);
    let cur = "/";
    while (pending.length > 0) {
      const seg = pending.shift()!;
      if (seg === "..") {
        cur = parentOf(cur); // cur has no symlinks in it, so its parent is the real one
        continue;
      }
      const next = cur === "/" ? `/${seg}` : `${cur}/${seg}`;
      const rec = this.#records.get(next);
      if (!rec) return { ok: false, path: next, reason: "missing" };
      const last = pending.length === 0;
      if (rec.type === "symlink" && (!last || followLast)) {
        if (++hops > MAX_LINKS) return { ok: false, path, reason: "loop" };
        const target = rec.linkname ?? "";
        if (target === "") return { ok: false, path: next, reason: "missing" };
        if (target.startsWith("/")) cur = "/";
        pending = [...segments(target), ...pending];
        continue;
      }
      if (!last && rec.type !== "dir") return { ok: false, path: next, reason: "not-a-directory" };
      cur = next;
    }
    let rec = this.#records.get(cur)!;
    let link = rec;
    for (let i = 0; link.type === "hardlink" && i < MAX_LINKS; i++) {
      const t = this.#hardlinks.get(link.path) ?? this.#records.get(link.linkname ?? "");
      if (!t) return { ok: false, path: link.linkname ?? cur, reason: "missing" };
      link = t;
    }
    if (link !== rec) rec = { ...link, path: cur, layer: rec.layer };
    return { ok: true, path: cur, record: rec };
  }

  /** The kept content of the file a path resolves to, if the scan kept it. */
  read(path: string): Buffer | undefined {
    const r = this.resolve(path);
    return r.ok ? r.record.content : undefined;
  }
}
