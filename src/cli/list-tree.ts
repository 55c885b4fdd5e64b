/**
 * The flattened filesystem as `imgpolicy ls` lists it: the entries at and below one
 * path, implicit directories included, sorted component by component in byte order,
 * and each hardlink group shown as one file and links to it.
 *
 * Hardlinks. The tree keeps a hardlink as the entry its layer wrote (a name pointing at
 * another name), and that name may have been deleted or replaced by a later layer: the
 * link still holds the old file (the engine's link shares the inode, not the name). So a
 * listing groups the names of one file, as the tree bound them (`FileTree.linkedFile`):
 * the file's own name while it still holds it, and every link to it. Each group is shown as one file, the
 * original name when it is still there (else the first name in listing order), and
 * `hardlink` entries pointing at it; a group of one is a plain file. The mode and owner
 * of every name are those of the shared file; a hardlink's size is 0, as in `tar -tv`.
 */
import { UsageError } from "../errors.js";
import type { FileRecord } from "../inspect/fs/file-record.js";
import type { FileTree } from "../inspect/fs/file-tree.js";
import { joinInRoot } from "../inspect/fs/image-path.js";

/**
 * One listed entry: a FileRecord's filesystem fields (a hardlink's size is 0; its
 * linkname is the file it is another name of; an implicit directory's layer is the one
 * that wrote below it), without what the scan attached (content, ELF, kinds).
 */
export type ListedEntry = Pick<FileRecord, "path" | "type" | "mode" | "uid" | "gid" | "size" | "linkname" | "layer"> & { implicit?: true };


/** What paths sort by: component by component, in the byte order of their UTF-8 names (`/a/b` before `/a-c`). */
const sortKey = (path: string): Buffer => Buffer.from(path.replaceAll("/", "\0"));

export function comparePaths(a: string, b: string): number {
  return Buffer.compare(sortKey(a), sortKey(b));
}

function sortByPath(records: FileRecord[]): FileRecord[] {
  const keyed = records.map((r) => ({ r, key: sortKey(r.path) }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  return keyed.map((k) => k.r);
}

/** The record a name stands for right now, its parent directories followed as the engine does. */

/** The shared file of a record: itself, or what its hardlink resolves to. */
function fileOf(tree: FileTree, rec: FileRecord): FileRecord {
  if (rec.type !== "hardlink") return rec;
  const r = tree.resolve(rec.path, false);
  return r.ok ? r.record : rec;
}

/** Every entry of the tree but the root, hardlink groups settled, in listing order. */
export function listAll(tree: FileTree): ListedEntry[] {
  const records = sortByPath([...tree.entries()].filter((r) => r.path !== "/"));
  // the names of one file: the file's own name while it still holds it, and the hardlinks bound to it
  const groups = new Map<FileRecord, FileRecord[]>();
  for (const rec of records) {
    if (rec.type !== "hardlink") continue;
    const file = tree.linkedFile(rec.path);
    if (!file) continue; // a link to nothing stays a link
    let members = groups.get(file);
    if (!members) groups.set(file, (members = tree.get(file.path) === file ? [file] : []));
    members.push(rec);
  }
  // each name of a group → the name shown as the file
  const shownAs = new Map<string, FileRecord>();
  for (const members of groups.values()) {
    const head = members.find((m) => m.type !== "hardlink") ?? members[0]!;
    for (const m of members) shownAs.set(m.path, head);
  }
  return records.map((rec) => {
    const head = shownAs.get(rec.path);
    if (!head) return entryOf(rec, rec);
    const file = fileOf(tree, head);
    if (head === rec) return entryOf({ ...file, path: rec.path, layer: rec.layer }, rec);
    return entryOf({ ...file, path: rec.path, layer: rec.layer, type: "hardlink", size: 0, linkname: head.path }, rec);
  });
}

function entryOf(shown: FileRecord, own: FileRecord): ListedEntry {
  const linked = (shown.type === "symlink" || shown.type === "hardlink") && shown.linkname !== undefined;
  return {
    path: shown.path,
    type: shown.type,
    mode: shown.mode,
    uid: shown.uid,
    gid: shown.gid,
    size: shown.type === "file" ? shown.size : 0,
    ...(linked ? { linkname: shown.linkname } : {}),
    layer: shown.layer,
    ...(own.implicit ? { implicit: true as const } : {}),
  };
}

/**
 * The paths a listing of PATH covers, as prefixes: PATH is made absolute (`..` stops at the
 * root) and its parent directories are followed through symlinks, as the engine would; PATH
 * itself is not followed, unless it is a symlink to a directory: then the symlink and the
 * directory it leads to (and all below it) are listed. A UsageError when PATH is not in the image.
 */
export function listingRoots(tree: FileTree, path: string): { entries: string[]; subtrees: string[] } {
  const wanted = joinInRoot("/", path);
  if (wanted === "/") return { entries: [], subtrees: ["/"] };
  const r = tree.resolve(wanted, false);
  if (!r.ok) {
    const why = r.reason === "missing" ? "no such file or directory" : r.reason === "loop" ? "too many levels of symbolic links" : `${r.path} is not a directory`;
    throw new UsageError(`'${path}' is not in the image: ${why}`);
  }
  const rec = tree.get(r.path)!;
  if (rec.type === "dir") return { entries: [], subtrees: [r.path] };
  if (rec.type === "symlink") {
    const to = tree.resolve(r.path, true);
    if (to.ok && to.record.type === "dir") return { entries: [r.path], subtrees: [to.path] };
  }
  return { entries: [r.path], subtrees: [] };
}

/** The listing of PATH (default: everything but the root): a symlink named by PATH comes first, then the directory it leads to. */
export function listTree(tree: FileTree, path = "/"): ListedEntry[] {
  const { entries, subtrees } = listingRoots(tree, path);
  const all = listAll(tree);
  const within = (p: string) => !entries.includes(p) && subtrees.some((s) => s === "/" || p === s || p.startsWith(s + "/"));
  return [...all.filter((e) => entries.includes(e.path)), ...all.filter((e) => within(e.path))];
}
