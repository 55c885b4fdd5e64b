/** IMG-USER-002: without /etc/passwd, USER must be numeric (and its group too, without /etc/group). */
import { fail, pass, skip, type Rule, NO_OPTIONS } from "../types.js";

type Options = Record<string, never>;

export const rule: Rule<Options> = {
  id: "IMG-USER-002",
  title: "USER is numeric when the image has no /etc/passwd",
  category: "config",
  severity: "high",
  description:
    "In an image without /etc/passwd (scratch, distroless-like builds), the USER spec is `uid` or `uid:gid` in numbers, or names only a group that /etc/group lists, so the engine can resolve it.",
  rationale:
    "The engine resolves a user name through the image's /etc/passwd when it starts the container; without the file, `USER app` fails every start with `unable to find user app: no matching entries in passwd file`. A numeric uid needs no lookup, and is what Kubernetes' runAsNonRoot can verify.",
  remediation:
    "Use numbers: `USER 65532:65532`. Or add an account file from the build stage: `COPY --from=build /etc/passwd /etc/passwd` (with the user in it).",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const passwd = facts.users.passwd ?? facts.users.unread?.find((f) => f.file === "passwd");
    if (passwd) return skip(`the image has ${passwd.path}; names are checked by IMG-USER-003`);
    const u = facts.users.user;
    if (u.spec === "") return skip("USER is not set (IMG-USER-001)");
    if (u.resolved) return pass();
    return fail({
      message: u.numeric
        ? `USER '${u.spec}' cannot be resolved in an image without /etc/passwd: ${u.problem ?? "unresolvable"}.`
        : `USER '${u.spec}' names a user, but the image has no /etc/passwd to resolve it: the container will not start.`,
      location: { config: "User" },
      expected: "a numeric USER, e.g. 65532:65532",
      found: `USER ${u.spec}${u.problem ? ` (${u.problem})` : ""}`,
    });
  },
};
