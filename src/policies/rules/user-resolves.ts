/** IMG-USER-003: a named USER (or group) resolves through the image's /etc/passwd and /etc/group. */
import { fail, pass, skip, type Rule, NO_OPTIONS } from "../types.js";

type Options = Record<string, never>;

const isNumber = (s: string) => /^[+-]?\d+$/.test(s);

export const rule: Rule<Options> = {
  id: "IMG-USER-003",
  title: "USER resolves through /etc/passwd and /etc/group",
  category: "config",
  severity: "high",
  description:
    "When the image has /etc/passwd and USER names a user or a group, the name is listed there (groups in /etc/group), numeric ids are in range, and the files are ones the engine can read (no /etc/passwd line of 64 KiB or more, no directory in their place), exactly as the engine and runc resolve them at start. Account files imgpolicy could not read fail: the user cannot be checked.",
  rationale:
    "An unresolvable USER is only noticed when a container starts: `unable to find user app: no matching entries in passwd file`. It happens when the account is created in a build stage but not in the final one, or a base-image change drops it.",
  remediation:
    "Create the account in the final stage before USER: `RUN groupadd --gid 10001 app && useradd --uid 10001 --gid app --no-create-home app` then `USER app:app`; " +
    "or use numbers, which need no lookup: `USER 10001:10001`.",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const passwd = facts.users.passwd;
    const unreadPasswd = facts.users.unread?.find((f) => f.file === "passwd");
    if (!passwd && !unreadPasswd) return skip("the image has no /etc/passwd (IMG-USER-002)");
    const u = facts.users.user;
    if (u.spec === "") return skip("USER is not set (IMG-USER-001)");
    const [userPart, groupPart = ""] = u.spec.split(":");
    const allNumeric = isNumber(userPart) && (groupPart === "" || isNumber(groupPart));
    if (u.resolved) return allNumeric ? skip(`USER '${u.spec}' is numeric: nothing to look up`) : pass();
    const groupProblem = u.problemFile === "group";
    const file = groupProblem ? (facts.users.group ?? facts.users.unread?.find((f) => f.file === "group")) : (passwd ?? unreadPasswd);
    if (u.status === "unknown") {
      return fail({
        message: `USER '${u.spec}' cannot be checked: ${u.problem ?? "an account file was not read"}.`,
        location: file ? { path: file.path, layer: file.layer, config: "User" } : { config: "User" },
        expected: "account files imgpolicy can read (regular files, up to 8 MiB)",
        found: u.problem ?? "not read",
      });
    }
    const expected = groupProblem
      ? isNumber(groupPart) ? "a gid in 0..2147483647" : `group '${groupPart}' listed in /etc/group`
      : isNumber(userPart) ? "a uid in 0..2147483647" : `user '${userPart}' listed in ${file?.path ?? "/etc/passwd"}`;
    return fail({
      message: `USER '${u.spec}' does not resolve: ${u.problem ?? "unresolvable"}.`,
      location: file ? { path: file.path, layer: file.layer, config: "User" } : { config: "User" },
      expected,
      found: u.problem ?? "not resolved",
    });
  },
};
