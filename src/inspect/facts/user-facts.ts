/** Accounts from /etc/passwd, /etc/group and /etc/shadow, and the config's USER resolved against them. */
import type { FileTree } from "../fs/file-tree.js";
import { duplicateIds, parseGroup, parsePasswd, parseShadow } from "../parsers/passwd.js";
import { resolveUser } from "../parsers/user-resolve.js";
import type { UsersFact } from "./types.js";

function located(tree: FileTree, path: string): { text: string; path: string; layer: number } | undefined {
  const r = tree.resolve(path);
  if (!r.ok || r.record.type !== "file" || !r.record.content) return undefined;
  return { text: r.record.content.toString("utf8"), path: r.path, layer: r.record.layer };
}

export function usersFact(tree: FileTree, userSpec: string | undefined): UsersFact {
  const pw = located(tree, "/etc/passwd");
  const gr = located(tree, "/etc/group");
  const sh = located(tree, "/etc/shadow");
  const passwd = pw ? parsePasswd(pw.text) : undefined;
  const group = gr ? parseGroup(gr.text) : undefined;
  const shadow = sh ? parseShadow(sh.text) : undefined;
  const f: UsersFact = {
    emptyPasswords: [
      ...(shadow?.entries.filter((e) => e.emptyPassword).map((e) => e.name) ?? []),
      ...(passwd?.entries.filter((e) => e.password === "").map((e) => e.name) ?? []),
    ].filter((n, i, a) => a.indexOf(n) === i),
    duplicateUids: passwd ? duplicateIds(passwd.entries) : [],
    duplicateGids: group ? duplicateIds(group.entries) : [],
    user: resolveUser(userSpec, passwd?.entries, group?.entries),
  };
  if (pw && passwd) {
    f.passwd = {
      path: pw.path,
      layer: pw.layer,
      entries: passwd.entries.map(({ name, uid, gid, home, shell }) => ({ name, uid, gid, home, shell })),
      malformed: passwd.malformed.length,
    };
  }
  if (gr && group) {
    f.group = {
      path: gr.path,
      layer: gr.layer,
      entries: group.entries.map(({ name, gid, members }) => ({ name, gid, members: [...members] })),
      malformed: group.malformed.length,
    };
  }
  return f;
}
