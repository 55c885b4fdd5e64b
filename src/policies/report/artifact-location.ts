/**
 * Where a finding sits in the repository, for the formats that need a file for every
 * result (SARIF for GitHub code scanning, GitLab Code Quality). A finding with a
 * Dockerfile line is placed there. Any other finding (a path in the image, a config
 * field, the image as a whole) gets a stand-in, line 1, a file the run read: the
 * Dockerfile of the image, else the first policy file that configured the check, else
 * the image list of `check --from`. Paths are relative to `baseDir` (the working
 * directory, where CI checks the repository out); a file outside it cannot be named and
 * is passed over. Only when the run read no such file (a shipped policy and no
 * Dockerfile, on `check REF`) is the stand-in PLACEHOLDER_ARTIFACT, which may not exist:
 * GitHub needs a location for every result, and docs/report.md says to give
 * --dockerfile or a policy file.
 */
import { isAbsolute, posix, relative } from "node:path";
import type { ImageReport, Report, ReportedFinding } from "../report-types.js";

/** The stand-in when the run read no Dockerfile, policy file or list in the repository (it may not exist). */
export const PLACEHOLDER_ARTIFACT = ".imgpolicy.yaml";

/** What the stand-in is looked for in: the report's policies and, for a release gate, its list. */
export type StandInReport = Pick<Report, "policies" | "gate">;

export interface ArtifactOptions {
  /** The directory paths are made relative to (the CLI passes the working directory). Without it, absolute paths cannot be placed. */
  baseDir?: string;
  /** The Dockerfile the images were built from (`--dockerfile`, `--build`), a stand-in for findings that have no line of it. */
  dockerfile?: string;
}

export interface ArtifactSpot {
  /** Relative to `baseDir`, with `/` separators. */
  path: string;
  line: number;
  /** True when the finding is not in this file: the file stands in for the image. */
  standIn: boolean;
  /** The stand-in is PLACEHOLDER_ARTIFACT: the run read no file of the repository to place the image at. */
  placeholder?: true;
}

/** `file` as a path relative to `baseDir`, or undefined when it lies outside it (or is absolute with no `baseDir`). */
export function repoRelative(file: string, baseDir?: string): string | undefined {
  const slashed = file.replace(/\\/g, "/");
  let rel: string;
  if (isAbsolute(file) || /^[A-Za-z]:\//.test(slashed)) {
    if (baseDir === undefined) return undefined;
    rel = relative(baseDir, file).replace(/\\/g, "/");
    if (isAbsolute(rel)) return undefined;
  } else {
    rel = slashed;
  }
  const norm = posix.normalize(rel);
  if (norm === "." || norm === ".." || norm.startsWith("../") || norm.startsWith("/")) return undefined;
  return norm;
}

/** A policy given by file rather than by shipped name (`base`, `go-scratch`). */
const isPolicyFile = (name: string): boolean => /[\\/]/.test(name) || /\.(ya?ml|json)$/i.test(name);

/** The file that stands in for an image: its Dockerfile, else the first policy file, else the gate's list, else the placeholder. */
export function standInArtifact(img: ImageReport, report: StandInReport, opts: ArtifactOptions): string {
  return standInFile(img, report, opts) ?? PLACEHOLDER_ARTIFACT;
}

/** The stand-in the run read (Dockerfile, policy file, list), or undefined when there is none in the repository. */
export function standInFile(img: ImageReport, report: StandInReport, opts: ArtifactOptions): string | undefined {
  const dockerfiles = img.results.flatMap((r) => r.findings.flatMap((f) => (f.location?.dockerfile ? [f.location.dockerfile.file] : [])));
  // the image's own (the JSON report keeps it, so a merged report places it too), else the run's
  const given = img.dockerfile ?? opts.dockerfile;
  if (given !== undefined) dockerfiles.push(given);
  const policies = (img as ImageReport & { policies?: string[] }).policies ?? report.policies;
  const list = report.gate ? [report.gate.list] : [];
  for (const candidate of [...dockerfiles, ...policies.filter(isPolicyFile), ...list]) {
    const rel = repoRelative(candidate, opts.baseDir);
    if (rel !== undefined) return rel;
  }
  return undefined;
}

/**
 * The stand-in of the last image asked for, with the report and options it was asked
 * with: findingArtifact() is called for every finding, and standInArtifact() looks at all
 * of the image's findings, which made SARIF and Code Quality quadratic (200,000 findings
 * took hours).
 */
const lastStandIn = new WeakMap<ImageReport, { report: StandInReport; opts: ArtifactOptions; findings: number; path: string | undefined }>();

function cachedStandIn(img: ImageReport, report: StandInReport, opts: ArtifactOptions): string | undefined {
  let findings = 0;
  for (const r of img.results) findings += r.findings.length;
  const hit = lastStandIn.get(img);
  if (hit && hit.report === report && hit.opts === opts && hit.findings === findings) return hit.path;
  const path = standInFile(img, report, opts);
  lastStandIn.set(img, { report, opts, findings, path });
  return path;
}

/** Where a finding goes: its Dockerfile line when that file is in the repository, else the image's stand-in at line 1. */
export function findingArtifact(img: ImageReport, f: ReportedFinding, report: StandInReport, opts: ArtifactOptions): ArtifactSpot {
  const df = f.location?.dockerfile;
  const rel = df ? repoRelative(df.file, opts.baseDir) : undefined;
  if (df && rel !== undefined) return { path: rel, line: Math.max(1, Math.trunc(df.line)), standIn: false };
  const path = cachedStandIn(img, report, opts);
  return path !== undefined ? { path, line: 1, standIn: true } : { path: PLACEHOLDER_ARTIFACT, line: 1, standIn: true, placeholder: true };
}
