/**
 * The directory `docker load` leaves when it extracts an image archive, modelled
 * from the archive's headers alone, so that imgpolicy reads the very files the
 * engine reads. The engine (20.10, chrootarchive.Untar then safePath) does:
 *
 * - each entry's name is cleaned as a path under the root: a leading "/" and
 *   "./" vanish, ".." stops at the root (it is extracted inside a chroot);
 * - an entry replaces whatever its path held (a directory over a directory
 *   merges), so the last entry written to a path wins; a non-directory over a
 *   directory removes the directory's whole subtree;
 * - a missing parent directory is created; an existing parent that is a symlink
 *   is followed (within the root);
 * - a hardlink is link(2): it binds to the inode its target names at that moment
 *   (a later entry for the target makes a new inode; the link keeps the old one),
 *   and a link to a symlink is a second name of that symlink;
 * - a symlink is stored as is and resolved when read, within the root;
 * - any other tar type (e.g. "7", GNU sparse "S") fails the load.
 *
 * Paths named by manifest.json are read the same way (symlinks followed within
 * the root); one that leads out of the root fails the load. Shapes the engine
 * would fail on, or that cannot be modelled with certainty, are refused here.
 */
import { SourceError } from "../errors.js";

export interface FileNode {
  kind: "file";
  /** Offset of the data in the archive. */
  offset: number;
  size: number;
}
export interface DirNode {
  kind: "dir";
  children: Map<string, Node>;
}
export interface SymlinkNode {
  kind: "symlink";
  target: string;
}
/** A FIFO, a device, or a sparse file (whose stored bytes are not its content). */
export interface OtherNode {
  kind: "other";
  what: string;
}
export type Node = FileNode | DirNode | SymlinkNode | OtherNode;

/** The tar entry as the tree needs it. */
export interface TreeEntry {
  name: string;
  /** The raw typeflag ("0", "\0", "1"…"6", "S"…). */
  typeflag: string;
  offset: number;
  size: number;
  linkname: string;
  sparse: boolean;
  /** What the tar reader made of it (an old-style "\0" entry is a directory when its name ends in "/"). */
  type: string;
}

/** Linux gives up after 40 symlinks in one lookup; the engine's FollowSymlinkInScope after 255. */
const KERNEL_LINKS = 40;
const SCOPE_LINKS = 255;

/** A path's segments under the root, as Go's filepath.Join("/", name) leaves them: ".." stops at the root. */
export function rootedSegments(path: string): string[] {
  const out: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return out;
}

/** A manifest.json path's segments, as filepath.Join(dir, path) cleans it; undefined when it leads out of dir. */
export function scopedSegments(path: string): string[] | undefined {
  const out: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(seg);
  }
  return out;
}

interface Found {
  /** The directory that holds the last segment. */
  dir: DirNode;
  last: string;
  node: Node | undefined;
}

export class ArchiveTree {
  readonly root: DirNode = { kind: "dir", children: new Map() };
  #count = 0;

  constructor(private readonly archive: string) {}

  get entryCount(): number {
    return this.#count;
  }

