/**
 * check(): the one way images are checked, for the library and the CLI alike. It
 * resolves the policy (load-policy-input.ts), reads and parses the Dockerfile once, builds
 * the image (check-build.ts) or runs an image list (check-list.ts), then opens each image,
 * inspects it (reading the files the rules ask for), with `runtime` also runs it under the
 * policy's runtime profile, evaluates, and gives one report.
 */
import { causeText, EngineError, ImgpolicyError, UsageError } from "../errors.js";
import { givenDockerfile } from "../dockerfile/given-dockerfile.js";
import { buildForCheck } from "./check-build.js";
import { checkList } from "./check-list.js";
import { inspectImage } from "../inspect/facts/collect.js";
import { configFact } from "../inspect/facts/config-facts.js";
import type { ConfigFact, Facts } from "../inspect/facts/types.js";
import { mapLimit } from "../util/map-limit.js";
import type { EngineClient } from "../engine/client.js";
import type { Image } from "../inspect/image.js";
import { openImage, parseReference, type OpenOptions } from "../inspect/resolve.js";
import type { CommandTestSpec } from "../runtime/command-tests.js";
import type { RuntimeFacts, RuntimeSpec } from "../runtime/runtime-types.js";
import { addCounts, emptyCounts, evaluate, ruleEnabled, ruleOptions } from "./evaluate.js";
import type { ResolvedPolicy } from "./policy-types.js";
import type { DockerfileFact } from "../dockerfile/dockerfile-fact.js";
import type { DockerfileInput } from "../dockerfile/given-dockerfile.js";
import type { CheckBuild } from "./check-build.js";
import { checkPolicy, type CheckPolicyOptions, type PolicyInput } from "./load-policy-input.js";
import type { Shard } from "./image-list-shard.js";
import { REPORT_SCHEMA, type ImageReport, type Report, type RuntimeFigures } from "./report-types.js";
import { resolveIgnored, withIgnored, type IgnoredRule } from "./ignore.js";
import { waiverWarnings } from "./waiver-warnings.js";
import { RULES } from "./rules/index.js";
import { notRunReason } from "./rules/runtime-helpers.js";
import { unionOf, userSecretMatcher, type UserSecretFiles, type UserSecretMatcher } from "./rules/user-secret-files.js";
import type { PolicySecrets } from "../inspect/parsers/policy-secrets.js";
import { resolveRuntimeSpec, withRuntimeDefaults } from "./runtime-spec.js";
import type { AnyRule } from "./types.js";
import { VERSION } from "../version.js";

/** What the runtime probe is told about the image: the config facts it plans the run from. */
export type ProbeImage = Pick<ConfigFact, "healthcheck" | "exposedPorts" | "stopSignal" | "user">;

/** The runtime probe's signature (`probeRuntime` in src/runtime/probe.ts). */
export type RuntimeProbe = (
  /** The image check opened (and closes once the probe is done with it). */
  image: Image,
  spec: RuntimeSpec,
  facts: ProbeImage,
  /** `engine`: the one the image was read from, when the caller gave one (OpenOptions.engine); else the probe resolves it. */
  opts: { signal?: AbortSignal; commandTests?: readonly CommandTestSpec[]; engine?: EngineClient },
) => Promise<RuntimeFacts>;

/**
 * The options of check(), the one way images are checked (the CLI's `check` maps its
 * flags to these): where images come from, the policy and its threshold, the runtime
 * run, the Dockerfile, a build, an image list.
 */
