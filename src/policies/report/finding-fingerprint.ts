/**
 * A fingerprint for each finding that stays the same from run to run, so that code
 * scanning and Code Quality recognise a finding they have seen: the rule, the image
 * name without its digest (a rebuild changes the digest, not the finding), and what
 * the finding is about (the path in the image, else the config field, else the
 * Dockerfile, else the image as a whole), hashed. Line numbers and message wording
 * are left out: they move when unrelated lines do. Findings of one rule on one image
 * that share that key are told apart by their order.
 */
import { createHash } from "node:crypto";
import type { ImageReport, ReportedFinding, RuleResult } from "../report-types.js";

/** "registry.example/app:1.2@sha256:…" → "registry.example/app:1.2". */
export const imageName = (reference: string): string => reference.replace(/@[A-Za-z0-9_+.-]+:[0-9a-fA-F]+$/, "");

function subject(f: ReportedFinding): string {
  const l = f.location ?? {};
  if (l.path !== undefined) return `path:${l.path}`;
  if (l.config !== undefined) return `config:${l.config}`;
  if (l.dockerfile) return `dockerfile:${l.dockerfile.file}`;
  return "image";
}

const hash = (parts: readonly string[]): string => createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 32);

/** The fingerprint of every finding of a rule on an image, in the order of `r.findings`. */
export function fingerprints(img: ImageReport, r: RuleResult): string[] {
  const seen = new Map<string, number>();
  return r.findings.map((f) => {
    const key = subject(f);
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return hash([r.rule, imageName(img.reference), key, ...(n ? [String(n)] : [])]);
  });
}
