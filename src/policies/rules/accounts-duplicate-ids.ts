/** IMG-USERS-002: no two accounts share a uid, no two groups a gid (dockle DKL-LI-0002). */
import { failIf, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";

type Options = Record<string, never>;

export const rule: Rule<Options> = {
  id: "IMG-USERS-002",
  title: "No duplicate UIDs or GIDs",
  category: "users",
  severity: "low",
  description: "Every uid in /etc/passwd and every gid in /etc/group belongs to one name (dockle DKL-LI-0002 \"Be unique UID/GROUPs\").",
  rationale:
    "Two names for one id are the same identity to the kernel: file ownership, audit logs and `ps` show whichever name comes first, so permissions granted to one account silently apply to the other. It usually comes from appending to /etc/passwd by hand or from two packages creating accounts with fixed ids.",
  remediation:
    "Give each account its own id, or delete the extra one: `RUN userdel olduser` / `RUN groupdel oldgroup`; create accounts with `useradd --uid 10001 …` picking ids not in use (`getent passwd 10001` must be empty).",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const { passwd, group, duplicateUids, duplicateGids } = facts.users;
    if (!passwd && !group && !facts.users.unread?.length) return skip("the image has neither /etc/passwd nor /etc/group");
    const findings: Finding[] = [];
    for (const d of duplicateUids) {
      findings.push({
        message: `uid ${d.id} is shared by ${d.names.map((n) => `'${n}'`).join(", ")} in ${passwd?.path ?? "/etc/passwd"}${passwd ? ` (layer ${passwd.layer + 1})` : ""}.`,
        location: passwd ? { path: passwd.path, layer: passwd.layer } : { path: "/etc/passwd" },
        expected: `one account with uid ${d.id}`,
        found: d.names.join(", "),
      });
    }
    for (const d of duplicateGids) {
      findings.push({
        message: `gid ${d.id} is shared by ${d.names.map((n) => `'${n}'`).join(", ")} in ${group?.path ?? "/etc/group"}${group ? ` (layer ${group.layer + 1})` : ""}.`,
        location: group ? { path: group.path, layer: group.layer } : { path: "/etc/group" },
        expected: `one group with gid ${d.id}`,
        found: d.names.join(", "),
      });
    }
    const unread = (facts.users.unread ?? []).filter((f) => f.file !== "shadow");
    if (findings.length === 0 && unread.length > 0) {
      return skip(`${unread.map((f) => `${f.path} could not be read (${f.reason})`).join("; ")}: duplicate ids cannot be checked`);
    }
    return failIf(findings);
  },
};
