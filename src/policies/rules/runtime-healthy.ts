/** IMG-RUN-001: run under the policy's profile, the container becomes healthy in time. */
import type { RuntimeFacts } from "../../runtime/runtime-types.js";
import { RUNTIME_DEFAULTS } from "../runtime-spec.js";
import { fail, pass, type Finding, type Rule, NO_OPTIONS } from "../types.js";
import { duration, exitMeaning, killNote, logTailPhrase, ranOrSkip, seconds } from "./runtime-helpers.js";

interface Options {
  /** From runtime.startupTimeout (check() supplies it; not written in a policy). */
  startupTimeout?: number;
}

type Method = NonNullable<RuntimeFacts["health"]>["method"];

const WAITED_FOR: Record<Method, string> = {
  http: "an HTTP answer",
  tcp: "a TCP connection to be accepted",
  healthcheck: "the image's HEALTHCHECK to report healthy",
  log: "a matching log line",
  running: "the container to be running",
};

function waitPhrase(rt: RuntimeFacts, detail = true): string {
  const h = rt.health;
  if (!h) return "a health result";
  return `${WAITED_FOR[h.method] ?? h.method}${detail && h.detail ? ` (${h.detail})` : ""}`;
}

function location(rt: RuntimeFacts): Finding["location"] {
  return rt.health?.method === "healthcheck" ? { config: "Healthcheck" } : { config: "Entrypoint" };
}

/** A hint when the read-only root is the likely cause: the writable run wrote somewhere. */
function readOnlyHint(rt: RuntimeFacts): string {
  if (!rt.profile?.readOnly || !rt.writes?.length || rt.writableRun?.healthy === false) return "";
  return rt.writableRun?.healthy ? " With a writable root it became healthy, and wrote to the filesystem: see IMG-RUN-003." : " Run with a writable root it wrote to the filesystem: see IMG-RUN-003.";
}

export const rule: Rule<Options> = {
  id: "IMG-RUN-001",
  title: "The container becomes healthy",
  category: "runtime",
  severity: "critical",
  description:
    "Started with `imgpolicy check --runtime` under the policy's runtime profile (read-only root, tmpfs /tmp, every capability dropped, no-new-privileges, the image's user, unless the runtime section says otherwise), the container becomes healthy within `runtime.startupTimeout` seconds. Healthy means what `runtime.health` says; by default the image's HEALTHCHECK, else a TCP connection to its first exposed port, else that it keeps running.",
  rationale:
    "An image that passes every static check can still crash at start: a missing shared library or CA bundle, a config file it expects, a directory it cannot write under a read-only root, a port it cannot bind without a capability. Starting it the way production will is the only proof it serves; container-structure-test users have asked for this for years (#218, #493).",
  remediation:
    "Read the exit code and the last log lines in the finding. Exit code 127 or 126: the program or its interpreter is missing or not executable. A crash that mentions a file or directory: see IMG-RUN-003 (read-only root). `permission denied` binding a port below 1024: listen on a high port (8080) or add `NET_BIND_SERVICE` to `runtime.capAdd`. Not healthy in time: raise `runtime.startupTimeout` if the service is just slow, or check that `runtime.health` names the right port and path.",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts, options) {
    const { rt, outcome } = ranOrSkip(facts);
    if (!rt) return outcome;
    if (rt.health?.healthy) return pass();
    const timeout = options.startupTimeout ?? RUNTIME_DEFAULTS.startupTimeout;
    const expected = `healthy within ${seconds(timeout)}: waited for ${waitPhrase(rt, false)}`;
    if (rt.exited) {
      const { exitCode, afterMs } = rt.exited;
      return fail({
        message: `The container exited with code ${exitCode}${exitMeaning(rt.exited)} ${duration(afterMs)} after it started, before it became healthy.${exitCode === 0 ? " A service must keep running; the command finished instead." : ""}${readOnlyHint(rt)}${logTailPhrase(rt)}`,
        location: location(rt),
        expected,
        found: `exit code ${exitCode} after ${duration(afterMs)}${killNote(rt.exited)}`,
      });
    }
    return fail({
      message: `The container did not become healthy within ${seconds(timeout)}: waited for ${waitPhrase(rt)}.${readOnlyHint(rt)}${logTailPhrase(rt)}`,
      location: location(rt),
      expected,
      found: `still not healthy after ${seconds(timeout)}${rt.restarts ? `, ${rt.restarts} restart${rt.restarts === 1 ? "" : "s"}` : ""}`,
    });
  },
};
