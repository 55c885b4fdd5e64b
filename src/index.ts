/**
 * The library API of imgpolicy, by name. The CLI (src/cli/) is a thin layer over
 * these; `imgpolicy/vitest` adds test matchers on top. Nothing here imports vitest
 * or testcontainers: the runtime probe is loaded only when a check asks for it.
 *
 *   const facts = await inspect("oci:build/app:1");
 *   const report = await check("oci:build/app:1", "go-scratch");
 *   const status = exitStatus(report);   // 0 passed, 1 a policy failed, 2 an image could not be read
 *
 * check() is the one orchestrator the CLI's `check` also runs: a build
 * (`check([], { build: { context: "." } })`), an image list (`check([], { from: "gate.yaml" })`),
 * a Dockerfile to lint (`{ dockerfile: "Dockerfile" }`), `failOn`; mergeReports() joins
 * JSON reports (the shards of a gate) as `imgpolicy report merge` does.
 */
export { check, exitStatus, filesWanted, requireRuntime, type CheckOptions, type ProbeImage, type RuntimeProbe } from "./policies/check.js";
export type { CheckBuild } from "./policies/check-build.js";
export { ImageListError } from "./policies/check-list.js";
export { mergeReports, type MergeInput } from "./policies/check-merge.js";
export { policyNames, resolvePolicy, PolicyProblemsError, type PolicyInput, type ResolvePolicyOptions } from "./policies/load-policy-input.js";
export { discoverPolicy } from "./policies/policy-discovery.js";
export type { Shard } from "./policies/image-list-shard.js";
export type { DockerfileFact } from "./dockerfile/dockerfile-fact.js";
export { DockerfileReadError, type DockerfileInput } from "./dockerfile/given-dockerfile.js";
export { DockerfileSyntaxError, UnknownTargetError } from "./dockerfile/parse.js";
export { ImageBuildError } from "./build/build-errors.js";
export type { BuiltImage, BuildImageOptions } from "./build/build-image.js";
export { inspect, inspectImage, type InspectOptions } from "./inspect/facts/collect.js";
export { openImage, parseReference, type OpenOptions, type ParsedReference, type SourceChoice } from "./inspect/resolve.js";
export { parsePlatform, formatPlatform } from "./inspect/platform.js";
/** The engine client: `new EngineClient({ host: "unix:///run/docker.sock" })` passed as CheckOptions.engine / OpenOptions.engine makes a check use that engine (default: DOCKER_HOST or the docker context). */
export { EngineClient, engineClient, type EngineClientOptions } from "./engine/client.js";
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
