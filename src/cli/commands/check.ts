/**
 * `imgpolicy check REF…` (also --build CONTEXT, --dockerfile FILE, --from FILE): the
 * flags mapped to the options of the library's check(), which does the work (policy,
 * Dockerfile, build, image list), and the report rendered.
 */
import { PolicyError, UsageError } from "../../errors.js";
import { DockerfileReadError } from "../../dockerfile/given-dockerfile.js";
import { check, type CheckOptions } from "../../policies/check.js";
import type { CheckBuild } from "../../policies/check-build.js";
import { ImageListError } from "../../policies/check-list.js";
import { parseShard } from "../../policies/image-list-shard.js";
import { ignoreRequests } from "../../policies/ignore.js";
import { isSeverity } from "../../policies/load-policy.js";
import { PolicyProblemsError } from "../../policies/load-policy-input.js";
import type { Report } from "../../policies/report-types.js";
import type { OpenOptions } from "../../inspect/resolve.js";
import { escapeText } from "../../text/escape.js";
import { parseColorMode } from "../color.js";
import { messageLine } from "../exit-code.js";
import type { Io } from "../main.js";
import { renderReport } from "../render-report.js";
import { parseOutputs } from "../report-outputs.js";

export interface CheckFlags {
  policy?: string[];
  /** --allow-extends-outside: policies may extend files outside their own directory tree. */
  allowExtendsOutside?: boolean;
  /** --trust-policy: a policy found in the working directory may weaken the runtime sandbox. */
  trustPolicy?: boolean;
  format?: string[];
  output?: string;
  failOn?: string;
  platform?: string;
  verbose?: boolean;
  concurrency?: string;
  runtime?: boolean;
  runtimeOnly?: boolean;
  requireRuntime?: boolean;
  /** --build CONTEXT: build the image with the local engine, then check it. */
  build?: string;
  /** --file: the Dockerfile for --build (default CONTEXT/Dockerfile). */
  file?: string;
  /** --dockerfile: the Dockerfile the checked images were built from (linted, and cross-checked with them). */
  dockerfile?: string;
  target?: string;
  buildArg?: string[];
  /** --tag: keep the built image under this name (otherwise it is removed after the check). */
  tag?: string;
  label?: string[];
  /** --from FILE: the images of this list, each with its own policy (a release gate). */
  from?: string;
  /** --shard K/N: with --from, check only shard K of N of the list. */
  shard?: string;
  /** -q/--quiet: failures only (and no download progress). */
  quiet?: boolean;
  /** --show-skipped: list not-applicable rules in Markdown and JUnit. */
  showSkipped?: boolean;
  /** --color auto|always|never. */
  color?: string;
  /** --debug (a global flag): a failed build also prints the last lines of its output. */
  debug?: boolean;
  /** --ignore RULE[,RULE…] (repeatable): the rule's findings are waived, "ignored on the command line". */
  ignore?: string[];
}

/** --build-arg KEY=VALUE…; KEY alone takes the value from the environment, as docker build does. */
function parseBuildArgs(list: readonly string[] | undefined): Record<string, string> {
  const buildArgs: Record<string, string> = {};
  for (const a of list ?? []) {
    const eq = a.indexOf("=");
    const key = eq < 0 ? a : a.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UsageError(`--build-arg: expected KEY=VALUE, found '${a}'`);
    const value = eq < 0 ? process.env[key] : a.slice(eq + 1);
    if (value !== undefined) buildArgs[key] = value;
  }
  return buildArgs;
}

/** The --build flags checked and gathered; undefined without --build. */
function buildRequest(refs: readonly string[], flags: CheckFlags & { source?: string }): CheckBuild | undefined {
  if (flags.build === undefined) {
    // --target and --build-arg also say how the --dockerfile was built
    const stray =
      (["file", "tag"] as const).find((k) => flags[k] !== undefined) ??
      (flags.dockerfile === undefined ? (flags.target !== undefined ? "target" : flags.buildArg?.length ? "build-arg" : undefined) : undefined) ??
      (flags.label?.length ? "label" : undefined);
    if (stray) throw new UsageError(`--${stray} goes with --build CONTEXT${stray === "target" || stray === "build-arg" ? " (or --dockerfile FILE)" : ""}`);
    return undefined;
  }
  if (flags.dockerfile !== undefined) throw new UsageError("--dockerfile goes with images built elsewhere: with --build, name the Dockerfile with -f");
  if (refs.length > 0) throw new UsageError(`--build checks the image it builds: check ${refs[0]} in another run`);
  if (flags.source === "registry") throw new UsageError("--build reads the image it builds from the local engine, not from a registry (--source registry)");
  const labels: Record<string, string> = {};
  for (const l of flags.label ?? []) {
    const eq = l.indexOf("=");
    if (eq <= 0) throw new UsageError(`--label: expected KEY=VALUE, found '${l}'`);
    labels[l.slice(0, eq)] = l.slice(eq + 1);
  }
  return {
    context: flags.build,
    ...(flags.file !== undefined ? { dockerfile: flags.file } : {}),
    ...(flags.target !== undefined ? { target: flags.target } : {}),
    ...(flags.tag !== undefined ? { tag: flags.tag } : {}),
    buildArgs: parseBuildArgs(flags.buildArg),
    labels,
  };
}

