/**
 * The report of a release gate (`check --from`): one report for every image of the
 * list, each checked against its own policy. `imgpolicy check --from` builds it from
 * the images it checked, and `imgpolicy report merge` from the images of a gate's
 * shards, with this one function, so that the merged report is the one the whole list
 * gives (docs/report.md says which fields differ between two runs).
 *
 * Images are grouped by policy, in the order the list first names the policies, and
 * keep the list's order within a group. `policies` lists every policy of the report's
 * images once; `failOn` is --fail-on, else the threshold they share, else the
 * strictest. Waiver warnings are worked out over all the report's images of each
 * policy; a shard's report leaves out "unused" (another shard may use the waiver).
 */
import { VERSION } from "../../version.js";
import { addCounts, emptyCounts } from "../evaluate.js";
import { REPORT_SCHEMA, type GateGroup, type GateInfo, type ImageReport, type Report } from "../report-types.js";
import { RULES } from "../rules/index.js";
import { severityRank, type Severity } from "../types.js";
import { waiverWarnings } from "../waiver-warnings.js";
import { imagePasses } from "./report-verdicts.js";

/** An image of a gate's report: the policies it was checked against, their threshold, and its place in the list. */
export type GateImageReport = ImageReport & { policies: string[]; failOn: Severity; entry: number };

export type GateReport = Report & { gate: GateInfo; images: GateImageReport[] };

export interface GateReportOptions {
  /** --fail-on, when given. */
  failOn?: Severity;
  now: Date;
}

/** What identifies a group: its policies, as named. */
export const groupKey = (policies: readonly string[]): string => JSON.stringify(policies);

/** The strictest threshold: the lowest severity that fails (medium fails more than high). */
function strictest(levels: readonly Severity[]): Severity | undefined {
  return levels.reduce<Severity | undefined>((a, s) => (a === undefined || severityRank(s) < severityRank(a) ? s : a), undefined);
}

export function gateReport(images: readonly GateImageReport[], gate: GateInfo, opts: GateReportOptions): GateReport {
  const present = new Set(images.map((i) => groupKey(i.policies)));
  const groups: GateGroup[] = gate.groups.filter((g) => present.has(groupKey(g.policies)));
  const rank = new Map(groups.map((g, n) => [groupKey(g.policies), n]));
  const rankOf = (i: GateImageReport) => rank.get(groupKey(i.policies)) ?? groups.length;
  const sorted = [...images].sort((a, b) => rankOf(a) - rankOf(b) || a.entry - b.entry);
  const counts = emptyCounts();
  for (const i of sorted) addCounts(counts, i.counts);
  const rules = (gate.runtimeOnly ? RULES.filter((r) => r.category === "runtime") : RULES).map((r) => r.id);
  const uses = groups.map((g) => ({ waivers: g.waivers, images: sorted.filter((i) => groupKey(i.policies) === groupKey(g.policies)), rules }));
  const warnings = waiverWarnings(uses, opts.now).filter((w) => !(gate.shard && w.kind === "waiver-unused"));
  return {
    schema: REPORT_SCHEMA,
    tool: { name: "imgpolicy", version: VERSION },
    policies: [...new Set(groups.flatMap((g) => g.policies))],
    failOn: opts.failOn ?? strictest(groups.map((g) => g.failOn)) ?? "high",
    generatedAt: opts.now.toISOString(),
    images: sorted,
    counts,
    passed: sorted.every((i) => imagePasses(i, i.failOn)), // from the results, not a shard's word (report-verdicts.ts)
    ...(warnings.length ? { warnings } : {}),
    gate,
  };
}