export interface CheckOptions extends OpenOptions, Omit<CheckPolicyOptions, "runs"> {
  /**
   * The policy: a shipped name or file, several to layer (later wins), or one loaded.
   * Default: .imgpolicy.yaml (or .yml, .json) here or above, up to the repository root,
   * else base. check(refs, policy, opts) gives it as the second argument.
   */
  policy?: PolicyInput;
  /** Names or files the policy came from, for the report (default: as given or found). */
  policyNames?: string[];
  rules?: readonly AnyRule[];
  /** Images checked at once (default 2). */
  concurrency?: number;
  now?: Date;
  /** Also run each image under the policy's runtime profile, for the runtime rules (IMG-RUN-*). */
  runtime?: boolean;
  /** Only the runtime rules (category "runtime"); the image is still read for its config and entrypoint. Implies `runtime`. */
  runtimeOnly?: boolean;
  /** An image that was to be run and could not be is an error (EngineError), not a report of runtime rules not run. Implies `runtime`. */
  requireRuntime?: boolean;
  /** Stops runs in progress (their containers are removed). */
  signal?: AbortSignal;
  /** Replaces the runtime probe; for tests of the decisions made here. */
  probe?: RuntimeProbe;
  /**
   * The Dockerfile the images were built from: a path (read; its .dockerignore looked for
   * beside it), or its fields with the text. It is parsed once, into `facts.dockerfile`,
   * which the Dockerfile rules (IMG-DF-*) read; one that does not parse, or whose
   * `target` names no stage, is thrown before any image is read.
   */
  dockerfile?: DockerfileInput;
  /**
   * Build the image from a context with the local engine, then check it (no `refs`): its
   * Dockerfile goes to the Dockerfile rules, and the image is removed after the check
   * unless `tag` keeps it. A build that fails throws (ImageBuildError, one line).
   */
  build?: CheckBuild;
  /**
   * A release gate's image list (YAML or JSON; no `refs`): each image checked against its
   * own policy (else `policy`, else the list's, else found, else base), one report.
   */
  from?: string;
  /** With `from`: check only shard `index` (1-based) of `count`, split by a hash of each image reference. */
  shard?: Shard;
  /**
   * Rules whose findings this run accepts (CLI: --ignore, IMGPOLICY_IGNORE): each still
   * runs, and its findings are waived with the given reason, so reports show them as
   * waived. A bare id gets "ignored by the caller". An unknown id throws a UsageError.
   */
  ignore?: readonly (string | IgnoredRule)[];
}

/** One run over images with a policy loaded (what check() does per image list, or per policy group of a gate). */
export type CheckRun = Omit<CheckOptions, "policy" | "dockerfile" | "build" | "from" | "shard"> & {
  policy: ResolvedPolicy;
  /** The Dockerfile, parsed (facts.dockerfile). */
  dockerfile?: DockerfileFact;
  /** The run's one engine client, made on first use (see lazyEngine); check() makes it, checkImages when called alone. */
  engineOf?: () => Promise<EngineClient | undefined>;
};

/**
 * The one engine client of a check run: `given` (CheckOptions.engine), else one made from
 * the environment the first time something needs the engine (an engine image, a build,
 * the runtime probe), so a check of archives alone never reads the engine's configuration.
 * An environment that names no usable engine gives undefined: each user then resolves it
 * as it would alone, and fails as it did (an image error, a failed build, a probe not run).
 */
export function lazyEngine(given?: EngineClient): () => Promise<EngineClient | undefined> {
  if (given) return () => Promise.resolve(given);
  let made: Promise<EngineClient | undefined> | undefined;
  return () =>
    (made ??= import("../engine/client.js").then(({ EngineClient }) => {
      try {
        return new EngineClient();
      } catch (err) {
        if (err instanceof ImgpolicyError) return undefined;
        throw err;
      }
    }));
}

/** Whether opening `ref` asks the engine: an engine reference, or a plain name not sent to the registry. */
async function opensFromEngine(ref: string, opts: OpenOptions): Promise<boolean> {
  const parsed = await parseReference(ref).catch(() => undefined); // openImage throws the same error
  return parsed?.kind === "engine" || (parsed?.kind === "name" && opts.source !== "registry");
}

/**
 * The real probe, loaded on first use so that static checks never load testcontainers.
 * A probe that cannot be loaded makes every run "not run", with the reason.
 */
export async function loadProbe(): Promise<RuntimeProbe> {
  try {
    const { probeRuntime } = await import("../runtime/probe.js");
    return probeRuntime;
  } catch (err) {
    const reason = `not run: the runtime probe could not be loaded (${causeText(err)})`;
    return async () => ({ status: "not-run", reason });
  }
}

/** The figures of a run the report carries (time to healthy, peak memory, time to stop). */
export function runtimeFigures(rt: RuntimeFacts): RuntimeFigures {
  const f: RuntimeFigures = { status: rt.status };
  if (rt.status === "not-run") f.reason = notRunReason(rt.reason);
  if (rt.health) {
    f.healthMethod = rt.health.method;
    f.healthy = rt.health.healthy;
    if (rt.health.timeToHealthyMs !== undefined) f.timeToHealthyMs = rt.health.timeToHealthyMs;
  }
  if (rt.exited) f.exitCode = rt.exited.exitCode;
  if (rt.peakMemoryBytes !== undefined) f.peakMemoryBytes = rt.peakMemoryBytes;
  if (rt.stop) {
    f.timeToStopMs = rt.stop.timeToStopMs;
    if (rt.stop.exitCode !== undefined) f.stopExitCode = rt.stop.exitCode;
    f.killed = rt.stop.killed;
  }
  return f;
}

