/** Accounts from /etc/passwd, /etc/group and /etc/shadow, and the config's USER resolved against them. */
import type { FileTree } from "../fs/file-tree.js";
import type { AccountSource } from "../parsers/exec-user.js";
import { duplicateIds, parseGroup, parsePasswd, parseShadow } from "../parsers/passwd.js";
import { resolveUser } from "../parsers/user-resolve.js";
import type { UsersFact, Where } from "./types.js";

/**
 * Paths whose content a running container gets from the engine, not from the image
 * (its init layer and the mounts it makes): a file resolving there is not known here.
 */
const ENGINE_OWNED = ["/proc", "/sys", "/dev", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/etc/mtab", "/.dockerenv"];
const engineOwned = (p: string) => ENGINE_OWNED.some((o) => p === o || p.startsWith(o + "/"));

interface Located {
  source: AccountSource;
  /** Where it is, when it is there at all. */
  where?: Where;
  /** The text, when it was read. */
  text?: string;
}

const MiB = 1 << 20;
const sizeOf = (n: number) => (n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : `${n} bytes`);

/** What the engine finds at `path` (symlinks followed inside the root, as it follows them), and whether we read it. */
export function accountFile(tree: FileTree, path: string): Located {
  const r = tree.resolve(path);
  if (!r.ok) {
    if (r.reason === "loop") return { source: { kind: "unknown", why: `${path}: too many levels of symbolic links` }, where: { path, layer: -1 } };
    return { source: { kind: "absent" } };
  }
  const rec = r.record;
  const where = { path: r.path, layer: rec.layer };
  if (engineOwned(r.path)) return { source: { kind: "unknown", why: `${path} leads to ${r.path}, which the engine provides at run time` }, where };
  if (rec.type === "dir") return { source: { kind: "read-error", why: `${r.path} is a directory` }, where };
  if (rec.type !== "file") return { source: { kind: "unknown", why: `${r.path} is a ${rec.type}, not a regular file` }, where };
  if (!rec.content) {
    const why = r.path !== path ? `it leads to ${r.path}, whose content was not read` : `its ${sizeOf(rec.size)} were not read (the limit is 8 MiB)`;
    return { source: { kind: "unknown", why: `${path}: ${why}` }, where };
  }
  return { source: { kind: "bytes", bytes: rec.content }, where, text: rec.content.toString("utf8") };
}

export function usersFact(tree: FileTree, userSpec: string | undefined): UsersFact {
  const pw = accountFile(tree, "/etc/passwd");
  const gr = accountFile(tree, "/etc/group");
  const sh = accountFile(tree, "/etc/shadow");
  const passwd = pw.text !== undefined ? parsePasswd(pw.text) : undefined;
  const group = gr.text !== undefined ? parseGroup(gr.text) : undefined;
  const shadow = sh.text !== undefined ? parseShadow(sh.text) : undefined;
  const f: UsersFact = {
    emptyPasswords: [
      ...(shadow?.entries.filter((e) => e.emptyPassword).map((e) => e.name) ?? []),
      ...(passwd?.entries.filter((e) => e.password === "").map((e) => e.name) ?? []),
    ].filter((n, i, a) => a.indexOf(n) === i),
    duplicateUids: passwd ? duplicateIds(passwd.entries) : [],
    duplicateGids: group ? duplicateIds(group.entries) : [],
    user: resolveUser(userSpec, pw.source, gr.source),
  };
  if (pw.where && passwd) {
    f.passwd = {
      ...pw.where,
      entries: passwd.entries.map(({ name, uid, gid, home, shell }) => ({ name, uid, gid, home, shell })),
      malformed: passwd.malformed.length,
    };
  }
  if (gr.where && group) {
    f.group = {
      ...gr.where,
      entries: group.entries.map(({ name, gid, members }) => ({ name, gid, members: [...members] })),
      malformed: group.malformed.length,
    };
  }
  const unread: NonNullable<UsersFact["unread"]> = [];
  for (const [file, l] of [["passwd", pw], ["group", gr], ["shadow", sh]] as const) {
    if (l.where && l.text === undefined && l.source.kind !== "absent" && l.source.kind !== "bytes") {
      unread.push({ ...l.where, file, reason: l.source.why });
    }
  }
  if (unread.length) f.unread = unread;
  return f;
}