  #refuse(message: string): never {
    throw new SourceError(`${this.archive}: ${message}`);
  }

  /**
   * Walks `segments` from the root, following symlinks in every segment but the last
   * (and the last too when `followLast`), within the root. `created` makes missing
   * directories on the way (MkdirAll). Undefined when a segment is missing.
   */
  #walk(segments: string[], opts: { followLast: boolean; mkdirs?: boolean; limit: number; what: string }): Found | undefined {
    let links = 0;
    const stack: DirNode[] = [this.root];
    // each segment, and whether it comes from a symlink's target (not the name itself)
    const todo = segments.map((seg) => ({ seg, viaLink: false }));
    while (todo.length > 0) {
      const { seg, viaLink } = todo.shift()!;
      const dir = stack[stack.length - 1]!;
      if (seg === ".") continue;
      if (seg === "..") {
        if (stack.length > 1) stack.pop();
        continue;
      }
      const isLast = todo.length === 0;
      let node = dir.children.get(seg);
      if (isLast && !opts.followLast) return { dir, last: seg, node };
      if (node?.kind === "symlink") {
        if (++links > opts.limit) this.#refuse(`${opts.what}: too many levels of symbolic links`);
        const target = node.target.split("/").filter((s) => s !== "");
        if (node.target.startsWith("/")) stack.length = 1;
        todo.unshift(...target.map((t) => ({ seg: t, viaLink: true })));
        if (isLast && todo.length === 0) return { dir: stack[stack.length - 1]!, last: "", node: stack[stack.length - 1] };
        continue;
      }
      if (isLast) return { dir, last: seg, node };
      if (node === undefined) {
        if (!opts.mkdirs) return undefined;
        // MkdirAll through a symlink whose target is missing fails in the engine (it
        // creates directories through a symlink to one that exists)
        if (viaLink) this.#refuse(`${opts.what}: its directory lies under a symlink to a missing place`);
        node = { kind: "dir", children: new Map() };
        dir.children.set(seg, node);
      }
      if (node.kind !== "dir") this.#refuse(`${opts.what}: ${seg} is not a directory`);
      stack.push(node);
    }
    // no segments (or only "." / ".." / a symlink to the root): the root itself
    return { dir: stack[stack.length - 1]!, last: "", node: stack[stack.length - 1] };
  }

  /** Applies one archive entry, as Untar would. */
  add(e: TreeEntry): void {
    this.#count++;
    const kind = nodeKind(e.typeflag, e.type);
    if (kind === undefined) this.#refuse(`entry ${JSON.stringify(e.name)} has tar type ${JSON.stringify(e.typeflag)}, which docker load refuses`);
    const segs = rootedSegments(e.name);
    const what = `entry ${JSON.stringify(e.name)}`;
    if (segs.length === 0) {
      if (kind !== "dir") this.#refuse(`${what} names the archive's root but is not a directory`);
      return;
    }
    const found = this.#walk(segs, { followLast: false, mkdirs: true, limit: KERNEL_LINKS, what });
    if (!found || found.last === "") this.#refuse(`${what} names the archive's root`);
    const { dir, last, node: existing } = found;
    if (existing && !(existing.kind === "dir" && kind === "dir")) dir.children.delete(last);
    switch (kind) {
      case "dir":
        if (existing?.kind !== "dir") dir.children.set(last, { kind: "dir", children: new Map() });
        return;
      case "file":
        dir.children.set(last, e.sparse ? { kind: "other", what: "a sparse file" } : { kind: "file", offset: e.offset, size: e.size });
        return;
      case "symlink":
        if (e.linkname === "") this.#refuse(`${what} is a symlink to nothing`);
        dir.children.set(last, { kind: "symlink", target: e.linkname });
        return;
      case "hardlink": {
        const t = this.#walk(rootedSegments(e.linkname), { followLast: false, limit: KERNEL_LINKS, what });
        const target = t?.last === "" ? t.dir : t?.node;
        if (!target) this.#refuse(`${what} is a hardlink to ${JSON.stringify(e.linkname)}, which does not exist at that point`);
        if (target.kind === "dir") this.#refuse(`${what} is a hardlink to the directory ${JSON.stringify(e.linkname)}`);
        dir.children.set(last, target);
        return;
      }
      default:
        dir.children.set(last, { kind: "other", what: kind });
    }
  }

  /**
   * The node a manifest.json path leads to, as the engine's safePath finds it
   * (cleaned, symlinks followed within the root); undefined when nothing is there.
   */
  lookup(path: string): Node | undefined {
    const segs = scopedSegments(path);
    const what = JSON.stringify(path);
    if (!segs) this.#refuse(`${what} leads outside the archive`);
    const found = this.#walk(segs, { followLast: true, limit: SCOPE_LINKS, what });
    return found?.node;
  }

  /** Paths of the regular files (for listings and format detection). */
  files(): string[] {
    const out: string[] = [];
    const visit = (d: DirNode, prefix: string) => {
      for (const [name, n] of d.children) {
        if (n.kind === "dir") visit(n, `${prefix}${name}/`);
        else if (n.kind === "file") out.push(`${prefix}${name}`);
      }
    };
    visit(this.root, "");
    return out;
  }
}

type Kind = "file" | "dir" | "symlink" | "hardlink" | "fifo" | "char" | "block";

/** What Untar makes of a typeflag; undefined for those it refuses ("unhandled tar header type"). */
function nodeKind(typeflag: string, type: string): Kind | undefined {
  switch (typeflag) {
    case "\0":
      return type === "dir" ? "dir" : "file";
    case "0":
      return "file";
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    case "3":
      return "char";
    case "4":
      return "block";
    case "5":
      return "dir";
    case "6":
      return "fifo";
    default:
      return undefined;
  }
}