/** The image paths the enabled rules need to see. */
export function filesWanted(policy: ResolvedPolicy, rules: readonly AnyRule[]): string[] {
  const out = new Set<string>();
  for (const r of rules) {
    const files = (r as { files?: (o: Record<string, unknown>) => string[] }).files;
    if (files && ruleEnabled(r, policy)) for (const f of files(ruleOptions(r, policy))) out.add(f);
  }
  return [...out];
}

/** The directories the token search leaves out for this policy (see Rule.tokenSkipDirs); undefined: the inspector's default. */
export function tokenSkipDirsWanted(policy: ResolvedPolicy, rules: readonly AnyRule[]): string[] | undefined {
  let dirs: string[] | undefined;
  for (const r of rules) {
    if (!r.tokenSkipDirs || !ruleEnabled(r, policy)) continue;
    const mine: string[] = r.tokenSkipDirs(ruleOptions(r, policy));
    dirs = dirs === undefined ? [...mine] : dirs.filter((d) => mine.includes(d));
  }
  return dirs;
}

/** The kind the enabled rules' own secret files give a path (see Rule.userSecretFiles); undefined: none asked for. */
export function userSecretFilesWanted(policy: ResolvedPolicy, rules: readonly AnyRule[]): UserSecretMatcher | undefined {
  const lists = rules.filter((r) => r.userSecretFiles && ruleEnabled(r, policy)).map((r) => r.userSecretFiles!(ruleOptions(r, policy)) as Partial<UserSecretFiles>);
  return userSecretMatcher(unionOf(lists));
}

/** The enabled rules' own secret names and patterns, together (see Rule.userSecrets); undefined: none. */
export function userSecretsWanted(policy: ResolvedPolicy, rules: readonly AnyRule[]): PolicySecrets | undefined {
  const names = new Set<string>();
  const patterns = new Set<string>();
  for (const r of rules) {
    if (!r.userSecrets || !ruleEnabled(r, policy)) continue;
    const mine: { names: string[]; patterns: string[] } = r.userSecrets(ruleOptions(r, policy));
    for (const n of mine.names) names.add(n);
    for (const p of mine.patterns) patterns.add(p);
  }
  return names.size + patterns.size > 0 ? { names: [...names], patterns: [...patterns] } : undefined;
}

/** What the probe is told about the image, from its config. */
function probeImage(c: ConfigFact): ProbeImage {
  const image: ProbeImage = { healthcheck: c.healthcheck, exposedPorts: c.exposedPorts };
  if (c.stopSignal !== undefined) image.stopSignal = c.stopSignal;
  if (c.user !== undefined) image.user = c.user;
  return image;
}

/**
 * Starts the runtime probe. It runs while the layers are read: a run is mostly waiting
 * on the engine (create, start, health, stop), and the layer scan is mostly work here.
 * The two stop each other: a probe that fails calls `failed` (which aborts the scan),
 * and `stop` aborts the probe (its containers and loaded image are removed) and waits
 * for it to end when the static part fails.
 */
function startProbe(image: Image, opts: CheckRun, spec: RuntimeSpec, config: ConfigFact, probe: () => Promise<RuntimeProbe>, failed: (err: unknown) => void) {
  const local = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, local.signal]) : local.signal;
  const probeOpts: Parameters<RuntimeProbe>[3] = { signal };
  // A container-structure-test config's commandTests run in the probe (IMG-RUN-007 judges them).
  const commandTests = opts.policy.cst?.commandTests ?? [];
  if (commandTests.length) probeOpts.commandTests = commandTests;
  if (opts.engine) probeOpts.engine = opts.engine;
  const running = probe().then((run) => run(image, spec, probeImage(config), probeOpts));
  running.catch((err: unknown) => {
    if (!local.signal.aborted) failed(err);
  });
  return {
    result: running,
    async stop(): Promise<void> {
      local.abort(new Error("the image could not be read"));
      await running.catch(() => undefined);
    },
  };
}

/**
 * Reads the image, and with `runtime` runs it at the same time. When any part fails (the
 * config, a layer, the probe) the others are stopped and waited for, so that nothing it
 * started (a scan, a container, a loaded image) outlives the call; the first failure is
 * the one thrown.
 */
