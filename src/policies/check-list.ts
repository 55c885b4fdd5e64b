/**
 * check({ from: FILE }) (CLI: check --from FILE): the release gate. Checks every image
 * the list names, each against its own policy (or the list's default), a few at a time,
 * and gives one report.
 *
 * Which policy an image gets: its own `policy`; else the check's `policy`; else the
 * list's top-level `policy`; else .imgpolicy.yaml here or above; else base. Policy files
 * named in the list resolve against the list's directory (as `extends` does), and the
 * report names them relative to the working directory (as it names the others), so that
 * SARIF's stand-in location is the file. `shard` checks only the images of one shard
 * (image-list-shard.ts), after every policy of the list has loaded: `mergeReports` (CLI:
 * `imgpolicy report merge`) joins the shards.
 */
import { dirname, isAbsolute, resolve } from "node:path";
import { UsageError } from "../errors.js";
import { mapLimit } from "../util/map-limit.js";
import type { CheckOptions, CheckRun } from "./check.js";
import type { FromEntry, Position } from "./image-list.js";
import { shardOf } from "./image-list-shard.js";
import { checkedFailOn, isResolvedPolicy, namedOrFound, policyNames, PolicyProblemsError, resolvePolicy } from "./load-policy-input.js";
import { formatProblem, type PolicyProblem, type ResolvedPolicy } from "./policy-types.js";
import { gateReport, type GateImageReport, type GateReport } from "./report/gate-report.js";
import { reportPath } from "./report-path.js";
import type { GateInfo, Report } from "./report-types.js";
import type { IgnoredRule } from "./ignore.js";
import { reportedWaivers } from "./waivers.js";

/** An image list that does not validate: every problem, one a line (`file:line:col: message`). */
export class ImageListError extends UsageError {
  constructor(readonly lines: readonly string[]) {
    super(lines.join("\n"));
  }
}

/** Images that share a policy: checked against it, reported together. */
interface Group {
  names: string[];
  /** Where the names were written, for problems that have no place of their own. */
  at?: Position;
  /** Found in the working directory, not named: its runtime section may only harden the sandbox, unless trusted. */
  found?: boolean;
  policy?: ResolvedPolicy;
}

/**
 * A policy file named in the list (relative to the list's directory), as the report
 * names it: as written when the list is in the working directory; else relative to
 * the working directory when it lies inside it (`ci/policy.yaml`), else absolute.
 * Shipped names and absolute paths stay as written.
 */
export function policyFromList(name: string, listDir: string, cwd = process.cwd()): string {
  // as load-policy.ts tells a file from a shipped name
  const isFile = name.includes("/") || /\.(ya?ml|json)$/i.test(name);
  if (!isFile || isAbsolute(name) || resolve(listDir) === resolve(cwd)) return name;
  return reportPath(resolve(listDir, name), cwd);
}

/** A problem as a line: `file:line:col: message`, or `file: message` when it has no place. */
const problemLine = (p: PolicyProblem): string => (p.line > 0 ? formatProblem(p) : `${p.file}: ${p.message}`);

/** How check() checks one image list entry with its group's policy. */
export type CheckImages = (refs: readonly string[], run: CheckRun) => Promise<Report>;

