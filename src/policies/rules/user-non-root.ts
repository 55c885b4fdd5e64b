/** IMG-USER-001: the image sets USER, and not to root. */
import { fail, pass, type Rule, NO_OPTIONS } from "../types.js";

type Options = Record<string, never>;

/**
 * A USER whose user part is a uid in 1..2^31-1: the engine runs it as that uid or not at
 * all, whatever /etc/passwd holds (a line is matched by that number and gives it back).
 */
function numericNonRoot(spec: string): boolean {
  const user = spec.split(":")[0] ?? "";
  return /^\+?\d{1,10}$/.test(user) && Number(user) > 0 && Number(user) <= 0x7fffffff;
}

export const rule: Rule<Options> = {
  id: "IMG-USER-001",
  title: "USER is set and is not root",
  category: "config",
  severity: "high",
  cis: "4.1",
  description:
    "The config's USER resolves (as the engine and runc resolve it: the first matching /etc/passwd line, numbers read as Go reads them and truncated to 32 bits) to a uid other than 0. Unset USER, `root`, `0`, `0:0` and any name whose first /etc/passwd line has uid 0 (or a uid field such as `1000x` or `4294967296`, which the engine reads as 0) are root. When /etc/passwd or /etc/group is there but could not be read, a USER other than a plain uid fails: it is not shown to be non-root.",
  rationale:
    "CIS Docker Benchmark 4.1 (Ensure that a user for the container has been created): a process running as uid 0 in the container is root on the host's kernel, limited only by namespaces, capabilities and seccomp; any container escape or mounted host path then works with full privileges. Kubernetes' `runAsNonRoot` refuses such images.",
  remediation:
    "Run as an unprivileged, numeric user (numeric so the runtime can verify it without /etc/passwd):\n" +
    "  USER 65532:65532\n" +
    "On a distro base, create the account first: `RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin app` then `USER 10001:10001`.",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const u = facts.users.user;
    const spec = facts.config.user ?? u.spec;
    if (u.status === "unknown" && !numericNonRoot(u.spec)) {
      return fail({
        message: `USER '${spec}' cannot be resolved here (${u.problem ?? "an account file was not read"}): that the container does not run as root is not shown.`,
        location: { config: "User" },
        expected: "a USER that resolves to a uid other than 0",
        found: `USER ${spec} (not known: ${u.problem ?? "unread account file"})`,
      });
    }
    if (!u.root) return pass();
    if (spec === "") {
      return fail({
        message: "USER is not set, so the container runs as root (uid 0).",
        location: { config: "User" },
        expected: "a non-root USER, e.g. 65532:65532",
        found: "USER unset (root)",
      });
    }
    const how = u.uid === undefined ? `names user '${spec.split(":")[0]}'` : `resolves to uid ${u.uid}`;
    return fail({
      message: `USER '${spec}' ${how}: the container runs as root.`,
      location: { config: "User" },
      expected: "a non-root USER (uid ≠ 0), e.g. 65532:65532",
      found: `USER ${spec} (uid ${u.uid ?? 0})`,
    });
  },
};
