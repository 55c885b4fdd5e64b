/** IMG-HIST-003: no sudo in RUN steps (dockle DKL-DI-0001). */
import { failIf, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";
import { buildSteps, noHistory, stepLocation, stepName, stepText } from "./build-history.js";
import { runSteps } from "./package-commands.js";

type Options = Record<string, never>;

const ESCALATE = new Set(["sudo", "doas"]);

export const rule: Rule<Options> = {
  id: "IMG-HIST-003",
  title: "No sudo in RUN",
  category: "dockerfile",
  severity: "medium",
  description:
    "No RUN step runs a command through `sudo` (or `doas`). Only sudo as a command counts: `apt-get install sudo` installs it, which this rule does not judge.",
  rationale:
    "dockle DKL-DI-0001 (Avoid sudo command), hadolint DL3004: RUN already runs as the Dockerfile's current USER, root by default, so sudo adds nothing at build time; needing it means the image ships sudo and its setuid binary, a TTY-oriented tool with its own history of privilege escalation bugs, and usually a sudoers entry that a compromised process can use at run time.",
  remediation:
    "Switch users around the commands that need root instead:\n" +
    "  USER root\n" +
    "  RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n" +
    "  USER app\n" +
    "and in entrypoint scripts drop privileges with `gosu`/`su-exec`, not sudo.",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const none = noHistory(facts);
    if (none) return skip(none);
    const findings: Finding[] = [];
    for (const run of runSteps(buildSteps(facts.image))) {
      const used = run.commands.find((c) => ESCALATE.has(c.program) || c.wrappers.some((w) => ESCALATE.has(w)));
      if (!used) continue;
      const tool = ESCALATE.has(used.program) ? used.program : used.wrappers.find((w) => ESCALATE.has(w))!;
      const what = ESCALATE.has(used.program) ? tool : `${tool} ${used.program}`;
      findings.push({
        message: `${stepName(run.step)} runs \`${what}\`: ${stepText(run.step, 120)}`,
        location: stepLocation(run.step),
        expected: "no sudo: USER root around the commands that need it",
        found: stepText(run.step),
      });
    }
    return failIf(findings);
  },
};
