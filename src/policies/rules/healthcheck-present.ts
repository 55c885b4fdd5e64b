/** IMG-HEALTH-001: the image declares a HEALTHCHECK. */
import { fail, pass, type Rule } from "../types.js";

interface Options {
  /** Accept an explicit `HEALTHCHECK NONE` as a deliberate choice (e.g. the orchestrator probes health). */
  acceptNone: boolean;
}

export const rule: Rule<Options> = {
  id: "IMG-HEALTH-001",
  title: "HEALTHCHECK is present",
  category: "config",
  severity: "low",
  cis: "4.6",
  description:
    "The config has a HEALTHCHECK with a command (CMD or CMD-SHELL). `HEALTHCHECK NONE` fails with its own message unless `acceptNone` is set.",
  rationale:
    "CIS Docker Benchmark 4.6 (Ensure that HEALTHCHECK instructions have been added to container images): without one the engine only knows the process is alive, not that it serves; `docker ps`, Compose `depends_on: condition: service_healthy` and Swarm rollouts cannot tell a hung service from a working one.",
  remediation:
    'Add a check the image can run: `HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 CMD ["/app", "healthcheck"]`. ' +
    "Distroless and scratch images have no curl, wget or shell, so the binary itself must support a health subcommand (or a `-healthcheck` flag that calls its own endpoint); " +
    "otherwise disable this rule and check health at run time (a runtime check in the policy, or Kubernetes liveness/readiness probes). " +
    "Set `acceptNone: true` when `HEALTHCHECK NONE` is written on purpose for such platforms.",
  optionsSchema: {
    type: "object",
    properties: { acceptNone: { type: "boolean", description: "Accept an explicit HEALTHCHECK NONE." } },
    additionalProperties: false,
  },
  defaultOptions: { acceptNone: false },
  check(facts, options) {
    const h = facts.config.healthcheck;
    if (h.kind === "cmd" || h.kind === "cmd-shell") {
      if ((h.test ?? []).some((t) => t.trim() !== "")) return pass();
      return fail({
        message: `HEALTHCHECK ${h.kind === "cmd" ? "CMD" : "CMD-SHELL"} has an empty command.`,
        location: { config: "Healthcheck" },
        expected: "a health command",
        found: "empty command",
      });
    }
    if (h.kind === "disabled") {
      if (options.acceptNone) return pass();
      return fail({
        message: "HEALTHCHECK NONE disables health checking (including any inherited from the base image).",
        location: { config: "Healthcheck" },
        expected: 'a HEALTHCHECK command, e.g. HEALTHCHECK CMD ["/app", "healthcheck"]',
        found: "HEALTHCHECK NONE",
      });
    }
    return fail({
      message: "The image has no HEALTHCHECK.",
      location: { config: "Healthcheck" },
      expected: 'a HEALTHCHECK command, e.g. HEALTHCHECK CMD ["/app", "healthcheck"]',
      found: "none",
    });
  },
};