/** The gate of `file`; `opts.ignore` comes resolved. Throws ImageListError or PolicyProblemsError before any image is read. */
export async function checkList(file: string, opts: Omit<CheckOptions, "ignore"> & { ignore: readonly IgnoredRule[] }, checkImages: CheckImages): Promise<GateReport> {
  // loaded here: its YAML parser is not needed by a check without --from
  const { readFromList } = await import("./image-list.js");
  const { list, problems } = await readFromList(file);
  if (!list) throw new ImageListError(problems.map(problemLine));
  const here = opts.cwd ?? process.cwd();
  const failOn = checkedFailOn(opts.failOn);
  const fromList = (names: string[]) => names.map((n) => policyFromList(n, dirname(file), here));

  let fallback: Group;
  if (opts.policy !== undefined) {
    fallback = { names: opts.policyNames ?? policyNames(opts.policy), ...(isResolvedPolicy(opts.policy) ? { policy: opts.policy } : {}) };
  } else if (list.policy) {
    fallback = { names: fromList(list.policy), ...(list.policyAt ? { at: list.policyAt } : {}) };
  } else {
    const { input } = await namedOrFound(undefined, here);
    fallback = { names: policyNames(input), found: true };
  }
  const groups = new Map<string, Group>();
  const groupOf = (e: FromEntry): Group => {
    const g: Group = e.policy ? { names: fromList(e.policy), at: e.policyAt ?? e.at } : fallback;
    const key = JSON.stringify(g.names);
    if (!groups.has(key)) groups.set(key, { ...g });
    return groups.get(key)!;
  };
  // every entry's policy loads (a shard fails on a bad policy as the whole list does); the shard's entries are checked
  const planned = list.entries.map((entry, index) => ({ entry, index, group: groupOf(entry) }));
  const shard = opts.shard;
  const selected = shard ? planned.filter((p) => shardOf(p.entry.image, shard.count) === shard.index) : planned;

  const runtime = Boolean(opts.runtime || opts.requireRuntime);
  const policyProblems: PolicyProblem[] = [];
  for (const g of groups.values()) {
    const runs = planned.some((p) => p.group === g && (opts.runtimeOnly || (p.entry.runtime ?? runtime)));
    const hardenOnly = opts.hardenOnly ?? Boolean(g.found && runs && !opts.trustPolicy);
    let policy = g.policy;
    try {
      policy ??= await resolvePolicy(g.names, {
        cwd: here,
        allowExternalExtends: opts.allowExternalExtends ?? false,
        hardenOnly,
        ...(opts.rules ? { rules: opts.rules } : {}),
        ...(opts.shippedDir ? { shippedDir: opts.shippedDir } : {}),
      });
      // waiver sources as reports name files (waivers.ts), so that shards run from two checkouts agree
      g.policy = { ...policy, waivers: g.policy ? policy.waivers : reportedWaivers(policy.waivers, here), ...(failOn ? { failOn } : {}) };
    } catch (err) {
      if (!(err instanceof PolicyProblemsError)) throw err;
      // A name that is no shipped policy, or a file that cannot be read, is pointed at where the list names it.
      policyProblems.push(...err.problems.map((p) => (p.line === 0 && g.at ? { ...p, ...g.at, file: g.at.file } : p)));
    }
  }
  if (policyProblems.length) throw new PolicyProblemsError(policyProblems, policyProblems.map(problemLine));

  const { policy: _p, policyNames: _n, dockerfile: _d, build: _b, from: _f, shard: _s, ...rest } = opts;
  const images = await mapLimit(selected, opts.concurrency ?? 2, async ({ entry, index, group }): Promise<GateImageReport> => {
    const report = await checkImages([entry.image], {
      ...rest,
      ...(entry.platform ? { platform: entry.platform } : {}),
      policy: group.policy!,
      policyNames: group.names,
      concurrency: 1,
      runtime: entry.runtime ?? runtime,
    });
    return { ...report.images[0]!, policies: group.names, failOn: group.policy!.failOn, entry: index };
  });

  const gate: GateInfo = {
    list: file,
    digest: list.digest!,
    images: list.entries.length,
    groups: [...groups.values()].map((g) => ({ policies: g.names, failOn: g.policy!.failOn, waivers: g.policy!.waivers })),
    ...(opts.runtimeOnly ? { runtimeOnly: true as const } : {}),
    ...(opts.ignore.length ? { ignore: opts.ignore.map((i) => i.rule).sort() } : {}),
    ...(shard ? { shard } : {}),
  };
  // a waiver is unused only when no image of the list used it (a shard's report cannot tell)
  return gateReport(images, gate, { ...(failOn ? { failOn } : {}), now: opts.now ?? new Date() });
}