/** The build's one status line on stderr (not with --quiet), and with --debug what cleanup left. */
function reportingBuild(build: CheckBuild, flags: CheckFlags, io: Io, seen: (path: string) => void): CheckBuild {
  return {
    ...build,
    ...(flags.debug ? { onDebug: (line: string) => io.stderr(`${escapeText(line)}\n`) } : {}),
    onBuilt(built) {
      seen(built.dockerfile.path);
      if (flags.quiet) return;
      const seconds = (built.durationMs / 1000).toFixed(1);
      const keep = built.kept ? "" : built.fromCache ? ", found whole in the build cache and left there" : ", removed after the check";
      io.stderr(`${escapeText(`build: ${built.dockerfile.path} → ${built.tag} (${built.imageId.slice(7, 19)}) in ${seconds} s${keep}`)}\n`);
    },
  };
}

/** The flags as check()'s options. */
function checkOptions(flags: CheckFlags, source: OpenOptions): CheckOptions {
  const concurrency = flags.concurrency ? Number(flags.concurrency) : undefined;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    throw new UsageError(`--concurrency: expected a positive whole number, found '${flags.concurrency}'`);
  }
  const buildArgs = flags.dockerfile !== undefined ? parseBuildArgs(flags.buildArg) : {};
  return {
    ...source,
    ...(flags.policy?.length ? { policy: flags.policy } : {}),
    allowExternalExtends: flags.allowExtendsOutside ?? false,
    ...(flags.trustPolicy ? { trustPolicy: true } : {}),
    ...(flags.failOn ? { failOn: flags.failOn as NonNullable<CheckOptions["failOn"]> } : {}),
    ...(concurrency ? { concurrency } : {}),
    ...(flags.runtime ? { runtime: true } : {}),
    ...(flags.runtimeOnly ? { runtimeOnly: true } : {}),
    ...(flags.requireRuntime ? { requireRuntime: true } : {}),
    ignore: ignoreRequests(flags.ignore, process.env.IMGPOLICY_IGNORE),
    ...(flags.dockerfile !== undefined ? { dockerfile: { path: flags.dockerfile, ...(flags.target !== undefined ? { target: flags.target } : {}), buildArgs } } : {}),
    ...(flags.from !== undefined ? { from: flags.from } : {}),
    ...(flags.shard !== undefined ? { shard: parseShard(flags.shard) } : {}),
  };
}

/** The library's errors as the CLI shows them: every problem of a policy or list on its own line, the Dockerfile by its flag. */
async function shown(err: unknown, flags: CheckFlags, io: Io): Promise<unknown> {
  if (err instanceof PolicyProblemsError || err instanceof ImageListError) {
    for (const line of err.lines.slice(0, -1)) io.stderr(`${messageLine(line)}\n`);
    const last = err.lines[err.lines.length - 1]!;
    return err instanceof PolicyError ? new PolicyError(last) : new UsageError(last);
  }
  if (err instanceof DockerfileReadError && flags.dockerfile !== undefined) return new UsageError(`--dockerfile ${err.path}: ${err.reason}`, { cause: err });
  if (flags.build !== undefined && flags.debug) {
    const { ImageBuildError } = await import("../../build/build-errors.js");
    if (err instanceof ImageBuildError && err.log.length > 0) {
      const tail = err.log.slice(-30);
      io.stderr(`build output (last ${tail.length} of ${err.log.length} lines):\n${tail.map((l) => `  ${escapeText(l)}`).join("\n")}\n`);
    }
  }
  return err;
}

export async function runCheck(refs: string[], flags: CheckFlags & { source?: string }, io: Io, source: OpenOptions = {}): Promise<number> {
  const build = buildRequest(refs, flags);
  if (flags.from !== undefined && refs.length) {
    throw new UsageError(`--from ${flags.from}: name the images in the file or on the command line, not both (found '${refs[0]}')`);
  }
  if (refs.length === 0 && !build && flags.from === undefined) throw new UsageError("no image to check: name one or more images, --build CONTEXT, or --from FILE with a list of them");
  const outputs = parseOutputs(flags.format, flags.output);
  parseColorMode(flags.color);
  if (flags.failOn && !isSeverity(flags.failOn)) {
    throw new UsageError(`--fail-on: unknown severity '${flags.failOn}' (critical, high, medium, low, info)`);
  }
  let dockerfile = flags.dockerfile;
  const opts = checkOptions(flags, source);
  if (build) opts.build = reportingBuild(build, flags, io, (path) => (dockerfile = path));
  let report: Report;
  try {
    report = await check(refs, opts);
  } catch (err) {
    throw await shown(err, flags, io);
  }
  return renderReport(report, outputs, flags, io, dockerfile);
}

