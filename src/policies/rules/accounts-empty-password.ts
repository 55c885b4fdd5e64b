/** IMG-USERS-001: no account can log in with an empty password (dockle DKL-LI-0001). */
import { failIf, skip, type Rule, NO_OPTIONS } from "../types.js";

type Options = Record<string, never>;

export const rule: Rule<Options> = {
  id: "IMG-USERS-001",
  title: "No account has an empty password",
  category: "users",
  severity: "high",
  description:
    "No account has an empty password field in /etc/shadow or /etc/passwd (dockle DKL-LI-0001 \"Avoid empty password\"). Locked (`!`, `*`) and hashed passwords pass. An /etc/shadow or /etc/passwd that is there but could not be read (over 8 MiB, not a regular file) fails: it is not shown to be free of empty passwords.",
  rationale:
    "An empty password field lets anyone log in as that account without a password wherever PAM or a login program is reached: `su`, a shell in the container, an SSH daemon. Alpine's root account shipped this way for years (CVE-2019-5021).",
  remediation:
    "Lock the account in the Dockerfile: `RUN passwd -l root` (or `RUN usermod --lock app`; on busybox `RUN sed -i -e 's/^root::/root:!:/' /etc/shadow`), or remove accounts the image does not need with `RUN userdel app`.",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const { passwd, emptyPasswords } = facts.users;
    const unread = (facts.users.unread ?? []).filter((f) => f.file === "passwd" || f.file === "shadow");
    if (!passwd && emptyPasswords.length === 0 && unread.length === 0) return skip("the image has no /etc/passwd or /etc/shadow accounts");
    return failIf([
      // a file that is there but was not read may hold empty passwords: not shown to be free of them
      ...unread.map((f) => ({
        message: `${f.path} (layer ${f.layer + 1}) could not be read: ${f.reason}; accounts with an empty password cannot be ruled out.`,
        location: { path: f.path, layer: f.layer },
        expected: `a readable /etc/${f.file} (a regular file up to 8 MiB)`,
        found: f.reason,
      })),
      ...emptyPasswords.map((name) => ({
        // the facts do not say which of the two files holds the empty field, so no location path
        message: `Account '${name}' has an empty password field (in /etc/shadow or /etc/passwd): it can log in without a password.`,
        expected: "a locked (!, *) or hashed password",
        found: `${name}: empty password`,
      })),
    ]);
  },
};
