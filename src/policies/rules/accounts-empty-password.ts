/** IMG-USERS-001: no account can log in with an empty password (dockle DKL-LI-0001). */
import { failIf, skip, type Rule, NO_OPTIONS } from "../types.js";

type Options = Record<string, never>;

export const rule: Rule<Options> = {
  id: "IMG-USERS-001",
  title: "No account has an empty password",
  category: "users",
  severity: "high",
  description:
    "No account has an empty password field in /etc/shadow or /etc/passwd (dockle DKL-LI-0001 \"Avoid empty password\"). Locked (`!`, `*`) and hashed passwords pass.",
  rationale:
    "An empty password field lets anyone log in as that account without a password wherever PAM or a login program is reached: `su`, a shell in the container, an SSH daemon. Alpine's root account shipped this way for years (CVE-2019-5021).",
  remediation:
    "Lock the account in the Dockerfile: `RUN passwd -l root` (or `RUN usermod --lock app`; on busybox `RUN sed -i -e 's/^root::/root:!:/' /etc/shadow`), or remove accounts the image does not need with `RUN userdel app`.",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const { passwd, emptyPasswords } = facts.users;
    if (!passwd && emptyPasswords.length === 0) return skip("the image has no /etc/passwd or /etc/shadow accounts");
    return failIf(
      emptyPasswords.map((name) => ({
        // the facts do not say which of the two files holds the empty field, so no location path
        message: `Account '${name}' has an empty password field (in /etc/shadow or /etc/passwd): it can log in without a password.`,
        expected: "a locked (!, *) or hashed password",
        found: `${name}: empty password`,
      })),
    );
  },
};
