/** IMG-BIN-008: every ELF file in the image is built for the image platform's architecture. */
import { failIf, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";
import { archMismatch, at, platformArch } from "./binary-helpers.js";

type Options = Record<string, never>;

/** Findings listed one by one; past this many the rest are counted in one more finding. */
export const MAX_LISTED = 100;

export const rule: Rule<Options> = {
  id: "IMG-BIN-008",
  title: "Every ELF file matches the image platform",
  category: "binary",
  severity: "medium",
  description:
    "Every ELF file in the image (executables, shared libraries, objects) is for the image config's architecture. Files whose header could not be read at all are left out.",
  rationale:
    "A file for another architecture cannot be executed or loaded: a helper binary, plugin or library that fails only when the code path that uses it runs. It comes from a download for the wrong architecture, a `COPY --from` of a stage built for the build host, or a multi-platform build that mixed stages.",
  remediation:
    "Download or build each binary for the target: use the TARGETARCH build argument (`ARG TARGETARCH` then `RUN curl -fsSLo /usr/local/bin/tool https://example.com/tool-linux-${TARGETARCH}`), and `FROM --platform=$BUILDPLATFORM` only for stages that cross-compile. " +
    "Waive a file that is deliberately foreign (e.g. firmware, test data) by path in the policy.",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const platform = facts.image.platform;
    const files = facts.binaries.filter((b) => !(b.elf.error !== undefined && b.elf.machine === 0));
    if (files.length === 0) return skip("the image has no ELF files");
    const offenders: Finding[] = [];
    for (const b of files) {
      const wrong = archMismatch(b.elf, platform);
      if (wrong === undefined) continue;
      const where = { path: b.path, layer: b.layer };
      offenders.push({
        message: `${at(where)} is ${wrong}, but the image platform is ${platform.os}/${platformArch(platform)}.`,
        location: where,
        expected: platformArch(platform),
        found: wrong,
      });
    }
    if (offenders.length <= MAX_LISTED) return failIf(offenders);
    const rest = offenders.length - MAX_LISTED;
    return failIf([
      ...offenders.slice(0, MAX_LISTED),
      {
        message: `${rest} more ELF files are not for ${platformArch(platform)} (${offenders.length} in all; the first ${MAX_LISTED} are listed).`,
        expected: platformArch(platform),
        found: `${offenders.length} files for other architectures`,
      },
    ]);
  },
};
