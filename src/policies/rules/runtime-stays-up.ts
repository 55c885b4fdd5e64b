/** IMG-RUN-002: once healthy, the container keeps running: no exit, no restart. */
import { RUNTIME_DEFAULTS } from "../runtime-spec.js";
import { fail, pass, skip, type Rule, NO_OPTIONS } from "../types.js";
import { duration, exitMeaning, killNote, logTailPhrase, ranOrSkip, seconds } from "./runtime-helpers.js";

interface Options {
  /** From runtime.stayUp (check() supplies it; not written in a policy). */
  stayUp?: number;
}

export const rule: Rule<Options> = {
  id: "IMG-RUN-002",
  title: "The container stays up once healthy",
  category: "runtime",
  severity: "high",
  description:
    "After it became healthy (IMG-RUN-001), the container keeps running, and healthy, for `runtime.stayUp` seconds (default 3): it does not exit, is not restarted, and its health check does not fail again. Not applicable when it never became healthy.",
  rationale:
    "A service that answers its first health probe and then dies (a background goroutine that panics, a lost connection it does not retry, a write to the read-only root a moment after start) passes a start-only test and crash-loops in production.",
  remediation:
    "Read the exit code and the last log lines in the finding: the program failed after start. Common causes are a write to a read-only path some time after start (a cache, a PID or lock file; see IMG-RUN-003), a dependency it cannot reach, or a memory limit (exit code 137, OOM-killed: raise `runtime.memory` or fix the leak).",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts, options) {
    const { rt, outcome } = ranOrSkip(facts);
    if (!rt) return outcome;
    if (!rt.health?.healthy) return skip("the container never became healthy (IMG-RUN-001)");
    const stayUp = options.stayUp ?? RUNTIME_DEFAULTS.stayUp;
    const healthyAt = rt.health.timeToHealthyMs;
    const expected = `running and healthy for ${seconds(stayUp)} after becoming healthy, no restarts`;
    const restarts = rt.restarts ?? 0;
    const restarted = restarts > 0 ? `, and was restarted ${restarts} time${restarts === 1 ? "" : "s"}` : "";
    if (rt.exited) {
      const { exitCode, afterMs } = rt.exited;
      const after = healthyAt !== undefined && afterMs >= healthyAt ? `${duration(afterMs - healthyAt)} after it became healthy` : `${duration(afterMs)} after it started`;
      return fail({
        message: `The container became healthy, then exited with code ${exitCode}${exitMeaning(rt.exited)} ${after}${restarted}.${logTailPhrase(rt)}`,
        location: { config: "Entrypoint" },
        expected,
        found: `exit code ${exitCode} ${after}${killNote(rt.exited)}`,
      });
    }
    const unhealthyAt = rt.health.turnedUnhealthyAfterMs;
    if (unhealthyAt !== undefined) {
      const after = healthyAt !== undefined && unhealthyAt >= healthyAt ? `${duration(unhealthyAt - healthyAt)} after it became healthy` : `${duration(unhealthyAt)} after it started`;
      return fail({
        message: `The container became healthy, then failed its health check again ${after}${rt.health.detail ? ` (${rt.health.detail})` : ""}${restarted}.${logTailPhrase(rt)}`,
        location: { config: rt.health.method === "healthcheck" ? "Healthcheck" : "Entrypoint" },
        expected,
        found: `unhealthy again ${after}`,
      });
    }
    if (restarts > 0 || rt.stayedUp === false) {
      return fail({
        message: `The container became healthy but did not stay up for ${seconds(stayUp)}: ${restarts > 0 ? `it was restarted ${restarts} time${restarts === 1 ? "" : "s"}` : "it stopped running"}.${logTailPhrase(rt)}`,
        location: { config: "Entrypoint" },
        expected,
        found: restarts > 0 ? `${restarts} restart${restarts === 1 ? "" : "s"}` : "stopped running",
      });
    }
    return pass();
  },
};
