/**
 * `imgpolicy check --from FILE`: the release gate. Checks every image the file lists,
 * each against its own policy (or the file's default), a few at a time, and prints
 * one report with one exit status: 0 every image passed, 1 a policy failed, 2 an
 * image could not be read or the file or a policy does not validate.
 *
 * Which policy an image gets: its own `policy`; else `--policy`; else the file's
 * top-level `policy`; else .imgpolicy.yaml here or above; else `base`. Policy files
 * named in the list resolve against the list's directory (as `extends` does), and the
 * report names them relative to the working directory (as it names the others), so
 * that SARIF's stand-in location is the file; image references are read as on the
 * command line. `--shard K/N` checks only the images of shard K (check-from-shard.ts),
 * after every policy of the list has loaded: `imgpolicy report merge` joins the shards.
 */
import { dirname, isAbsolute, resolve } from "node:path";
import { PolicyError, UsageError } from "../../errors.js";
import { mapLimit } from "../../inspect/read-layers.js";
import type { OpenOptions } from "../../inspect/resolve.js";
import { check, exitStatus } from "../../policies/check.js";
import { ignoreRequests, resolveIgnored } from "../../policies/ignore.js";
import { reportedWaivers } from "../../policies/waivers.js";
import { RULES } from "../../policies/rules/index.js";
import { printWarnings } from "../report-warnings.js";
import { isSeverity, loadPolicies } from "../../policies/load-policy.js";
import { formatProblem, type PolicyProblem, type ResolvedPolicy } from "../../policies/policy-types.js";
import { gateReport, type GateImageReport } from "../../policies/report/gate-report.js";
import { reportPath } from "../../policies/report-path.js";
import type { GateInfo } from "../../policies/report-types.js";
import type { Severity } from "../../policies/types.js";
import type { Io } from "../main.js";
import { discoverPolicy } from "../policy-discovery.js";
import { EXIT_USAGE, messageLine } from "../exit-code.js";
import { parseColorMode, useColor } from "../color.js";
import { emitReport, parseOutputs } from "../report-outputs.js";
import { requireRuntime, type CheckFlags } from "./check.js";
import { readFromList, type FromEntry, type Position } from "./check-from-file.js";
import { decorateGate } from "./check-from-summary.js";
import { parseShard, shardOf } from "./check-from-shard.js";

export interface CheckFromFlags extends CheckFlags {
  from?: string;
  /** --shard K/N: check only shard K of N of the list. */
  shard?: string;
}

export type { GateImageReport } from "../../policies/report/gate-report.js";

