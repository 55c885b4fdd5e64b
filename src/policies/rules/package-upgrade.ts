/** IMG-HIST-004: no dist-upgrade (and, by default, no whole-system upgrade) in RUN steps (dockle DKL-DI-0003). */
import { failIf, skip, type Finding, type Rule } from "../types.js";
import { buildSteps, noHistory, stepLocation, stepName, stepText } from "./build-history.js";
import { runSteps, type PackageCommand } from "./package-commands.js";

interface Options {
  /** Also report a plain upgrade of every package (`apt-get upgrade`, `apk upgrade`, `dnf upgrade`), not only dist-upgrades. */
  includeUpgrade: boolean;
}

/** "dist-upgrade" for a release-changing upgrade, "upgrade" for a whole-system upgrade, undefined otherwise. */
function upgradeKind(p: PackageCommand): "dist-upgrade" | "upgrade" | undefined {
  switch (p.manager) {
    case "apt":
      if (p.sub === "dist-upgrade" || p.sub === "full-upgrade") return "dist-upgrade";
      return p.sub === "upgrade" || p.sub === "safe-upgrade" ? "upgrade" : undefined;
    case "apk":
      if (p.sub !== "upgrade" || p.operands.length) return undefined;
      return p.command.args.some((a) => a === "-a" || a === "--available") ? "dist-upgrade" : "upgrade";
    case "rpm":
      if (p.sub === "distro-sync" || p.sub === "distrosync" || p.sub === "dsync") return "dist-upgrade";
      return ["upgrade", "update", "upgrade-minimal", "update-minimal"].includes(p.sub) && !p.operands.length ? "upgrade" : undefined;
    case "zypper":
      if (p.sub === "dist-upgrade" || p.sub === "dup") return "dist-upgrade";
      return (p.sub === "update" || p.sub === "up") && !p.operands.length ? "upgrade" : undefined;
    case "pacman":
      return /^-[A-Za-z]*S[A-Za-z]*u/.test(p.sub) ? "upgrade" : undefined;
  }
}

export const rule: Rule<Options> = {
  id: "IMG-HIST-004",
  title: "No dist-upgrade or system upgrade in RUN",
  category: "dockerfile",
  severity: "low",
  description:
    "No RUN step runs a release upgrade (`apt-get dist-upgrade`, `apt full-upgrade`, `apk upgrade --available`, `dnf distro-sync`, `zypper dup`) or, unless `includeUpgrade` is false, an upgrade of every installed package (`apt-get upgrade`, `apk upgrade`, `yum/dnf upgrade` without package names, `pacman -Syu`). Upgrading named packages is not reported.",
  rationale:
    "dockle DKL-DI-0003 (Avoid dist-upgrade), hadolint DL3005/DL3017: the base image's maintainers choose and test its package set; upgrading everything in a RUN makes the build depend on the day it ran, hides the fixes in a layer instead of in the base you could pin, and a dist-upgrade can move the image to another release. Pull a newer base image instead (`docker build --pull`). Set `includeUpgrade: false` to accept plain upgrades, which some teams use to pick up security fixes between base image releases.",
  remediation:
    "Drop the upgrade and rebuild on a newer, pinned base:\n" +
    "  FROM debian:12.7-slim\n" +
    "and upgrade only what needs a fix, by name: `RUN apt-get update && apt-get install -y --only-upgrade openssl && rm -rf /var/lib/apt/lists/*`.",
  optionsSchema: {
    type: "object",
    properties: { includeUpgrade: { type: "boolean", description: "Also report upgrades of every package, not only release upgrades." } },
    additionalProperties: false,
  },
  defaultOptions: { includeUpgrade: true },
  check(facts, options) {
    const none = noHistory(facts);
    if (none) return skip(none);
    const findings: Finding[] = [];
    for (const run of runSteps(buildSteps(facts.image))) {
      for (const p of run.packages) {
        const kind = upgradeKind(p);
        if (!kind || (kind === "upgrade" && !options.includeUpgrade)) continue;
        const cmd = `${p.program} ${p.sub}`;
        findings.push({
          message: `${stepName(run.step)} runs \`${cmd}\` (${kind === "dist-upgrade" ? "a release upgrade" : "an upgrade of every package"}): ${stepText(run.step, 120)}`,
          location: stepLocation(run.step),
          expected: kind === "dist-upgrade" ? "no release upgrade in a RUN" : "no upgrade of every package in a RUN",
          found: stepText(run.step),
        });
        break;
      }
    }
    return failIf(findings);
  },
};
