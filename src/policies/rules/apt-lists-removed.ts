/** IMG-HIST-006: apt lists do not ship (dockle DKL-DI-0005). */
import type { Facts } from "../../inspect/facts/types.js";
import { failIf, pass, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";
import { buildSteps, noHistory, stepLocation, stepName, stepText, type BuildStep } from "./build-history.js";
import { formatBytes } from "./byte-size.js";
import { removes, runSteps } from "./package-commands.js";

type Options = Record<string, never>;

const LISTS = "/var/lib/apt/lists";
const APT = new Set(["apt-get", "apt", "aptitude", "dpkg"]);
const KEEP = new Set(["lock", "partial", "auxfiles"]);

function madeBy(steps: readonly BuildStep[], layer: number): string {
  const step = steps.find((s) => s.layer === layer);
  return step ? `, made by ${stepText(step, 100)}` : "";
}

/** Findings from the filesystem: lists in the final image, or lists a later layer deleted. */
function filesystemFindings(facts: Facts): Finding[] {
  const steps = buildSteps(facts.image);
  const findings: Finding[] = [];
  const byLayer = new Map<number, string[]>();
  for (const s of facts.filesystem.strayFiles) {
    if (s.kind === "apt-lists") byLayer.set(s.layer, [...(byLayer.get(s.layer) ?? []), s.path]);
  }
  for (const [layer, paths] of byLayer) {
    findings.push({
      message: `${paths.length} apt list file${paths.length === 1 ? "" : "s"} in ${LISTS} ship in layer ${layer + 1}${madeBy(steps, layer)} (e.g. ${paths[0]}).`,
      location: { path: LISTS, layer },
      expected: `${LISTS} emptied in the RUN that ran apt-get update`,
      found: `${paths.length} files in ${LISTS}`,
    });
  }
  const wasted = new Map<string, { layer: number; removedBy: number; bytes: number; files: number }>();
  for (const w of facts.filesystem.waste.top) {
    if (!w.path.startsWith(LISTS + "/") || KEEP.has(w.path.slice(LISTS.length + 1))) continue;
    const key = `${w.layer}/${w.removedBy}`;
    const g = wasted.get(key) ?? { layer: w.layer, removedBy: w.removedBy, bytes: 0, files: 0 };
    g.bytes += w.size;
    g.files++;
    wasted.set(key, g);
  }
  for (const g of wasted.values()) {
    findings.push({
      message: `apt lists written by layer ${g.layer + 1}${madeBy(steps, g.layer)} are deleted only by layer ${g.removedBy + 1}, so layer ${g.layer + 1} still ships them (at least ${formatBytes(g.bytes)} in ${g.files} files).`,
      location: { path: LISTS, layer: g.layer },
      expected: `${LISTS} emptied in the same RUN as apt-get update`,
      found: `lists deleted by a later layer (${g.removedBy})`,
    });
  }
  return findings;
}

export const rule: Rule<Options> = {
  id: "IMG-HIST-006",
  title: "apt lists removed",
  category: "dockerfile",
  severity: "low",
  description:
    "No layer ships the apt package lists (/var/lib/apt/lists/*). The filesystem is the evidence: lists in the final image, or lists one layer wrote and a later one deleted (among the largest wasted files). When the image has no apt and no lists, the build history is checked instead, as dockle does: every RUN with `apt-get install` also removes /var/lib/apt/lists. Skipped when neither shows apt.",
  rationale:
    "dockle DKL-DI-0005 (Clear apt-get caches), hadolint DL3009: the lists are tens of MB that nothing at run time needs, and they are stale the day after the build. Removing them in a later RUN does not help: the layer that wrote them still has them.",
  remediation:
    "Remove them in the RUN that fetched them:\n" +
    "  RUN apt-get update \\\n" +
    "   && apt-get install -y --no-install-recommends <packages> \\\n" +
    "   && rm -rf /var/lib/apt/lists/*\n" +
    "or keep them out of the layer with a cache mount: `RUN --mount=type=cache,target=/var/lib/apt/lists apt-get update && apt-get install -y <packages>`.",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const fromFs = filesystemFindings(facts);
    if (fromFs.length) return failIf(fromFs);
    if (facts.filesystem.packageManagers.some((p) => APT.has(p.name))) return pass(); // apt is here, and its lists are not
    if (noHistory(facts)) return skip("the image has no apt and no apt lists, and no build history to check");
    const installs = runSteps(buildSteps(facts.image)).filter((r) => r.packages.some((p) => p.manager === "apt" && p.sub === "install"));
    if (!installs.length) return skip("the image does not use apt: no apt in its filesystem, no apt lists, no apt-get install in its history");
    return failIf(
      installs
        .filter((r) => !removes(r.commands, LISTS))
        .map((r) => ({
          message: `${stepName(r.step)} runs \`apt-get install\` without removing ${LISTS} in the same RUN: ${stepText(r.step, 120)}`,
          location: stepLocation(r.step),
          expected: `rm -rf ${LISTS}/* in the same RUN`,
          found: stepText(r.step),
        })),
    );
  },
};
