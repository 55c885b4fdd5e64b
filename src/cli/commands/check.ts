/** `imgpolicy check REF…`: inspect images, judge them against a policy, render the report. */
import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { EngineError, PolicyError, UsageError } from "../../errors.js";
import type { Facts } from "../../inspect/facts/types.js";
import { check, exitStatus } from "../../policies/check.js";
import type { Report } from "../../policies/report-types.js";
import { isSeverity, loadPolicies } from "../../policies/load-policy.js";
import { formatProblem } from "../../policies/policy-types.js";
import type { Io } from "../main.js";
import { discoverPolicy } from "../policy-discovery.js";
import { EXIT_USAGE, messageLine } from "../exit-code.js";
import { FileReadError, readRegularFile } from "../../files/regular-file.js";
import { MAX_DOCKERFILE_BYTES } from "../../dockerfile/limits.js";
import { escapeText } from "../../text/escape.js";
import { parseColorMode, useColor } from "../color.js";
import { emitReport, parseOutputs } from "../report-outputs.js";
import type { OpenOptions } from "../../inspect/resolve.js";
import { ignoreRequests, resolveIgnored } from "../../policies/ignore.js";
import { reportedWaivers } from "../../policies/waivers.js";
import { RULES } from "../../policies/rules/index.js";
import { printWarnings } from "../report-warnings.js";

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

export { parseOutputs } from "../report-outputs.js";

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
export function buildRequest(refs: readonly string[], flags: CheckFlags & { source?: string }): BuildRequest | undefined {
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
  const buildArgs = parseBuildArgs(flags.buildArg);
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
    buildArgs,
    labels,
  };
}

/**
 * --dockerfile FILE: the Dockerfile the checked images were built from, read and parsed
 * up front (a syntax error or an unknown --target is exit 2 before any image is read).
 * Its .dockerignore is looked for beside it, the usual build context; not found there,
 * whether the context has one is not known.
 */
async function givenDockerfile(flags: CheckFlags): Promise<NonNullable<Facts["dockerfile"]> | undefined> {
  if (flags.dockerfile === undefined) return undefined;
  const path = flags.dockerfile;
  let text: string;
  try {
    text = (await readRegularFile(path, MAX_DOCKERFILE_BYTES, "Dockerfiles")).toString("utf8");
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    throw new UsageError(`--dockerfile ${path}: ${(err.cause as NodeJS.ErrnoException | undefined)?.code === "ENOENT" ? "no such file" : err.reason}`);
  }
  const buildArgs = parseBuildArgs(flags.buildArg);
  const { parseDockerfile } = await import("../../dockerfile/parse.js");
  parseDockerfile(text, path, { ...(flags.target !== undefined ? { target: flags.target } : {}), buildArgs });
  const dockerignore = await stat(join(dirname(path), ".dockerignore")).then((s) => s.isFile(), () => false);
  return {
    path,
    text,
    ...(dockerignore ? { dockerignore: true } : {}),
    ...(flags.target !== undefined ? { target: flags.target } : {}),
    ...(Object.keys(buildArgs).length ? { buildArgs } : {}),
  };
}

export interface BuildRequest {
  context: string;
  dockerfile?: string;
  target?: string;
  tag?: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
}

/** Builds for --build: one status line on stderr; on failure with --debug, the build's last lines too. */
async function buildForCheck(req: BuildRequest, flags: CheckFlags, io: Io): Promise<import("../../build/build-image.js").BuiltImage> {
  const { buildImage, ImageBuildError } = await import("../../build/build-image.js");
  try {
    const onDebug = flags.debug ? (line: string) => io.stderr(`${escapeText(line)}\n`) : undefined;
    const built = await buildImage(req.context, { ...req, ...(onDebug ? { onDebug } : {}) });
    if (!flags.quiet) {
      const seconds = (built.durationMs / 1000).toFixed(1);
      const keep = built.kept ? "" : built.fromCache ? ", found whole in the build cache and left there" : ", removed after the check";
      io.stderr(`${escapeText(`build: ${built.dockerfile.path} → ${built.tag} (${built.imageId.slice(7, 19)}) in ${seconds} s${keep}`)}\n`);
    }
    return built;
  } catch (err) {
    if (flags.debug && err instanceof ImageBuildError && err.log.length > 0) {
      const tail = err.log.slice(-30);
      io.stderr(`build output (last ${tail.length} of ${err.log.length} lines):\n${tail.map((l) => `  ${escapeText(l)}`).join("\n")}\n`);
    }
    throw err;
  }
}

