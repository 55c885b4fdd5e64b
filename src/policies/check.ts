/**
 * check(): open each image, inspect it (reading the files the rules ask for), with
 * `runtime` also run it under the policy's runtime profile, evaluate, one report.
 */
import { causeText } from "../errors.js";
import { inspectImage } from "../inspect/facts/collect.js";
import { configFact } from "../inspect/facts/config-facts.js";
import type { ConfigFact, Facts } from "../inspect/facts/types.js";
import { mapLimit } from "../inspect/read-layers.js";
import { openImage, type OpenOptions } from "../inspect/resolve.js";
import type { CommandTestSpec } from "../runtime/command-tests.js";
import type { RuntimeFacts, RuntimeSpec } from "../runtime/runtime-types.js";
import { addCounts, emptyCounts, evaluate, ruleEnabled, ruleOptions } from "./evaluate.js";
import type { ResolvedPolicy } from "./policy-types.js";
import { REPORT_SCHEMA, type ImageReport, type Report, type RuntimeFigures } from "./report-types.js";
import { resolveIgnored, withIgnored, type IgnoredRule } from "./ignore.js";
import { waiverWarnings } from "./waiver-warnings.js";
import { RULES } from "./rules/index.js";
import { notRunReason } from "./rules/runtime-helpers.js";
import { resolveRuntimeSpec, withRuntimeDefaults } from "./runtime-spec.js";
import type { AnyRule } from "./types.js";
import { VERSION } from "../version.js";

/** What the runtime probe is told about the image: the config facts it plans the run from. */
export type ProbeImage = Pick<ConfigFact, "healthcheck" | "exposedPorts" | "stopSignal" | "user">;

/** The runtime probe's signature (`probeRuntime` in src/runtime/probe.ts). */
export type RuntimeProbe = (
  imageRef: string,
  spec: RuntimeSpec,
  image: ProbeImage,
  opts: { signal?: AbortSignal; commandTests?: readonly CommandTestSpec[] },
) => Promise<RuntimeFacts>;

export interface CheckOptions extends OpenOptions {
  policy: ResolvedPolicy;
  /** Names or files the policy came from, for the report. */
  policyNames?: string[];
  rules?: readonly AnyRule[];
  /** Images checked at once (default 2). */
  concurrency?: number;
  now?: Date;
  /** Also run each image under the policy's runtime profile, for the runtime rules (IMG-RUN-*). */
  runtime?: boolean;
  /** Only the runtime rules (category "runtime"); the image is still read for its config and entrypoint. Implies `runtime`. */
  runtimeOnly?: boolean;
  /** Stops runs in progress (their containers are removed). */
  signal?: AbortSignal;
  /** Replaces the runtime probe; for tests of the decisions made here. */
  probe?: RuntimeProbe;
  /**
   * The Dockerfile the images were built from (imgpolicy check --build): it becomes
   * `facts.dockerfile`, which the Dockerfile rules (IMG-DF-*) read.
   */
  dockerfile?: NonNullable<Facts["dockerfile"]>;
  /**
   * Rules whose findings this run accepts (CLI: --ignore, IMGPOLICY_IGNORE): each still
   * runs, and its findings are waived with the given reason, so reports show them as
   * waived. A bare id gets "ignored by the caller". An unknown id throws a UsageError.
   */
  ignore?: readonly (string | IgnoredRule)[];
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
function startProbe(ref: string, opts: CheckOptions, spec: RuntimeSpec, config: ConfigFact, probe: () => Promise<RuntimeProbe>, failed: (err: unknown) => void) {
  const local = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, local.signal]) : local.signal;
  const probeOpts: Parameters<RuntimeProbe>[3] = { signal };
  // A container-structure-test config's commandTests run in the probe (IMG-RUN-007 judges them).
  const commandTests = opts.policy.cst?.commandTests ?? [];
  if (commandTests.length) probeOpts.commandTests = commandTests;
  const running = probe().then((run) => run(ref, spec, probeImage(config), probeOpts));
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
async function checkOne(ref: string, opts: CheckOptions, rules: readonly AnyRule[], probe: () => Promise<RuntimeProbe>): Promise<ImageReport> {
  const spec = resolveRuntimeSpec(opts.policy.runtime);
  const runtime = opts.runtime || opts.runtimeOnly;
  if (runtime) void probe().catch(() => undefined); // load it while the image is opened
  const image = await openImage(ref, { ...opts, prestartScan: true });
  let probing: ReturnType<typeof startProbe> | undefined;
  let probeError: { err: unknown } | undefined;
  const scanStop = new AbortController();
  const scanSignal = opts.signal ? AbortSignal.any([opts.signal, scanStop.signal]) : scanStop.signal;
  let facts: Facts;
  try {
    if (runtime) {
      const config = configFact((await image.config()).config);
      probing = startProbe(ref, opts, spec, config, probe, (err) => {
        probeError = { err };
        scanStop.abort(err);
      });
    }
    facts = await inspectImage(image, { files: filesWanted(opts.policy, rules), signal: scanSignal, ...(opts.now ? { now: opts.now } : {}) });
  } catch (err) {
    await probing?.stop();
    throw probeError ? probeError.err : err;
  } finally {
    await image.close();
  }
  if (opts.dockerfile) facts.dockerfile = opts.dockerfile;
  if (probing) facts.runtime = await probing.result;
  const counted = { cst: { commandTests: opts.policy.cst?.commandTests.length ?? 0 } };
  const report = evaluate(facts, opts.policy, { rules: withRuntimeDefaults(rules, spec, counted), ...(opts.now ? { now: opts.now } : {}) });
  if (facts.runtime) report.runtime = runtimeFigures(facts.runtime);
  if (opts.dockerfile) report.dockerfile = opts.dockerfile.path;
  return report;
}

/** Checks images against a policy. An image that cannot be read gets `error` and no results. */
/** The rules a check runs: all of them (opts.rules, else the registry), or only the runtime ones with `runtimeOnly`. */
export function rulesOfRun(opts: Pick<CheckOptions, "rules" | "runtimeOnly">): readonly AnyRule[] {
  const all = opts.rules ?? RULES;
  return opts.runtimeOnly ? all.filter((r) => r.category === "runtime") : all;
}

export async function check(refs: readonly string[], opts: CheckOptions): Promise<Report> {
  const all = opts.rules ?? RULES;
  const rules = rulesOfRun(opts);
  const ignored = resolveIgnored(opts.ignore ?? [], all);
  const run: CheckOptions = ignored.length ? { ...opts, policy: withIgnored(opts.policy, ignored) } : opts;
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

/** 0 every image passed, 1 a finding at or above the threshold, 2 an image could not be read. */
export function exitStatus(report: Report): 0 | 1 | 2 {
  if (report.images.some((i) => i.error)) return 2;
  return report.passed ? 0 : 1;
}
