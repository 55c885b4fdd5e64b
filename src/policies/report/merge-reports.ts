/**
 * `imgpolicy report merge`: JSON reports joined into one report, which every format
 * is then rendered from. Two kinds of input:
 *
 * - The shards of one release gate (`check --from LIST --shard K/N`, every K of one N,
 *   each once; or one unsharded gate report): the images are put back in the list's
 *   order and the report rebuilt by the function `check --from` uses (gate-report.ts),
 *   so it is the report of the whole list. Which fields differ from an unsharded run,
 *   as they differ between any two runs, is in docs/report.md.
 * - Plain reports (`check REF…`): their images one after the other, in the order given.
 *   When the reports were made with different policies, each image carries its own
 *   `policies` and `failOn`, as a gate's images do.
 *
 * Inputs must come from this version of imgpolicy (rule titles, SARIF's rule
 * descriptions and the renderers are this version's), and no image may be in two of
 * them. `generatedAt` is the latest of the inputs'. Problems are ReportInputErrors.
 *
 * No recorded verdict is trusted: every input's statuses, counts and verdicts must be
 * what its results give (report-verdicts.ts), a gate image's threshold its policy's,
 * and the merged verdicts are worked out again from the results.
 */
import { addCounts, emptyCounts } from "../evaluate.js";
import { REPORT_SCHEMA, type GateInfo, type ImageReport, type Report, type ReportWarning } from "../report-types.js";
import { shownText } from "../policy-types.js";
import { severityRank, type Severity } from "../types.js";
import { gateReport, groupKey, type GateImageReport } from "./gate-report.js";
import { ReportInputError } from "./read-report.js";
import { imagePasses, verdictProblem } from "./report-verdicts.js";

export interface NamedReport {
  /** Where it was read from, for messages. */
  file: string;
  report: Report;
}

/** Text a report holds (a reference, the list's name), as a message names it: escaped, cut. */
const shown = (s: string) => shownText(s, 200, false);

const latest = (inputs: readonly NamedReport[]): Date => new Date(Math.max(...inputs.map((i) => Date.parse(i.report.generatedAt))));

const shardName = (g: GateInfo) => (g.shard ? `shard ${g.shard.index}/${g.shard.count}` : "the whole list");

/** The same tool version everywhere, and this one. */
function checkVersions(inputs: readonly NamedReport[], version: string): void {
  const first = inputs[0]!;
  for (const i of inputs) {
    if (i.report.tool.version !== first.report.tool.version) {
      throw new ReportInputError(`${first.file} was written by imgpolicy ${shown(first.report.tool.version)} and ${i.file} by ${shown(i.report.tool.version)}: merge reports of one version`);
    }
  }
  if (first.report.tool.version !== version) {
    throw new ReportInputError(`${first.file} was written by imgpolicy ${shown(first.report.tool.version)}, and this is ${version}: merge with the version that wrote the reports`);
  }
}

/** The settings a gate's shards must share: the list, its policies, thresholds and waivers, and the rules ignored. */
const gateSettings = (g: GateInfo) => JSON.stringify([g.digest, g.images, g.groups, g.runtimeOnly ?? false, [...new Set(g.ignore ?? [])].sort()]);

function mergeGate(inputs: readonly NamedReport[]): Report {
  const [first, ...rest] = inputs as [NamedReport, ...NamedReport[]];
  const gate = first.report.gate!;
  for (const i of rest) {
    const g = i.report.gate!;
    if (g.digest !== gate.digest) throw new ReportInputError(`${first.file} and ${i.file} are reports of different image lists (${shown(gate.list)} ${gate.digest.slice(0, 19)}…, ${shown(g.list)} ${g.digest.slice(0, 19)}…)`);
    if (gateSettings(g) !== gateSettings(gate)) throw new ReportInputError(`${first.file} and ${i.file} checked the list with different policies, thresholds or flags (--fail-on, --runtime-only, --ignore): run every shard with the same command`);
    if (!g.shard || !gate.shard) throw new ReportInputError(`${g.shard ? first.file : i.file} is the report of ${shown(gate.list)}'s whole list, and ${g.shard ? i.file : first.file} of ${shardName(g.shard ? g : gate)}: merge the shards of one run`);
    if (g.shard.count !== gate.shard.count) throw new ReportInputError(`${first.file} is ${shardName(gate)} and ${i.file} ${shardName(g)}: merge the shards of one split`);
  }
  if (gate.shard) {
    const byShard = new Map<number, string>();
    for (const i of inputs) {
      const k = i.report.gate!.shard!.index;
      const before = byShard.get(k);
      if (before !== undefined) throw new ReportInputError(`${before} and ${i.file} are both shard ${k}/${gate.shard.count} of ${shown(gate.list)}: each shard once`);
      byShard.set(k, i.file);
    }
    const missing = Array.from({ length: gate.shard.count }, (_, n) => n + 1).filter((k) => !byShard.has(k));
    if (missing.length) throw new ReportInputError(`shard${missing.length > 1 ? "s" : ""} ${missing.map((k) => `${k}/${gate.shard!.count}`).join(", ")} of ${shown(gate.list)} ${missing.length > 1 ? "are" : "is"} missing: give every shard's report (the gate is not complete without them)`);
  }
  const images: GateImageReport[] = [];
  const seen = new Map<number, string>();
  const groups = new Map(gate.groups.map((g) => [groupKey(g.policies), g.failOn]));
  for (const i of inputs) {
    for (const img of i.report.images as (ImageReport & Partial<GateImageReport>)[]) {
      if (img.entry === undefined || img.policies === undefined || img.failOn === undefined || !groups.has(groupKey(img.policies))) {
        throw new ReportInputError(`${i.file}: image ${shown(img.reference)} has no place in ${shown(gate.list)} (entry, policies, failOn): not a report check --from wrote`);
      }
      if (img.failOn !== groups.get(groupKey(img.policies))) {
        throw new ReportInputError(`${i.file}: image ${shown(img.reference)} says it fails on ${img.failOn}, and its policy ${shown(img.policies.join(" + "))} on ${groups.get(groupKey(img.policies))}: the report was edited or is damaged`);
      }
      if (img.entry >= gate.images) throw new ReportInputError(`${i.file}: image ${shown(img.reference)} is entry ${img.entry} of ${shown(gate.list)}, which has ${gate.images} images: not a report check --from wrote`);
      const before = seen.get(img.entry);
      if (before !== undefined) throw new ReportInputError(`${shown(img.reference)} (images[${img.entry}] of ${shown(gate.list)}) is in both ${before} and ${i.file}`);
      seen.set(img.entry, i.file);
      images.push(img as GateImageReport);
    }
  }
  if (images.length !== gate.images) throw new ReportInputError(`the reports hold ${images.length} of the ${gate.images} images of ${shown(gate.list)}: a report is missing or was cut`);
  const { shard: _shard, ...whole } = gate;
  return gateReport(images, whole, { now: latest(inputs) });
}

