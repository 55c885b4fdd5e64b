/** IMG-HIST-005: `apk add` with `--no-cache` (dockle DKL-DI-0004). */
import { failIf, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";
import { buildSteps, noHistory, stepLocation, stepName, stepText } from "./build-history.js";
import { removes, runSteps } from "./package-commands.js";

type Options = Record<string, never>;

export const rule: Rule<Options> = {
  id: "IMG-HIST-005",
  title: "apk add uses --no-cache",
  category: "dockerfile",
  severity: "low",
  description:
    "Every `apk add` in a RUN step has `--no-cache`, or the same RUN removes /var/cache/apk. A RUN that keeps the cache in a BuildKit cache mount (`--mount=type=cache,target=/var/cache/apk`) does not show the mount in the history: waive the finding for it.",
  rationale:
    "dockle DKL-DI-0004 (Use \"apk add\" with --no-cache), hadolint DL3019: without it apk leaves the package index (APKINDEX, a few MB) in /var/cache/apk in the layer, and `apk update` in a separate RUN is served from the build cache with a stale index.",
  remediation: "Install without keeping the index:\n  RUN apk add --no-cache ca-certificates tzdata",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const none = noHistory(facts);
    if (none) return skip(none);
    const findings: Finding[] = [];
    for (const run of runSteps(buildSteps(facts.image))) {
      const add = run.packages.find((p) => p.manager === "apk" && p.sub === "add" && !p.command.args.includes("--no-cache"));
      if (!add || removes(run.commands, "/var/cache/apk")) continue;
      findings.push({
        message: `${stepName(run.step)} runs \`apk add\` without \`--no-cache\`: ${stepText(run.step, 120)}`,
        location: stepLocation(run.step),
        expected: "apk add --no-cache",
        found: stepText(run.step),
      });
    }
    return failIf(findings);
  },
};
