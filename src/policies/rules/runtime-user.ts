/** IMG-RUN-004: PID 1 runs as the expected user, and not as root, as the kernel sees it. */
import type { RuntimeFacts } from "../../runtime/runtime-types.js";
import type { Facts } from "../../inspect/facts/types.js";
import { fail, pass, skip, type Finding, type Rule } from "../types.js";
import { ranOrSkip } from "./runtime-helpers.js";

interface Options {
  /** The uid PID 1 must have; without it, any uid but 0. */
  uid?: number;
  /** The gid PID 1 must have; without it, any. */
  gid?: number;
}

/** Where the user came from: the runtime section or the image's USER. */
function userSource(facts: Facts, rt: RuntimeFacts): string {
  if (rt.profile?.user) return `runtime.user '${rt.profile.user}'`;
  const spec = facts.config.user ?? "";
  return spec === "" ? "the image sets no USER" : `the image's USER '${spec}'`;
}

export const rule: Rule<Options> = {
  id: "IMG-RUN-004",
  title: "The container runs as the expected non-root user",
  category: "runtime",
  severity: "high",
  cis: "4.1",
  description:
    "The uid of PID 1, read from the kernel while the container runs, is not 0 and, when the `uid` option is set, is that uid (and the `gid` option likewise). This checks what actually runs, after the entrypoint has done whatever it does; IMG-USER-001 checks the USER the image declares.",
  rationale:
    "CIS Docker Benchmark 4.1: a process that is root in the container is root on the host's kernel, held back only by namespaces, capabilities and seccomp. A non-root USER can still end up root (an entrypoint script that starts as root and forgets to drop privileges, a setuid binary, a runtime user override), and a platform that pins a uid (OpenShift's range, a volume owned by a given uid) needs the process to have exactly that uid.",
  remediation:
    "Run as an unprivileged numeric user: `USER 65532:65532` in the Dockerfile (create the account first on a distro base), or set `runtime.user` in the policy to the user your platform runs it as. An entrypoint script that starts as root must drop privileges before it starts the service (`exec su-exec app \"$@\"`, `exec gosu app \"$@\"`, or `exec setpriv --reuid=… --regid=… --init-groups \"$@\"`). Set the `uid` option when the platform expects a specific uid.",
  optionsSchema: {
    type: "object",
    properties: {
      uid: { type: "integer", minimum: 1, description: "The uid PID 1 must run as, not 0 (default: any uid but 0)." },
      gid: { type: "integer", minimum: 0, description: "The gid PID 1 must run as (default: any)." },
    },
    additionalProperties: false,
  },
  defaultOptions: {},
  check(facts, options) {
    const { rt, outcome } = ranOrSkip(facts);
    if (!rt) return outcome;
    const id = rt.identity;
    if (!id) {
      return skip(rt.exited ? "the container exited before the identity of its PID 1 could be read" : "the identity of PID 1 was not read");
    }
    const findings: Finding[] = [];
    const found = `uid ${id.uid}, gid ${id.gid}`;
    const source = userSource(facts, rt);
    if (options.uid !== undefined && id.uid !== options.uid) {
      findings.push({
        message: `PID 1 ran as uid ${id.uid}${id.uid === 0 ? " (root)" : ""}, not the expected uid ${options.uid} (${source}).`,
        location: { config: "User" },
        expected: `uid ${options.uid}`,
        found,
      });
    } else if (options.uid === undefined && id.uid === 0) {
      const declared = facts.users.user;
      const switched = !rt.profile?.user && declared.root === false && declared.uid !== undefined ? ` The image's USER resolves to uid ${declared.uid}, so something made the process root again: a setuid program or an entrypoint that switches users.` : "";
      findings.push({
        message: `PID 1 ran as root (uid 0): ${source}.${switched}`,
        location: { config: "User" },
        expected: "a uid other than 0",
        found,
      });
    }
    if (options.gid !== undefined && id.gid !== options.gid) {
      findings.push({
        message: `PID 1 ran with gid ${id.gid}, not the expected gid ${options.gid} (${source}).`,
        location: { config: "User" },
        expected: `gid ${options.gid}`,
        found,
      });
    }
    return findings.length ? fail(...findings) : pass();
  },
};
