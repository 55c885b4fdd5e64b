/**
 * The report as SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), for
 * code-scanning views: one run, the rules checked in `tool.driver.rules`, one result
 * per finding. Waived findings stay in, suppressed (`kind: "external"`: the waiver
 * lives in a policy file). Not-applicable and passed rules have no results.
 */
import type { ImageReport, Report, ReportedFinding, RuleResult } from "../report-types.js";
import type { Severity } from "../types.js";
import { escapeJson } from "../../text/escape.js";
import { findingArtifact, PLACEHOLDER_ARTIFACT, type ArtifactOptions, type ArtifactSpot } from "./artifact-location.js";
import { countsPhrase, expiredWaiverCount, waiverTerms } from "./common.js";
import { fingerprints } from "./finding-fingerprint.js";

export const SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
export const IMGPOLICY_INFORMATION_URI = "https://imgpolicy.dev";

export type SarifLevel = "error" | "warning" | "note" | "none";

export const SARIF_LEVEL: Record<Severity, SarifLevel> = { critical: "error", high: "error", medium: "warning", low: "note", info: "note" };

/**
 * GitHub code scanning ranks security results by `security-severity` (a CVSS-like
 * score: 9.0+ critical, 7.0+ high, 4.0+ medium, above 0 low).
 */
const SECURITY_SEVERITY: Record<Severity, string | undefined> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0", info: undefined };

/** What a rule says about itself beyond what a report carries (from the rule registry). */
export interface SarifRuleInfo {
  id: string;
  description?: string;
  rationale?: string;
  cis?: string;
}

export interface SarifOptions extends ArtifactOptions {
  /** Where to read about imgpolicy (an absolute URI). */
  informationUri?: string;
  /** Rule descriptions for `fullDescription`; without them the title stands in. */
  rules?: readonly SarifRuleInfo[];
}

type Json = Record<string, unknown>;

