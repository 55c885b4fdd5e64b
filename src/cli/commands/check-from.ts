/**
 * `imgpolicy check --from FILE`: the release gate. Checks every image the file lists,
 * each against its own policy (or the file's default), a few at a time, and prints
 * one report with one exit status: 0 every image passed, 1 a policy failed, 2 an
 * image could not be read or the file or a policy does not validate.
 *
 * Which policy an image gets: its own `policy`; else `--policy`; else the file's
 * top-level `policy`; else .imgpolicy.yaml here or above; else `base`. Policy files
 * named in the list resolve against the list's directory (as `extends` does); image
 * references are read as on the command line.
 */
import { dirname } from "node:path";
import { PolicyError, UsageError } from "../../errors.js";
import { mapLimit } from "../../inspect/read-layers.js";
import type { OpenOptions } from "../../inspect/resolve.js";
import { check, exitStatus } from "../../policies/check.js";
import { addCounts, emptyCounts } from "../../policies/evaluate.js";
import { isSeverity, loadPolicies } from "../../policies/load-policy.js";
import { formatProblem, type PolicyProblem, type ResolvedPolicy } from "../../policies/policy-types.js";
import { REPORT_SCHEMA, type ImageReport, type Report } from "../../policies/report-types.js";
import { severityRank, type Severity } from "../../policies/types.js";
import { VERSION } from "../../version.js";
import type { Io } from "../main.js";
import { discoverPolicy } from "../policy-discovery.js";
import { EXIT_USAGE, messageLine } from "../exit-code.js";
import { parseColorMode, useColor } from "../color.js";
import { emitReport, parseOutputs } from "../report-outputs.js";
import { requireRuntime, type CheckFlags } from "./check.js";
import { readFromList, type FromEntry, type Position } from "./check-from-file.js";
import { markdownSummary, textSummary } from "./check-from-summary.js";

export interface CheckFromFlags extends CheckFlags {
  from?: string;
}

/** An image of the report, with the policy it was checked against (names or files, as given) and that policy's threshold. */
export type GateImageReport = ImageReport & { policies: string[]; failOn: Severity };

/** Images that share a policy: checked against it, reported together. */
interface Group {
  names: string[];
  /** Relative policy files resolve against this directory. */
  cwd: string;
  /** Where the names were written, for problems that have no place of their own. */
  at?: Position;
  policy?: ResolvedPolicy;
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

  const { list, problems } = await readFromList(file);
  if (!list) fail(problems, io, (m) => new UsageError(m));

  const here = process.cwd();
  const fallback: Group = flags.policy?.length
    ? { names: flags.policy, cwd: here }
    : list.policy
      ? { names: list.policy, cwd: dirname(file), ...(list.policyAt ? { at: list.policyAt } : {}) }
      : { names: [(await discoverPolicy(here)) ?? "base"], cwd: here };
  const groups = new Map<string, Group>();
  const groupOf = (e: FromEntry): Group => {
    const g: Group = e.policy ? { names: e.policy, cwd: dirname(file), at: e.policyAt ?? e.at } : fallback;
    const key = JSON.stringify([g.cwd, g.names]);
    if (!groups.has(key)) groups.set(key, { ...g });
    return groups.get(key)!;
  };
  const planned = list.entries.map((entry) => ({ entry, group: groupOf(entry) }));

  const policyProblems: PolicyProblem[] = [];
  for (const g of groups.values()) {
    const { policy, errors } = await loadPolicies(g.names, { cwd: g.cwd, allowExternalExtends: flags.allowExtendsOutside ?? false });
    // A name that is no shipped policy, or a file that cannot be read, is pointed at where the list names it.
    policyProblems.push(...errors.map((p) => (p.line === 0 && g.at ? { ...p, ...g.at, file: g.at.file } : p)));
    if (policy) g.policy = flags.failOn ? { ...policy, failOn: flags.failOn as Severity } : policy;
  }
  if (policyProblems.length) fail(policyProblems, io, (m) => new PolicyError(m));

  const runtime = Boolean(flags.runtime || flags.requireRuntime);
  const images = await mapLimit(planned, concurrency, async ({ entry, group }): Promise<GateImageReport> => {
    const report = await check([entry.image], {
      ...source,
      ...(entry.platform ? { platform: entry.platform } : {}),
      policy: group.policy!,
      policyNames: group.names,
      concurrency: 1,
      ...((entry.runtime ?? runtime) ? { runtime: true } : {}),
      ...(flags.runtimeOnly ? { runtimeOnly: true } : {}),
    });
    return { ...report.images[0]!, policies: group.names, failOn: group.policy!.failOn };
  });

  const report = mergeReports(images, [...groups.values()], flags.failOn as Severity | undefined);
  if (flags.requireRuntime) requireRuntime(report);
  const decorate = (format: string, text: string, c: boolean): string =>
    format === "text" ? `${text}\n${textSummary(report, c)}` : format === "markdown" ? `${markdownSummary(report)}\n${text}` : text;
  const written = await emitReport(report, outputs, { color, verbose: Boolean(flags.verbose), quiet: Boolean(flags.quiet), showSkipped: Boolean(flags.showSkipped), decorate }, io);
  for (const i of report.images) if (i.error) io.stderr(`${messageLine(i.error)}\n`);
  return written ? exitStatus(report) : EXIT_USAGE;
}

/**
 * One report for every image: grouped by policy (in the order the policies first
 * appear), each image carrying its `policies`. `policies` lists every policy once;
 * `failOn` is --fail-on, else the threshold all policies share, else the strictest.
 */
export function mergeReports(images: GateImageReport[], groups: readonly Pick<Group, "names" | "policy">[], failOn?: Severity, now = new Date()): Report & { images: GateImageReport[] } {
  const order = groups.map((g) => JSON.stringify(g.names));
  const rank = (i: GateImageReport) => order.indexOf(JSON.stringify(i.policies));
  const sorted = images.map((img, i) => ({ img, i })).sort((a, b) => rank(a.img) - rank(b.img) || a.i - b.i).map((x) => x.img);
  const counts = emptyCounts();
  for (const i of sorted) addCounts(counts, i.counts);
  const thresholds = groups.map((g) => g.policy?.failOn).filter((s): s is Severity => !!s);
  const strictest = thresholds.reduce<Severity | undefined>((a, s) => (a === undefined || severityRank(s) < severityRank(a) ? s : a), undefined);
  return {
    schema: REPORT_SCHEMA,
    tool: { name: "imgpolicy", version: VERSION },
    policies: [...new Set(groups.flatMap((g) => g.names))],
    failOn: failOn ?? strictest ?? "high",
    generatedAt: now.toISOString(),
    images: sorted,
    counts,
    passed: sorted.every((i) => i.passed),
  };
}
