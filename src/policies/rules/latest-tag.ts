/** IMG-TAG-001: the image is not referenced by `latest` or by no tag (dockle DKL-DI-0006). */
import { fail, pass, skip, type Rule } from "../types.js";
import { pinning, referenceKind } from "./image-reference.js";

interface Options {
  /** Tags that move and so pin nothing. */
  mutableTags: string[];
}

export const rule: Rule<Options> = {
  id: "IMG-TAG-001",
  title: "Image reference pins a version",
  category: "config",
  severity: "low",
  description:
    "The reference the image was checked under (`image.reference`) carries a digest, or a tag that is not `latest` (nor another tag in `mutableTags`). A name without a tag means `latest`. A reference by image ID passes; a docker-archive or OCI layout reference that names no tag is skipped.",
  rationale:
    "dockle DKL-DI-0006 (Avoid latest tag), trivy DS-0001: `latest` is just the tag pushed last. What was checked and what gets deployed under that name can differ, rollbacks have nothing to return to, and caches on nodes serve whatever they pulled first. A version tag, or better a digest, says which image was meant.",
  remediation:
    "Tag builds with a version and check and deploy that:\n" +
    "  docker build -t registry.example/app:1.4.2 .\n" +
    "  imgpolicy check registry.example/app:1.4.2\n" +
    "and pin by digest where it matters: `registry.example/app@sha256:<digest>`.",
  optionsSchema: {
    type: "object",
    properties: {
      mutableTags: { type: "array", items: { type: "string", minLength: 1 }, uniqueItems: true, description: "Tags that pin nothing (default: latest)." },
    },
    additionalProperties: false,
  },
  defaultOptions: { mutableTags: ["latest"] },
  check(facts, options) {
    const ref = facts.image.reference;
    const kind = referenceKind(ref, facts.image.id);
    if (kind.kind === "image-id") return pass();
    if (kind.kind === "archive" && kind.tag === undefined) return skip(`the reference ${ref} names an archive or layout on disk, without a tag`);
    const p = kind.kind === "archive" ? { kind: "tag" as const, tag: kind.tag! } : pinning(kind.name);
    if (p.kind === "digest") return pass();
    if (p.kind === "tag" && !options.mutableTags.includes(p.tag)) return pass();
    const found = p.kind === "none" ? "no tag (read as latest)" : `tag ${p.tag}`;
    return fail({
      message: `The image is referenced as ${ref}: ${found}, which pins no version.`,
      expected: "a version tag or a digest",
      found,
    });
  },
};