/** A relative path stays relative (to the repository root, as code scanning wants); an absolute one becomes file://. */
export function fileUri(path: string): string {
  const p = path.replace(/\\/g, "/");
  const enc = encodeURI(p).replace(/[?#]/g, (c) => (c === "?" ? "%3F" : "%23"));
  if (/^[A-Za-z]:\//.test(p)) return `file:///${enc}`;
  return p.startsWith("/") ? `file://${enc}` : enc;
}

/** SARIF's rule `name` is a readable identifier, Pascal-cased: "NoSecretsInTheEnvironment". */
export function ruleName(title: string, id: string): string {
  const words = title.normalize("NFKD").replace(/[^A-Za-z0-9]+/g, " ").trim().split(" ").filter(Boolean);
  return words.length ? words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("") : id;
}

function ruleDescriptor(r: RuleResult, info: SarifRuleInfo | undefined): Json {
  const full = [info?.description, info?.rationale].filter(Boolean).join(" ") || r.title;
  const tags = [r.category, ...(SECURITY_SEVERITY[r.severity] ? ["security"] : []), ...(info?.cis ? [`CIS-Docker-${info.cis}`] : [])];
  const properties: Json = { tags, category: r.category, severity: r.severity };
  const score = SECURITY_SEVERITY[r.severity];
  if (score) properties["security-severity"] = score;
  return {
    id: r.rule,
    name: ruleName(r.title, r.rule),
    shortDescription: { text: r.title },
    fullDescription: { text: full },
    ...(r.remediation ? { help: { text: r.remediation } } : {}),
    defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
    properties,
  };
}

/**
 * Every result has a physical location, as GitHub code scanning requires: the Dockerfile
 * line, or the image's stand-in file at line 1 (artifact-location.ts), relative to
 * %SRCROOT%. The logical location names the image and the path or config field.
 */
function location(img: ImageReport, f: ReportedFinding, spot: ArtifactSpot): Json {
  const loc = f.location ?? {};
  const out: Json = {
    physicalLocation: {
      artifactLocation: { uri: fileUri(spot.path), uriBaseId: "%SRCROOT%" },
      region: { startLine: spot.line },
    },
  };
  const props: Json = { image: img.reference };
  if (loc.layer !== undefined) props.layer = loc.layer;
  if (loc.config !== undefined && loc.path !== undefined) props.config = loc.config;
  if (loc.dockerfile && spot.standIn) props.dockerfile = `${loc.dockerfile.file}:${loc.dockerfile.line}`;
  let logical: Json;
  if (loc.path !== undefined) logical = { name: loc.path, fullyQualifiedName: `${img.reference}:${loc.path}`, kind: "resource" };
  else if (loc.config !== undefined) logical = { name: loc.config, fullyQualifiedName: `${img.reference}:config.${loc.config}`, kind: "property" };
  else logical = { name: img.reference, fullyQualifiedName: img.reference, kind: "module" };
  out.logicalLocations = [{ ...logical, properties: props }];
  return out;
}

/** "IMAGE: message (expected …; found …)": the image is named, since the file a result is placed in may stand in for it. */
export function messageText(img: ImageReport, f: ReportedFinding): string {
  const extra = [f.expected !== undefined ? `expected ${f.expected}` : "", f.found !== undefined ? `found ${f.found}` : ""].filter(Boolean);
  return `${img.reference}: ${extra.length ? `${f.message} (${extra.join("; ")})` : f.message}`;
}

function result(img: ImageReport, r: RuleResult, ruleIndex: number, f: ReportedFinding, fingerprint: string, spot: ArtifactSpot): Json {
  const properties: Json = { image: img.reference, severity: r.severity };
  if (img.digest) properties.imageDigest = img.digest;
  if (f.location?.layer !== undefined) properties.layer = f.location.layer;
  if (f.expected !== undefined) properties.expected = f.expected;
  if (f.found !== undefined) properties.found = f.found;
  if (!f.waivedBy && r.expiredWaivers?.length) properties.expiredWaivers = r.expiredWaivers;
  const out: Json = {
    ruleId: r.rule,
    ruleIndex,
    level: SARIF_LEVEL[r.severity],
    message: { text: messageText(img, f) },
    locations: [location(img, f, spot)],
    partialFingerprints: { "imgpolicyFinding/v1": fingerprint },
  };
  if (f.waivedBy) {
    const w = f.waivedBy;
    const terms = waiverTerms(w);
    const suppression: Json = { kind: "external", justification: terms ? `${w.reason} (${terms})` : w.reason };
    const sp: Json = {};
    if (w.expires) sp.expires = w.expires;
    if (w.source) sp.source = w.source;
    if (w.path) sp.path = w.path;
    if (Object.keys(sp).length) suppression.properties = sp;
    out.suppressions = [suppression];
  }
  out.properties = properties;
  return out;
}

/** The warning of a run whose results could only be placed at the placeholder. */
export function placeholderNote(reference: string): string {
  return `${reference}: findings without a Dockerfile line are placed at ${PLACEHOLDER_ARTIFACT}, line 1, which this run did not read (a shipped policy and no Dockerfile): give --dockerfile FILE or a policy file in the repository so that they sit on a file of it`;
}

/** The report as a SARIF 2.1.0 log, pretty-printed, ending in a newline. */
export function renderSarif(report: Report, opts: SarifOptions = {}): string {
  const info = new Map((opts.rules ?? []).map((r) => [r.id, r]));
  const rules: Json[] = [];
  const index = new Map<string, number>();
  const results: Json[] = [];
  /** Images whose results sit at the placeholder, a file the run did not read. */
  const placed = new Set<string>();
  for (const img of report.images) {
    for (const r of img.results) {
      let i = index.get(r.rule);
      if (i === undefined) {
        i = rules.length;
        index.set(r.rule, i);
        rules.push(ruleDescriptor(r, info.get(r.rule)));
      }
      const ruleIndex = i;
      const prints = fingerprints(img, r);
      r.findings.forEach((f, n) => {
        const spot = findingArtifact(img, f, report, opts);
        if (spot.placeholder) placed.add(img.reference);
        results.push(result(img, r, ruleIndex, f, prints[n]!, spot));
      });
    }
  }
  const unread = report.images.filter((i) => i.error);
  const notes: Json[] = [
    ...unread.map((i) => ({ level: "error", message: { text: `${i.reference}: ${i.error}` } })),
    ...[...placed].map((ref) => ({ level: "warning", message: { text: placeholderNote(ref) } })),
  ];
  const invocation: Json = {
    executionSuccessful: unread.length === 0,
    endTimeUtc: report.generatedAt,
    ...(notes.length ? { toolExecutionNotifications: notes } : {}),
  };
  const images = report.images.map((i) => ({
    reference: i.reference,
    ...(i.digest ? { digest: i.digest } : {}),
    ...(i.platform ? { platform: i.platform } : {}),
    ...(i.error ? { error: i.error } : {}),
    passed: i.passed,
    summary: countsPhrase(i.counts, expiredWaiverCount(i.results)),
    counts: i.counts,
  }));
  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: { name: report.tool.name, version: report.tool.version, informationUri: opts.informationUri ?? IMGPOLICY_INFORMATION_URI, rules },
        },
        invocations: [invocation],
        results,
        properties: { reportSchema: report.schema, policies: report.policies, failOn: report.failOn, passed: report.passed, images },
      },
    ],
  };
  // Values stay exact; DEL, C1, bidi and invisible characters are written as \u escapes.
  return escapeJson(JSON.stringify(log, null, 2)) + "\n";
}
