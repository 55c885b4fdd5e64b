/** `imgpolicy check REF…`: inspect images, judge them against a policy, render the report. */
import { writeFile } from "node:fs/promises";
import { EngineError, PolicyError, UsageError } from "../../errors.js";
import { check, exitStatus } from "../../policies/check.js";
import type { Report } from "../../policies/report-types.js";
import { isSeverity, loadPolicies } from "../../policies/load-policy.js";
import { formatProblem } from "../../policies/policy-types.js";
import { FORMATS, render, type Format } from "../../policies/report/index.js";
import type { Io } from "../main.js";
import { discoverPolicy } from "../policy-discovery.js";
import { RULES } from "../../policies/rules/index.js";
import type { OpenOptions } from "../../inspect/resolve.js";

export interface CheckFlags {
  policy?: string[];
  format?: string[];
  output?: string;
  failOn?: string;
  platform?: string;
  verbose?: boolean;
  concurrency?: string;
  runtime?: boolean;
  runtimeOnly?: boolean;
  requireRuntime?: boolean;
}

interface Output {
  format: Format;
  file?: string;
}

export function parseOutputs(formats: string[] | undefined, output: string | undefined): Output[] {
  const list = formats?.length ? formats : ["text"];
  const outs = list.map((f): Output => {
    const [name, file] = f.split("=", 2) as [string, string | undefined];
    if (!(FORMATS as readonly string[]).includes(name)) {
      throw new UsageError(`unknown format '${name}': expected one of ${FORMATS.join(", ")}`);
    }
    return file ? { format: name as Format, file } : { format: name as Format };
  });
  if (output) {
    const target = outs.find((o) => !o.file);
    if (!target) throw new UsageError("--output names a file, but every --format already has one (FORMAT=FILE)");
    target.file = output;
  }
  if (outs.filter((o) => !o.file).length > 1) {
    throw new UsageError("only one format can go to standard output: give the others a file (--format junit=report.xml)");
  }
  return outs;
}

export async function runCheck(refs: string[], flags: CheckFlags, io: Io, source: OpenOptions = {}): Promise<number> {
  const outputs = parseOutputs(flags.format, flags.output);
  if (flags.failOn && !isSeverity(flags.failOn)) {
    throw new UsageError(`--fail-on: unknown severity '${flags.failOn}' (critical, high, medium, low, info)`);
  }
  let names = flags.policy ?? [];
  if (names.length === 0) {
    const found = await discoverPolicy(process.cwd());
    names = [found ?? "base"];
  }
  const { policy, errors } = await loadPolicies(names);
  if (!policy) {
    for (const e of errors.slice(0, -1)) io.stderr(`imgpolicy: ${formatProblem(e)}\n`);
    throw new PolicyError(formatProblem(errors[errors.length - 1]!));
  }
  if (flags.failOn) policy.failOn = flags.failOn as typeof policy.failOn;
  const concurrency = flags.concurrency ? Number(flags.concurrency) : undefined;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    throw new UsageError(`--concurrency: expected a positive whole number, found '${flags.concurrency}'`);
  }
  const report = await check(refs, {
    ...source,
    policy,
    policyNames: names,
    ...(concurrency ? { concurrency } : {}),
    ...(flags.runtime || flags.requireRuntime ? { runtime: true } : {}),
    ...(flags.runtimeOnly ? { runtimeOnly: true } : {}),
  });
  if (flags.requireRuntime) requireRuntime(report);
  for (const o of outputs) {
    const text = render(o.format, report, { color: !o.file && io.isTTY, verbose: Boolean(flags.verbose), rules: RULES });
    if (o.file) await writeFile(o.file, text);
    else io.stdout(text);
  }
  for (const i of report.images) if (i.error) io.stderr(`imgpolicy: ${i.error}\n`);
  return exitStatus(report);
}

/** --require-runtime: an image that was to be run and could not be is an error, not a report of rules not run. */
function requireRuntime(report: Report): void {
  const notRun = report.images.filter((i) => i.runtime?.status === "not-run");
  if (!notRun.length) return;
  const first = notRun[0]!;
  const why = (first.runtime!.reason ?? "not run").replace(/^not run:\s*/, "");
  const more = notRun.length > 1 ? ` (and ${notRun.length - 1} more image${notRun.length === 2 ? "" : "s"})` : "";
  throw new EngineError(`--require-runtime: ${first.reference} could not be run: ${why}${more}`);
}
