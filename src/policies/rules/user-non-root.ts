/** IMG-USER-001: the image sets USER, and not to root. */
import { fail, pass, type Rule, NO_OPTIONS } from "../types.js";

type Options = Record<string, never>;

export const rule: Rule<Options> = {
  id: "IMG-USER-001",
  title: "USER is set and is not root",
  category: "config",
  severity: "high",
  cis: "4.1",
  description:
    "The config's USER resolves (as the engine resolves it) to a uid other than 0. Unset USER, `root`, `0`, `0:0` and any name whose /etc/passwd entry has uid 0 are root.",
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
    if (!u.root) return pass();
    const spec = facts.config.user ?? u.spec;
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
