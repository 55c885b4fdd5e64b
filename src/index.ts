/**
 * The library API of imgpolicy, by name. The CLI (src/cli/) is a thin layer over
 * these; `imgpolicy/vitest` adds test matchers on top. Nothing here imports vitest
 * or testcontainers: the runtime probe is loaded only when a check asks for it.
 *
 *   const facts = await inspect("oci:build/app:1");
 *   const report = await check("oci:build/app:1", "go-scratch");
 *   const status = exitStatus(report);   // 0 passed, 1 a policy failed, 2 an image could not be read
 */
import { PolicyError } from "./errors.js";
import { check as checkImages, type CheckOptions as CoreCheckOptions } from "./policies/check.js";
import { loadPolicies, type LoadOptions } from "./policies/load-policy.js";
import { formatProblem, type ResolvedPolicy } from "./policies/policy-types.js";
import type { Report } from "./policies/report-types.js";
import type { Severity } from "./policies/types.js";

/** A policy as the API takes it: a shipped name or file, several to layer (later wins), or one already loaded. */
export type PolicyInput = string | readonly string[] | ResolvedPolicy;

export interface ResolvePolicyOptions extends LoadOptions {
  /** Overrides the policy's threshold (`failOn`). */
  failOn?: Severity;
}

/** Options of `check()`: where images come from, how many at once, runtime, and how the policy is loaded. */
export interface CheckOptions extends Omit<CoreCheckOptions, "policy">, ResolvePolicyOptions {}

const isResolved = (p: PolicyInput): p is ResolvedPolicy => typeof p === "object" && !Array.isArray(p);

/** The names a policy input was given by, for the report (`policies`). */
export function policyNames(policy: PolicyInput): string[] {
  if (isResolved(policy)) return [...policy.sources];
  return typeof policy === "string" ? [policy] : [...policy];
}

/**
 * Loads a policy input into a ResolvedPolicy. Throws a PolicyError whose message is
 * every problem as `file:line:col: message`, one a line, when it does not load.
 */
export async function resolvePolicy(policy: PolicyInput, opts: ResolvePolicyOptions = {}): Promise<ResolvedPolicy> {
  let resolved: ResolvedPolicy;
  if (isResolved(policy)) resolved = policy;
  else {
    const names = policyNames(policy);
    if (names.length === 0) throw new PolicyError("no policy given: name a shipped policy (base, go-scratch, …) or a policy file");
    const { failOn: _failOn, ...load } = opts;
    const { policy: loaded, errors } = await loadPolicies(names, load);
    if (!loaded) throw new PolicyError(errors.map(formatProblem).join("\n"));
    resolved = loaded;
  }
  return opts.failOn ? { ...resolved, failOn: opts.failOn } : resolved;
}

/**
 * Checks one or more images against a policy and returns one report. An image that
 * cannot be read is reported with `error` (exit status 2), not thrown; a policy that
 * does not load is thrown (PolicyError).
 */
export async function check(refs: string | readonly string[], policy: PolicyInput, opts: CheckOptions = {}): Promise<Report> {
  const { failOn, cwd, shippedDir, ...rest } = opts;
  const load: ResolvePolicyOptions = { ...(failOn ? { failOn } : {}), ...(cwd ? { cwd } : {}), ...(shippedDir ? { shippedDir } : {}), ...(opts.rules ? { rules: opts.rules } : {}) };
  const resolved = await resolvePolicy(policy, load);
  return checkImages(typeof refs === "string" ? [refs] : refs, {
    ...rest,
    policy: resolved,
    policyNames: rest.policyNames ?? policyNames(policy),
  });
}

export { inspect, inspectImage, type InspectOptions } from "./inspect/facts/collect.js";
export { openImage, parseReference, type OpenOptions, type ParsedReference, type SourceChoice } from "./inspect/resolve.js";
export { parsePlatform, formatPlatform } from "./inspect/platform.js";
export { exitStatus, filesWanted, type ProbeImage, type RuntimeProbe } from "./policies/check.js";
export { evaluate, ruleEnabled, ruleOptions, type EvaluateOptions } from "./policies/evaluate.js";
export { loadPolicy, loadPolicies, shippedPolicyNames, type LoadOptions, type LoadResult } from "./policies/load-policy.js";
export { formatProblem } from "./policies/policy-types.js";
export { render, FORMATS, FORMAT_EXTENSIONS, isFormat, type Format, type RenderOptions } from "./policies/report/index.js";
export { RULES } from "./policies/rules/index.js";
export { SEVERITIES, severityRank, pass, fail, failIf, skip, NO_OPTIONS } from "./policies/types.js";
export { REPORT_SCHEMA } from "./policies/report-types.js";
export { FACTS_SCHEMA } from "./inspect/facts/types.js";
export { VERSION } from "./version.js";
export {
  ImgpolicyError,
  UsageError,
  SourceError,
  EngineError,
  RegistryError,
  PolicyError,
  describeError,
  type ErrorKind,
} from "./errors.js";

export type {
  Facts,
  ImageFact,
  LayerFact,
  ConfigFact,
  EnvFact,
  HealthcheckFact,
  CommandForm,
  UsersFact,
  BinaryFact,
  EntrypointFact,
  CertificatesFact,
  ZoneinfoFact,
  FilesystemFact,
  FileFact,
  FileProbe,
  Where,
} from "./inspect/facts/types.js";
export type { Image, Layer, Platform, ConfigFile, ContainerConfig } from "./inspect/image.js";
export type { RegistryOptions } from "./inspect/registry/options.js";
export type { Report, ImageReport, RuleResult, ReportedFinding, ResultStatus, Counts, Waiver, RuntimeFigures } from "./policies/report-types.js";
export type { Finding, Location, Severity, RuleCategory, Rule, AnyRule, RuleOutcome, JsonSchema, UserPatternRef } from "./policies/types.js";
export type { ResolvedPolicy, ResolvedRule, PolicyFile, RuleEntry, PolicyProblem } from "./policies/policy-types.js";
export type { RuntimeSpec, RuntimeFacts, RuntimeStatus, HttpHealth } from "./runtime/runtime-types.js";
