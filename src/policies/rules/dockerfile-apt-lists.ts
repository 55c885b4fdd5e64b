/** IMG-DF-010: apt lists removed in the RUN that fetched them (hadolint DL3009). */
import { shippedStages } from "../../dockerfile/stages.js";
import { failIf, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";
import { at, dockerfileOf, lineMatching, shown } from "./dockerfile-helpers.js";
import { mountCovers, runs } from "./dockerfile-run.js";
import { removes } from "./package-commands.js";

type Options = Record<string, never>;

const LISTS = "/var/lib/apt/lists";

export const rule: Rule<Options> = {
  id: "IMG-DF-010",
  title: "Dockerfile removes apt lists in the same RUN",
  category: "dockerfile",
  severity: "low",
  description:
    "Every RUN of the final image's stages that runs `apt-get update` (which writes the package lists) also removes /var/lib/apt/lists in the same RUN, or keeps it in a BuildKit cache or tmpfs mount. Build stages that do not ship are not judged.",
  rationale:
    "hadolint DL3009, dockle DKL-DI-0005: the lists are tens of megabytes the running container never needs; removed in a later RUN they still ship in the earlier layer. IMG-HIST-006 checks the image's layers.",
  remediation:
    "Update, install and clean up in one RUN:\n" +
    "  RUN apt-get update \\\n" +
    "   && apt-get install -y --no-install-recommends ca-certificates \\\n" +
    "   && rm -rf /var/lib/apt/lists/*",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const df = dockerfileOf(facts);
    if (typeof df === "string") return skip(df);
    const apt = runs(df, shippedStages(df)).filter((r) => r.packages.some((p) => p.manager === "apt"));
    if (apt.length === 0) return skip("no RUN in the final image's stages runs apt-get or apt");
    const findings: Finding[] = [];
    for (const run of apt) {
      const update = run.packages.find((p) => p.manager === "apt" && p.sub === "update");
      if (!update) continue;
      if (removes(run.commands, LISTS) || mountCovers(run.instr, LISTS, "cache") || mountCovers(run.instr, LISTS, "tmpfs")) continue;
      const installs = run.packages.some((p) => p.manager === "apt" && p.sub === "install");
      findings.push({
        message: `${shown(run.instr, 100)} runs \`${update.program} update\`${installs ? " and installs" : ""} without removing ${LISTS} in the same RUN: the package lists ship in its layer.`,
        location: at(df, lineMatching(run.instr, /\bapt(?:-get)?\s+(?:\S+\s+)*update\b/)),
        expected: `rm -rf ${LISTS}/* in the same RUN`,
        found: shown(run.instr),
      });
    }
    return failIf(findings);
  },
};
