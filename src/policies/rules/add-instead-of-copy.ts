/** IMG-HIST-001: ADD used where COPY would do (CIS 4.9, dockle CIS-DI-0009). */
import type { ImageFact } from "../../inspect/facts/types.js";
import { failIf, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";
import { buildSteps, noHistory, stepLocation, stepName, stepText, type BuildStep } from "./build-history.js";
import { commandWords } from "./shell-commands.js";

type Options = Record<string, never>;

const URL = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@)/i;
const ARCHIVE = /\.(?:tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|tzst|tar\.lz|tar\.lzma|tlz)$/i;

/** Path components of a destination: "/usr/local/bin/" → 3. */
const depth = (dest: string) => dest.split("/").filter(Boolean).length;

/**
 * What a plain ADD copied, or undefined when the ADD was legitimate (a URL, an archive
 * it extracted, a source that cannot be told from the history).
 */
function plainSources(step: BuildStep, image: ImageFact): string | undefined {
  const legacy = /^(?:--\S+\s+)*(file|dir|multi):([0-9a-f]+)\s+in\s+(\S.*?)\s*$/.exec(step.args);
  if (legacy) {
    const [, kind, , dest] = legacy as unknown as [string, string, string, string];
    if (kind === "file") {
      // one local file becomes at most one entry per destination component, plus the file
      // itself; more entries mean ADD extracted an archive (a base image's rootfs tarball).
      const layer = step.layer === undefined ? undefined : image.layers[step.layer];
      if (layer ? layer.files > depth(dest) + 1 : dest === "/") return undefined;
    }
    return `a local ${kind === "dir" ? "directory" : kind === "multi" ? "set of files" : "file"} into ${dest}`;
  }
  if (/^(?:--\S+\s+)*[0-9a-f]{32,}\s+in\s/.test(step.args)) return undefined; // the legacy builder's URL download
  let words: string[] | undefined;
  if (step.args.startsWith("[")) {
    try {
      const parsed = JSON.parse(step.args) as unknown;
      if (Array.isArray(parsed) && parsed.every((a) => typeof a === "string")) words = parsed;
    } catch {
      // not JSON
    }
  }
  words ??= (commandWords(step.args)[0] ?? []).filter((w) => !w.startsWith("--"));
  if (words.length < 2) return undefined;
  const sources = words.slice(0, -1);
  const plain = sources.filter((s) => !URL.test(s) && !ARCHIVE.test(s) && !s.startsWith("$"));
  return plain.length ? `${plain.join(" ")} into ${words[words.length - 1]}` : undefined;
}

export const rule: Rule<Options> = {
  id: "IMG-HIST-001",
  title: "COPY, not ADD, for local files",
  category: "dockerfile",
  severity: "low",
  cis: "4.9",
  description:
    "No build step ADDs local files or directories. ADD of a URL or of a tar archive (which ADD extracts) is what ADD is for and is not reported; for the legacy builder, whose history names only a content hash, an ADD whose layer holds more entries than one file would make is taken as an extracted archive.",
  rationale:
    "CIS Docker Benchmark 4.9 (Ensure that COPY is used instead of ADD in Dockerfiles), dockle CIS-DI-0009, trivy DS-0005: ADD also fetches URLs and unpacks archives, so a plain `ADD . /app` silently changes meaning when a source becomes an archive (or a URL through a build arg). COPY does only what it says.",
  remediation: "Replace the ADD with COPY:\n  COPY --chown=app:app . /app\nand keep ADD for what only it does: `ADD --checksum=sha256:<digest> https://example.com/tool.tar.gz /opt/`.",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const none = noHistory(facts);
    if (none) return skip(none);
    const findings: Finding[] = [];
    for (const step of buildSteps(facts.image)) {
      if (step.instruction !== "ADD") continue;
      const what = plainSources(step, facts.image);
      if (!what) continue;
      findings.push({
        message: `${stepName(step)} ADDs ${what}, where COPY would do: ${stepText(step, 120)}`,
        location: stepLocation(step),
        expected: "COPY for local files and directories",
        found: stepText(step),
      });
    }
    return failIf(findings);
  },
};
