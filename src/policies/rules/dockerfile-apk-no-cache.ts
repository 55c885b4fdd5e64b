/** IMG-DF-009: `apk add --no-cache` in the stages that ship (hadolint DL3019). */
import { shippedStages } from "../../dockerfile/stages.js";
import { failIf, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";
import { at, dockerfileOf, lineMatching, shown } from "./dockerfile-helpers.js";
import { mountCovers, runs } from "./dockerfile-run.js";
import { removes } from "./package-commands.js";

type Options = Record<string, never>;

export const rule: Rule<Options> = {
  id: "IMG-DF-009",
  title: "Dockerfile apk add uses --no-cache",
  category: "dockerfile",
  severity: "low",
  description:
    "Every `apk add` in a RUN of the final image's stages has `--no-cache`, or the same RUN removes /var/cache/apk, or keeps the cache in a BuildKit cache mount (`--mount=type=cache,target=/var/cache/apk`). Build stages that do not ship are not judged.",
  rationale:
    "hadolint DL3019, dockle DKL-DI-0004: without it apk leaves its package index (APKINDEX, a few MB) in /var/cache/apk in the layer, and an `apk update` in a separate RUN is served from the build cache with a stale index. IMG-HIST-005 checks the image's history.",
  remediation: "Install without keeping the index:\n  RUN apk add --no-cache ca-certificates tzdata",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const df = dockerfileOf(facts);
    if (typeof df === "string") return skip(df);
    const shipped = runs(df, shippedStages(df)).filter((r) => r.packages.some((p) => p.manager === "apk" && p.sub === "add"));
    if (shipped.length === 0) return skip("no RUN in the final image's stages runs apk add");
    const findings: Finding[] = [];
    for (const run of shipped) {
      const add = run.packages.find((p) => p.manager === "apk" && p.sub === "add" && !p.command.args.includes("--no-cache"));
      if (!add) continue;
      if (removes(run.commands, "/var/cache/apk") || mountCovers(run.instr, "/var/cache/apk", "cache") || mountCovers(run.instr, "/etc/apk/cache", "cache")) continue;
      findings.push({
        message: `${shown(run.instr, 100)} runs \`apk add\` without \`--no-cache\`: the package index stays in /var/cache/apk in the layer.`,
        location: at(df, lineMatching(run.instr, /\bapk\b/)),
        expected: "apk add --no-cache",
        found: `apk ${add.command.args.join(" ")}`,
      });
    }
    return failIf(findings);
  },
};