async function checkOne(ref: string, given: CheckRun, rules: readonly AnyRule[], probe: () => Promise<RuntimeProbe>): Promise<ImageReport> {
  const spec = resolveRuntimeSpec(given.policy.runtime);
  const runtime = given.runtime || given.runtimeOnly;
  if (runtime) void probe().catch(() => undefined); // load it while the image is opened
  // the run's one engine, for the image's source and the probe alike, when either needs it
  const engine = !given.engine && given.engineOf && (runtime || (await opensFromEngine(ref, given))) ? await given.engineOf() : undefined;
  const opts: CheckRun = engine ? { ...given, engine } : given;
  const image = await openImage(ref, opts);
  let probing: ReturnType<typeof startProbe> | undefined;
  let probeError: { err: unknown } | undefined;
  const scanStop = new AbortController();
  const scanSignal = opts.signal ? AbortSignal.any([opts.signal, scanStop.signal]) : scanStop.signal;
  let facts: Facts;
  try {
    try {
      if (runtime) {
        const config = configFact((await image.config()).config);
        probing = startProbe(image, opts, spec, config, probe, (err) => {
          probeError = { err };
          scanStop.abort(err);
        });
      }
      const tokenSkipDirs = tokenSkipDirsWanted(opts.policy, rules);
      const userSecretFile = userSecretFilesWanted(opts.policy, rules);
      const userSecrets = userSecretsWanted(opts.policy, rules);
      facts = await inspectImage(image, {
        files: filesWanted(opts.policy, rules),
        signal: scanSignal,
        ...(tokenSkipDirs ? { tokenSkipDirs } : {}),
        ...(userSecretFile ? { userSecretFile } : {}),
        ...(userSecrets ? { userSecrets } : {}),
        ...(opts.now ? { now: opts.now } : {}),
      });
    } catch (err) {
      await probing?.stop();
      throw probeError ? probeError.err : err;
    }
    // the probe runs the opened image (it may still be loading it into the engine): it is closed once the probe is done
    if (probing) facts.runtime = await probing.result;
  } finally {
    await image.close();
  }
  if (opts.dockerfile) facts.dockerfile = opts.dockerfile;
  const counted = { cst: { commandTests: opts.policy.cst?.commandTests.length ?? 0 } };
  const report = evaluate(facts, opts.policy, { rules: withRuntimeDefaults(rules, spec, counted), ...(opts.now ? { now: opts.now } : {}) });
  if (facts.runtime) report.runtime = runtimeFigures(facts.runtime);
  if (opts.dockerfile) report.dockerfile = opts.dockerfile.path;
  return report;
}

/** The rules a check runs: all of them (opts.rules, else the registry), or only the runtime ones with `runtimeOnly`. */
export function rulesOfRun(opts: Pick<CheckRun, "rules" | "runtimeOnly">): readonly AnyRule[] {
  const all = opts.rules ?? RULES;
  return opts.runtimeOnly ? all.filter((r) => r.category === "runtime") : all;
}

/** Checks images against a loaded policy. An image that cannot be read gets `error` and no results. */
export async function checkImages(refs: readonly string[], opts: CheckRun): Promise<Report> {
  const all = opts.rules ?? RULES;
  const rules = rulesOfRun(opts);
  const ignored = resolveIgnored(opts.ignore ?? [], all);
  const run: CheckRun = { ...opts, ...(ignored.length ? { policy: withIgnored(opts.policy, ignored) } : {}) };
  if (!run.engineOf) run.engineOf = lazyEngine(run.engine);
  let loading: Promise<RuntimeProbe> | undefined;
  const probe = () => (loading ??= opts.probe ? Promise.resolve(opts.probe) : loadProbe());
  const images = await mapLimit(refs, opts.concurrency ?? 2, async (ref) => {
    try {
      return await checkOne(ref, run, rules, probe);
    } catch (err) {
      const r: ImageReport = { reference: ref, error: (err as Error).message, results: [], counts: emptyCounts(), passed: false };
      return r;
    }
  });
  const counts = emptyCounts();
  for (const i of images) addCounts(counts, i.counts);
  const now = opts.now ?? new Date();
  const warnings = waiverWarnings([{ waivers: opts.policy.waivers, images, rules: rules.map((r) => r.id) }], now);
  return {
    schema: REPORT_SCHEMA,
    tool: { name: "imgpolicy", version: VERSION },
    policies: opts.policyNames ?? opts.policy.sources,
    failOn: opts.policy.failOn,
    generatedAt: now.toISOString(),
    images,
    counts,
    passed: images.every((i) => i.passed),
    ...(warnings.length ? { warnings } : {}),
  };
}

/** A policy given already loaded, told from check()'s options (which have no `sources`). */
const looksLoaded = (x: object): boolean => Array.isArray((x as ResolvedPolicy).sources) && Array.isArray((x as ResolvedPolicy).waivers);