/** Images that share a policy: checked against it, reported together. */
interface Group {
  names: string[];
  /** Relative policy files resolve against this directory. */
  cwd: string;
  /** Where the names were written, for problems that have no place of their own. */
  at?: Position;
  /** Found in the working directory, not named: its runtime section may only harden the sandbox, unless --trust-policy. */
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

const problemLine = (p: PolicyProblem): string => (p.line > 0 ? formatProblem(p) : `${p.file}: ${p.message}`);

/** Prints every problem but the last on stderr and throws the last one (exit 2). */
function fail(problems: PolicyProblem[], io: Io, make: (m: string) => Error): never {
  for (const p of problems.slice(0, -1)) io.stderr(`${messageLine(problemLine(p))}\n`);
  throw make(problemLine(problems[problems.length - 1]!));
}

export async function runCheckFrom(refs: string[], flags: CheckFromFlags, io: Io, source: OpenOptions = {}): Promise<number> {
  const file = flags.from!;
  if (refs.length) throw new UsageError(`--from ${file}: name the images in the file or on the command line, not both (found '${refs[0]}')`);
  const outputs = parseOutputs(flags.format, flags.output);
  const color = useColor(parseColorMode(flags.color), process.env, io.isTTY);
  if (flags.failOn && !isSeverity(flags.failOn)) throw new UsageError(`--fail-on: unknown severity '${flags.failOn}' (critical, high, medium, low, info)`);
  const concurrency = flags.concurrency ? Number(flags.concurrency) : 2;
  if (!(Number.isInteger(concurrency) && concurrency > 0)) throw new UsageError(`--concurrency: expected a positive whole number, found '${flags.concurrency}'`);
  const ignore = resolveIgnored(ignoreRequests(flags.ignore, process.env.IMGPOLICY_IGNORE), RULES);
  const shard = flags.shard !== undefined ? parseShard(flags.shard) : undefined;

  const { list, problems } = await readFromList(file);
  if (!list) fail(problems, io, (m) => new UsageError(m));

  const here = process.cwd();
  const fromList = (names: string[]) => names.map((n) => policyFromList(n, dirname(file), here));
  const fallback: Group = flags.policy?.length
    ? { names: flags.policy, cwd: here }
    : list.policy
      ? { names: fromList(list.policy), cwd: here, ...(list.policyAt ? { at: list.policyAt } : {}) }
      : { names: [(await discoverPolicy(here)) ?? "base"], cwd: here, found: true };
  const groups = new Map<string, Group>();
  const groupOf = (e: FromEntry): Group => {
    const g: Group = e.policy ? { names: fromList(e.policy), cwd: here, at: e.policyAt ?? e.at } : fallback;
    const key = JSON.stringify([g.cwd, g.names]);
    if (!groups.has(key)) groups.set(key, { ...g });
    return groups.get(key)!;
  };
  // every entry's policy loads (a shard fails on a bad policy as the whole list does); the shard's entries are checked
  const planned = list.entries.map((entry, index) => ({ entry, index, group: groupOf(entry) }));
  const selected = shard ? planned.filter((p) => shardOf(p.entry.image, shard.count) === shard.index) : planned;

  const policyProblems: PolicyProblem[] = [];
  for (const g of groups.values()) {
    const runs = planned.some((p) => p.group === g && (flags.runtimeOnly || (p.entry.runtime ?? Boolean(flags.runtime || flags.requireRuntime))));
    const hardenOnly = Boolean(g.found && runs && !flags.trustPolicy);
    const { policy, errors } = await loadPolicies(g.names, { cwd: g.cwd, allowExternalExtends: flags.allowExtendsOutside ?? false, hardenOnly });
    // A name that is no shipped policy, or a file that cannot be read, is pointed at where the list names it.
    policyProblems.push(...errors.map((p) => (p.line === 0 && g.at ? { ...p, ...g.at, file: g.at.file } : p)));
    // waiver sources as reports name files (waivers.ts), so that shards run from two checkouts agree
    if (policy) g.policy = { ...policy, waivers: reportedWaivers(policy.waivers, here), ...(flags.failOn ? { failOn: flags.failOn as Severity } : {}) };
  }
  if (policyProblems.length) fail(policyProblems, io, (m) => new PolicyError(m));

  const runtime = Boolean(flags.runtime || flags.requireRuntime);
  const images = await mapLimit(selected, concurrency, async ({ entry, index, group }): Promise<GateImageReport> => {
    const report = await check([entry.image], {
      ...source,
      ...(entry.platform ? { platform: entry.platform } : {}),
      policy: group.policy!,
      policyNames: group.names,
      concurrency: 1,
      ...((entry.runtime ?? runtime) ? { runtime: true } : {}),
      ...(flags.runtimeOnly ? { runtimeOnly: true } : {}),
      ...(ignore.length ? { ignore } : {}),
    });
    return { ...report.images[0]!, policies: group.names, failOn: group.policy!.failOn, entry: index };
  });

  const gate: GateInfo = {
    list: file,
    digest: list.digest!,
    images: list.entries.length,
    groups: [...groups.values()].map((g) => ({ policies: g.names, failOn: g.policy!.failOn, waivers: g.policy!.waivers })),
    ...(flags.runtimeOnly ? { runtimeOnly: true as const } : {}),
    ...(ignore.length ? { ignore: ignore.map((i) => i.rule).sort() } : {}),
    ...(shard ? { shard } : {}),
  };
  // a waiver is unused only when no image of the list used it (a shard's report cannot tell)
  const report = gateReport(images, gate, { ...(flags.failOn ? { failOn: flags.failOn as Severity } : {}), now: new Date() });
  if (flags.requireRuntime) requireRuntime(report);
  const decorate = decorateGate(report);
  const written = await emitReport(report, outputs, { color, verbose: Boolean(flags.verbose), quiet: Boolean(flags.quiet), showSkipped: Boolean(flags.showSkipped), decorate }, io);
  printWarnings(report, io, Boolean(flags.quiet));
  for (const i of report.images) if (i.error) io.stderr(`${messageLine(i.error)}\n`);
  return written ? exitStatus(report) : EXIT_USAGE;
}
