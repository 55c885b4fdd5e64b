/**
 * The one place a check's policy is resolved: a policy given by name, file or layers of
 * them, or already loaded; else the one found here or above (.imgpolicy.yaml, up to the
 * repository root: policy-discovery.ts), else base. `failOn` replaces its threshold. A
 * policy found rather than named is the checkout's: when the image is to be run it may
 * only harden the sandbox, unless trusted. Problems are thrown together, one a line.
 */
import { PolicyError, UsageError } from "../errors.js";
import { loadPolicies, type LoadOptions } from "./load-policy.js";
import { discoverPolicy } from "./policy-discovery.js";
import { formatProblem, type PolicyProblem, type ResolvedPolicy } from "./policy-types.js";
import { SEVERITIES, type Severity } from "./types.js";
import { reportedWaivers } from "./waivers.js";

/** A policy as the API takes it: a shipped name or file, several to layer (later wins), or one already loaded. */
export type PolicyInput = string | readonly string[] | ResolvedPolicy;

export interface ResolvePolicyOptions extends LoadOptions {
  /** Overrides the policy's threshold (`failOn`). */
  failOn?: Severity;
}

/** A policy that did not load: every problem, one a line (`file:line:col: message`). */
export class PolicyProblemsError extends PolicyError {
  constructor(
    readonly problems: readonly PolicyProblem[],
    /** The problems as shown, one a line (the message is these, joined). */
    readonly lines: readonly string[] = problems.map(formatProblem),
  ) {
    super(lines.join("\n"));
  }
}

export const isResolvedPolicy = (p: PolicyInput): p is ResolvedPolicy => typeof p === "object" && !Array.isArray(p);

/** The names a policy input was given by, for the report (`policies`). */
export function policyNames(policy: PolicyInput): string[] {
  if (isResolvedPolicy(policy)) return [...policy.sources];
  return typeof policy === "string" ? [policy] : [...policy];
}

/** A threshold from the caller, checked (a UsageError names the severities). */
export function checkedFailOn(failOn: string | undefined): Severity | undefined {
  if (failOn === undefined || (SEVERITIES as readonly string[]).includes(failOn)) return failOn as Severity | undefined;
  throw new UsageError(`failOn: unknown severity '${failOn}' (${SEVERITIES.join(", ")})`);
}

/**
 * Loads a policy input into a ResolvedPolicy. Throws a PolicyProblemsError (a
 * PolicyError) whose message is every problem as `file:line:col: message`, one a line.
 */
export async function resolvePolicy(policy: PolicyInput, opts: ResolvePolicyOptions = {}): Promise<ResolvedPolicy> {
  let resolved: ResolvedPolicy;
  if (isResolvedPolicy(policy)) resolved = policy;
  else {
    const names = policyNames(policy);
    if (names.length === 0) throw new PolicyError("no policy given: name a shipped policy (base, go-scratch, …) or a policy file");
    const { failOn: _failOn, ...load } = opts;
    const { policy: loaded, errors } = await loadPolicies(names, load);
    if (!loaded) throw new PolicyProblemsError(errors);
    resolved = loaded;
  }
  const failOn = checkedFailOn(opts.failOn);
  return failOn ? { ...resolved, failOn } : resolved;
}

export interface CheckPolicyOptions extends ResolvePolicyOptions {
  /** Where discovery starts and relative files resolve (default: the working directory). */
  cwd?: string;
  /** The image is to be run: a policy found, not named, may then only harden the sandbox (unless `trustPolicy`). */
  runs?: boolean;
  /** A policy found here or above may weaken the runtime sandbox too (CLI: --trust-policy). */
  trustPolicy?: boolean;
}

export interface CheckPolicy {
  policy: ResolvedPolicy;
  /** The names it was given or found by, as the report lists them. */
  names: string[];
  /** Found here or above, not named. */
  found: boolean;
}

/** The policy named (an empty list is no policy: resolvePolicy says so), else the one found from `cwd` (relative to it), else base. */
export async function namedOrFound(policy: PolicyInput | undefined, cwd: string): Promise<{ input: PolicyInput; found: boolean }> {
  if (policy !== undefined) return { input: policy, found: false };
  const found = await discoverPolicy(cwd);
  return { input: [found ?? "base"], found: true };
}

/**
 * The policy of a check: the one given, else found, loaded with the caller's options;
 * waiver sources as reports name files (relative to `cwd`: waivers.ts). Throws a
 * PolicyProblemsError when it does not load.
 */
export async function checkPolicy(given: PolicyInput | undefined, opts: CheckPolicyOptions = {}): Promise<CheckPolicy> {
  const cwd = opts.cwd ?? process.cwd();
  const { input, found } = await namedOrFound(given, cwd);
  const { runs, trustPolicy, ...load } = opts;
  const hardenOnly = load.hardenOnly ?? (found && Boolean(runs) && !trustPolicy);
  const resolved = await resolvePolicy(input, { ...load, cwd, hardenOnly });
  const policy = isResolvedPolicy(input) ? resolved : { ...resolved, waivers: reportedWaivers(resolved.waivers, cwd) };
  return { policy, names: policyNames(input), found };
}