/** "waiver-unused" only when every report of that policy says so; the others once each. */
function plainWarnings(inputs: readonly NamedReport[]): ReportWarning[] {
  const policyKey = (r: Report) => groupKey(r.policies);
  const waiverKey = (w: ReportWarning) => `${w.kind}\0${w.waiver?.source ?? JSON.stringify(w.waiver ?? w.message)}`;
  const out = new Map<string, ReportWarning>();
  for (const i of inputs) {
    for (const w of i.report.warnings ?? []) {
      const peers = inputs.filter((j) => policyKey(j.report) === policyKey(i.report));
      if (w.kind === "waiver-unused" && !peers.every((j) => (j.report.warnings ?? []).some((x) => waiverKey(x) === waiverKey(w)))) continue;
      if (!out.has(waiverKey(w))) out.set(waiverKey(w), w);
    }
  }
  return [...out.values()];
}

function strictest(levels: readonly Severity[]): Severity {
  return levels.reduce((a, s) => (severityRank(s) < severityRank(a) ? s : a));
}

function mergePlain(inputs: readonly NamedReport[]): Report {
  const same = inputs.every((i) => groupKey(i.report.policies) === groupKey(inputs[0]!.report.policies) && i.report.failOn === inputs[0]!.report.failOn);
  const images: ImageReport[] = [];
  const seen = new Map<string, string>();
  let passed = true;
  for (const i of inputs) {
    for (const img of i.report.images) {
      const own = img as ImageReport & { policies?: string[]; failOn?: Severity };
      const policies = own.policies ?? i.report.policies;
      const key = JSON.stringify([img.reference, img.platform ?? "", policies]);
      const before = seen.get(key);
      if (before !== undefined) throw new ReportInputError(`${shown(img.reference)}${img.platform ? ` (${shown(img.platform)})` : ""} checked against ${shown(policies.join(" + "))} is in both ${before} and ${i.file}`);
      seen.set(key, i.file);
      passed &&= imagePasses(img, own.failOn ?? i.report.failOn);
      images.push(same || own.policies ? img : { ...img, policies, failOn: i.report.failOn } as ImageReport);
    }
  }
  const counts = emptyCounts();
  for (const img of images) addCounts(counts, img.counts);
  const warnings = plainWarnings(inputs);
  const perImage = images as (ImageReport & { policies?: string[] })[];
  return {
    schema: REPORT_SCHEMA,
    tool: inputs[0]!.report.tool,
    policies: same ? inputs[0]!.report.policies : [...new Set(perImage.flatMap((i) => i.policies ?? []))],
    failOn: same ? inputs[0]!.report.failOn : strictest(inputs.map((i) => i.report.failOn)),
    generatedAt: latest(inputs).toISOString(),
    images,
    counts,
    passed,
    ...(warnings.length ? { warnings } : {}),
  };
}

/** The one report of these inputs; `version` is this imgpolicy's. */
export function mergeReports(inputs: readonly NamedReport[], version: string): Report {
  if (inputs.length === 0) throw new ReportInputError("no report to merge");
  checkVersions(inputs, version);
  for (const i of inputs) {
    const problem = verdictProblem(i.report);
    if (problem) throw new ReportInputError(`${i.file}: ${problem}: the report was edited or is damaged (write it again with check --format json=${i.file})`);
  }
  const gates = inputs.filter((i) => i.report.gate);
  if (gates.length && gates.length !== inputs.length) {
    const plain = inputs.find((i) => !i.report.gate)!;
    throw new ReportInputError(`${gates[0]!.file} is a release gate's report (check --from) and ${plain.file} is not: merge the shards of one gate, or reports of check REF…`);
  }
  return gates.length ? mergeGate(inputs) : mergePlain(inputs);
}