export async function runCheck(refs: string[], flags: CheckFlags & { source?: string }, io: Io, source: OpenOptions = {}): Promise<number> {
  const build = buildRequest(refs, flags);
  if (refs.length === 0 && !build) throw new UsageError("no image to check: name one or more images, --build CONTEXT, or --from FILE with a list of them");
  const outputs = parseOutputs(flags.format, flags.output);
  const color = useColor(parseColorMode(flags.color), process.env, io.isTTY);
  if (flags.failOn && !isSeverity(flags.failOn)) {
    throw new UsageError(`--fail-on: unknown severity '${flags.failOn}' (critical, high, medium, low, info)`);
  }
  const ignore = resolveIgnored(ignoreRequests(flags.ignore, process.env.IMGPOLICY_IGNORE), RULES);
  let names = flags.policy ?? [];
  if (names.length === 0) {
    const found = await discoverPolicy(process.cwd());
    names = [found ?? "base"];
  }
  // a policy found here (not named) is the checkout's: it may only harden the sandbox the image runs in
  const hardenOnly = !flags.policy?.length && Boolean(flags.runtime || flags.runtimeOnly || flags.requireRuntime) && !flags.trustPolicy;
  const { policy, errors } = await loadPolicies(names, { allowExternalExtends: flags.allowExtendsOutside ?? false, hardenOnly });
  if (!policy) {
    for (const e of errors.slice(0, -1)) io.stderr(`${messageLine(formatProblem(e))}\n`);
    throw new PolicyError(formatProblem(errors[errors.length - 1]!));
  }
  if (flags.failOn) policy.failOn = flags.failOn as typeof policy.failOn;
  // waiver sources as reports name files: relative to the working directory (waivers.ts)
  policy.waivers = reportedWaivers(policy.waivers);
  const concurrency = flags.concurrency ? Number(flags.concurrency) : undefined;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    throw new UsageError(`--concurrency: expected a positive whole number, found '${flags.concurrency}'`);
  }
  const given = await givenDockerfile(flags);
  const built = build ? await buildForCheck(build, flags, io) : undefined;
  try {
    const report = await check(built ? [built.tag] : refs, {
      ...source,
      ...(built ? { source: "engine" as const, dockerfile: built.dockerfile } : {}),
      ...(given ? { dockerfile: given } : {}),
      policy,
      policyNames: names,
      ...(concurrency ? { concurrency } : {}),
      ...(flags.runtime || flags.requireRuntime ? { runtime: true } : {}),
      ...(flags.runtimeOnly ? { runtimeOnly: true } : {}),
      ...(ignore.length ? { ignore } : {}),
    });
    if (flags.requireRuntime) requireRuntime(report);
    const dockerfile = given?.path ?? built?.dockerfile.path;
    const written = await emitReport(
      report,
      outputs,
      { color, verbose: Boolean(flags.verbose), quiet: Boolean(flags.quiet), showSkipped: Boolean(flags.showSkipped), ...(dockerfile !== undefined ? { dockerfile } : {}) },
      io,
    );
    printWarnings(report, io, Boolean(flags.quiet));
    for (const i of report.images) if (i.error) io.stderr(`${messageLine(i.error)}\n`);
    return written ? exitStatus(report) : EXIT_USAGE;
  } finally {
    await built?.cleanup();
  }
}

/** --require-runtime: an image that was to be run and could not be is an error, not a report of rules not run. */
export function requireRuntime(report: Report): void {
  const notRun = report.images.filter((i) => i.runtime?.status === "not-run");
  if (!notRun.length) return;
  const first = notRun[0]!;
  const why = (first.runtime!.reason ?? "not run").replace(/^not run:\s*/, "");
  const more = notRun.length > 1 ? ` (and ${notRun.length - 1} more image${notRun.length === 2 ? "" : "s"})` : "";
  throw new EngineError(`--require-runtime: ${first.reference} could not be run: ${why}${more}`);
}
