/** IMG-DF-001: every FROM pins its base image by version tag or digest (hadolint DL3006/DL3007). */
import { builtStages } from "../../dockerfile/built-stages.js";
import type { Dockerfile, BaseImage } from "../../dockerfile/types.js";
import { failIf, skip, type Finding, type Rule } from "../types.js";
import { at, dockerfileOf } from "./dockerfile-helpers.js";
import { PIN_DEFAULTS, PIN_OPTIONS_SCHEMA, pinning, pinProblem, type PinOptions } from "./image-reference.js";

export const rule: Rule<PinOptions> = {
  id: "IMG-DF-001",
  title: "Dockerfile base images pinned",
  category: "dockerfile",
  severity: "medium",
  description:
    "Each FROM that names an image (not `scratch`, not an earlier stage) gives a version tag other than `latest` (or another tag in `mutableTags`), or a digest (`@sha256:…`); with `requireDigest` only a digest counts. Build stages count too (those the build runs: the final or `--target` stage and the stages it uses), as a moving builder changes the binary. A FROM that uses ARGs declared before the first FROM is judged with the build's --build-arg values, else their defaults; where an ARG without a default or build arg gives the tag or digest, the FROM depends on --build-arg and is not judged.",
  rationale:
    "An untagged or `latest` base makes every build start from whatever the tag points to that day: the same Dockerfile gives different images, a breaking or compromised base lands silently, and a rebuild cannot reproduce a release. hadolint DL3006/DL3007, trivy DS-0001. A digest pins the exact image (every architecture, when it is the index digest) and tools like Renovate or Dependabot still propose updates.",
  remediation:
    "Name a version, and pin the digest where you can:\n" +
    "  FROM golang:1.22-alpine@sha256:<index digest> AS build\n" +
    "  FROM alpine:3.19\n" +
    "(`docker buildx imagetools inspect alpine:3.19` prints the index digest.)",
  optionsSchema: PIN_OPTIONS_SCHEMA,
  defaultOptions: PIN_DEFAULTS,
  check(facts, options) {
    const df = dockerfileOf(facts);
    if (typeof df === "string") return skip(df);
    const findings: Finding[] = [];
    const built = builtStages(df);
    for (const stage of df.stages) {
      const base = stage.from;
      if (base.scratch || base.stage !== undefined || !built.has(stage.index)) continue;
      let ref = base.image;
      let via = base.written !== base.image ? ` (${base.written} with ${valuesUsed(df, base)})` : "";
      if (base.unresolved.length > 0) {
        // an ARG without a default: judge only when the tag and digest part is written out
        if (base.written.slice(base.written.lastIndexOf("/") + 1).includes("$")) continue;
        [ref, via] = [base.written, ""];
      }
      const p = pinning(ref);
      const problem = pinProblem(p, options);
      if (!problem) continue;
      const why =
        problem.kind === "no-tag"
          ? "no tag, so it is read as latest"
          : problem.kind === "moving-tag"
            ? `the tag ${problem.tag} moves`
            : "a tag only, and the policy requires a digest";
      findings.push({
        message: `FROM ${ref}${via} does not pin the base image: ${why}.`,
        location: at(df, stage.fromInstruction),
        expected: options.requireDigest ? "a base image digest (image:tag@sha256:…)" : "a version tag or a digest",
        found: `${ref}: ${why}`,
      });
    }
    return failIf(findings);
  },
};

/** "the ARG defaults", or "--build-arg TAG=latest" for the build args the FROM line uses. */
function valuesUsed(df: Dockerfile, base: BaseImage): string {
  const names = [...base.written.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
  const given = [...new Set(names)].filter((n) => Object.hasOwn(df.buildArgs, n) && df.globalArgs.some((a) => a.properties.some((p) => p.name === n)));
  if (given.length === 0) return "the ARG defaults";
  return `${given.map((n) => `--build-arg ${n}=${df.buildArgs[n]}`).join(", ")}${given.length < new Set(names).size ? " and the ARG defaults" : ""}`;
}