/** check(refs, policy, opts) and check(refs, opts) as one set of options. */
function callOptions(second: PolicyInput | CheckOptions | undefined, more: CheckOptions): CheckOptions {
  if (second === undefined) return more;
  if (typeof second === "string" || Array.isArray(second) || looksLoaded(second)) return { ...more, policy: second as PolicyInput };
  return { ...(second as CheckOptions), ...more };
}

/** Options that do not go together, and numbers out of range: UsageErrors before anything is read. */
function checkCombination(refs: readonly string[], opts: CheckOptions): void {
  const what = opts.build ? "build" : opts.from !== undefined ? `from ${opts.from}` : undefined;
  if (opts.build && opts.from !== undefined) throw new UsageError("build and from do not go together: list built images in the image list");
  if (what && refs.length) throw new UsageError(`${what}: the images come from the ${opts.build ? "build" : "list"}, not from references (found '${refs[0]}')`);
  if (what && opts.dockerfile !== undefined) throw new UsageError(`${what}: dockerfile goes with images built elsewhere (a build names its Dockerfile with build.dockerfile)`);
  if (opts.build && opts.source === "registry") throw new UsageError("build: the image built is read from the local engine, not from a registry (source: registry)");
  if (opts.shard && opts.from === undefined) throw new UsageError("shard goes with from: it checks one part of a list's images");
  const n = opts.concurrency;
  if (n !== undefined && !(Number.isInteger(n) && n > 0)) throw new UsageError(`concurrency: expected a positive whole number, found '${String(n)}'`);
}

/** requireRuntime: an image that was to be run and could not be is an error, not a report of rules not run. */
export function requireRuntime(report: Report): void {
  const notRun = report.images.filter((i) => i.runtime?.status === "not-run");
  if (!notRun.length) return;
  const first = notRun[0]!;
  const why = (first.runtime!.reason ?? "not run").replace(/^not run:\s*/, "");
  const more = notRun.length > 1 ? ` (and ${notRun.length - 1} more image${notRun.length === 2 ? "" : "s"})` : "";
  throw new EngineError(`--require-runtime: ${first.reference} could not be run: ${why}${more}`);
}

/**
 * Checks images against a policy and gives one report: the images named, the image a
 * `build` makes, or those of a `from` list. The policy is the second argument or
 * `opts.policy` (default: found here or above, else base). An image that cannot be read
 * is reported with `error` (exit status 2), not thrown; a policy that does not load is
 * thrown (PolicyError), as are bad options (UsageError), a Dockerfile that does not parse
 * and a build that fails.
 */
export async function check(refs: string | readonly string[], policy?: PolicyInput | CheckOptions, options: CheckOptions = {}): Promise<Report> {
  const opts = callOptions(policy, options);
  const images = typeof refs === "string" ? [refs] : [...refs];
  checkCombination(images, opts);
  const ignore = resolveIgnored(opts.ignore ?? [], opts.rules ?? RULES);
  const done = (report: Report): Report => {
    if (opts.requireRuntime) requireRuntime(report);
    return report;
  };
  const runtime = Boolean(opts.runtime || opts.requireRuntime);
  // one engine client for the whole run (build, images, probe), made only if one of them needs it
  const engineOf = lazyEngine(opts.build?.engine ?? opts.engine);
  if (opts.from !== undefined) {
    const listed = { ...opts, ignore, engineOf };
    return done(await checkList(opts.from, listed, checkImages));
  }

  const { policy: given, policyNames: names, dockerfile, build, from: _from, shard: _shard, ...rest } = opts;
  const loaded = await checkPolicy(given, { ...rest, runs: runtime || Boolean(opts.runtimeOnly) });
  const run: CheckRun = { ...rest, policy: loaded.policy, policyNames: names ?? loaded.names, ignore, engineOf, ...(runtime ? { runtime } : {}) };
  if (dockerfile !== undefined) run.dockerfile = await givenDockerfile(dockerfile);
  if (!build) return done(await checkImages(images, run));
  const engine = await engineOf();
  const built = await buildForCheck(build, engine);
  try {
    // the built image is read from the engine that built it
    return done(await checkImages([built.tag], { ...run, source: "engine", dockerfile: built.dockerfile, ...(engine ? { engine } : {}) }));
  } finally {
    await built.cleanup();
  }
}

/** 0 every image passed, 1 a finding at or above the threshold, 2 an image could not be read. */
export function exitStatus(report: Report): 0 | 1 | 2 {
  if (report.images.some((i) => i.error)) return 2;
  return report.passed ? 0 : 1;
}
