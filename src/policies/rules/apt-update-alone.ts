/** IMG-HIST-002: a package index update alone in a RUN (CIS 4.7, dockle CIS-DI-0007). */
import { failIf, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";
import { buildSteps, noHistory, stepLocation, stepName, stepText } from "./build-history.js";
import { runSteps } from "./package-commands.js";

type Options = Record<string, never>;

const APT_CONSUMERS = new Set(["install", "upgrade", "dist-upgrade", "full-upgrade", "safe-upgrade", "build-dep", "source", "reinstall", "satisfy"]);
const APK_CONSUMERS = new Set(["add", "upgrade", "fix"]);

export const rule: Rule<Options> = {
  id: "IMG-HIST-002",
  title: "Package index update not alone in a RUN",
  category: "dockerfile",
  severity: "medium",
  cis: "4.7",
  description:
    "No RUN step runs `apt-get update` (or `apt update`, `aptitude update`, `apk update`) without installing or upgrading with the same package manager in the same RUN.",
  rationale:
    "CIS Docker Benchmark 4.7 (Ensure update instructions are not used alone in the Dockerfile), dockle CIS-DI-0007: the build cache keeps the RUN that updated the index, so a later `RUN apt-get install` added to the Dockerfile installs from a stale index — old versions, or packages the mirror no longer has — and the index files stay in their own layer.",
  remediation:
    "Update, install and clean up in one RUN:\n" +
    "  RUN apt-get update \\\n" +
    "   && apt-get install -y --no-install-recommends ca-certificates \\\n" +
    "   && rm -rf /var/lib/apt/lists/*\n" +
    "On Alpine, `RUN apk add --no-cache ca-certificates` needs no update at all.",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const none = noHistory(facts);
    if (none) return skip(none);
    const findings: Finding[] = [];
    for (const run of runSteps(buildSteps(facts.image))) {
      for (const manager of ["apt", "apk"] as const) {
        const mine = run.packages.filter((p) => p.manager === manager);
        const update = mine.find((p) => p.sub === "update");
        if (!update) continue;
        const consumers = manager === "apt" ? APT_CONSUMERS : APK_CONSUMERS;
        if (mine.some((p) => consumers.has(p.sub))) continue;
        const install = manager === "apt" ? `${update.program} install` : "apk add";
        findings.push({
          message: `${stepName(run.step)} runs \`${update.program} update\` without \`${install}\` in the same RUN: ${stepText(run.step, 120)}`,
          location: stepLocation(run.step),
          expected: `\`${update.program} update\` and \`${install}\` in one RUN`,
          found: stepText(run.step),
        });
      }
    }
    return failIf(findings);
  },
};
