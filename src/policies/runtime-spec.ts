/**
 * The policy's `runtime` section: its JSON Schema (part of the policy schema, so a typo
 * there is a file:line:col error like any other) and `resolveRuntimeSpec`, which applies
 * the hardened defaults. The shape is `RuntimeSpec` in src/runtime/runtime-types.ts.
 */
import { CAPABILITIES } from "../inspect/parsers/capability-names.js";
import type { RuntimeSpec } from "../runtime/runtime-types.js";
import type { AnyRule, JsonSchema } from "./types.js";

export { CAPABILITIES };

/** The defaults `resolveRuntimeSpec` applies: the hardened profile a production runtime should allow. */
export const RUNTIME_DEFAULTS = {
  readOnly: true,
  tmpfs: ["/tmp"],
  capDrop: ["ALL"],
  capAdd: [] as string[],
  noNewPrivileges: true,
  startupTimeout: 30,
  stayUp: 3,
  stop: { signal: "SIGTERM", gracePeriod: 10, allowedExitCodes: [0, 143] },
  writeProbe: true,
} as const;

/** A RuntimeSpec with every default filled in: what the probe is handed. */
export interface ResolvedRuntimeSpec extends RuntimeSpec {
  tmpfs: string[];
  readOnly: boolean;
  capDrop: string[];
  capAdd: string[];
  noNewPrivileges: boolean;
  startupTimeout: number;
  stayUp: number;
  stop: { signal: string; gracePeriod: number; allowedExitCodes: number[] };
  writeProbe: boolean;
}

const argv = (what: string): JsonSchema => ({ type: "array", minItems: 1, items: { type: "string" }, description: what });
const port = { type: "integer", minimum: 1, maximum: 65535, description: "container port" };
const capability = { enum: ["ALL", ...CAPABILITIES] };

export const RUNTIME_SPEC_SCHEMA: JsonSchema = {
  type: "object",
  description:
    "How imgpolicy runs the image for the runtime rules (IMG-RUN-*), with `imgpolicy check --runtime`. Every field is optional; the defaults are a hardened profile: read-only root, /tmp as tmpfs, every capability dropped, no-new-privileges.",
  additionalProperties: false,
  properties: {
    entrypoint: argv("overrides the image's ENTRYPOINT (exec form: program and arguments)"),
    command: { type: "array", items: { type: "string" }, description: "overrides the image's CMD (the arguments after the ENTRYPOINT)" },
    env: {
      type: "object",
      description: "environment variables to set, NAME: value",
      propertyNames: { pattern: "^[^=]+$" },
      additionalProperties: { type: "string" },
    },
    user: {
      type: "string",
      minLength: 1,
      pattern: "^[^:]+(:[^:]+)?$",
      description: "user[:group] to run as (default: the image's own USER)",
    },
    tmpfs: {
      type: "array",
      items: { type: "string", pattern: "^/[^:]*(:.*)?$", description: "absolute path, optionally :options (size=64m,mode=1777)" },
      uniqueItems: true,
      default: RUNTIME_DEFAULTS.tmpfs,
      description: "tmpfs mounts: the only writable places when the root is read-only",
    },
    readOnly: { type: "boolean", default: RUNTIME_DEFAULTS.readOnly, description: "read-only root filesystem (docker run --read-only)" },
    capDrop: {
      type: "array",
      items: capability,
      uniqueItems: true,
      default: RUNTIME_DEFAULTS.capDrop,
      description: "capabilities dropped, without the CAP_ prefix (ALL = every one)",
    },
    capAdd: {
      type: "array",
      items: capability,
      uniqueItems: true,
      default: [],
      description: "capabilities added back after the drop, without the CAP_ prefix (e.g. NET_BIND_SERVICE); IMG-RUN-005 allows exactly these",
    },
    noNewPrivileges: {
      type: "boolean",
      default: RUNTIME_DEFAULTS.noNewPrivileges,
      description: "no-new-privileges: setuid binaries and file capabilities cannot raise privileges",
    },
    memory: { type: "string", pattern: "^ *[0-9]+(\\.[0-9]+)? *[bkmgtBKMGT]?([iI]?[bB])? *$", description: "memory limit, 1024-based as docker run -m: 256m, 1g, 512MiB (at least 6m)" },
    cpus: { type: "number", exclusiveMinimum: 0, maximum: 1024, description: "CPU limit, e.g. 0.5" },
    startupTimeout: {
      type: "number",
      exclusiveMinimum: 0,
      maximum: 3600,
      default: RUNTIME_DEFAULTS.startupTimeout,
      description: "seconds the container has to become healthy (IMG-RUN-001)",
    },
    stayUp: {
      type: "number",
      minimum: 0,
      maximum: 600,
      default: RUNTIME_DEFAULTS.stayUp,
      description: "seconds it must keep running once healthy (IMG-RUN-002)",
    },
    health: {
      type: "object",
      description:
        "how to know it is healthy, one method; default: the image's HEALTHCHECK, else a TCP connect to its first exposed port, else that it is running",
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
      properties: {
        http: {
          type: "object",
          description: "an HTTP GET that must answer",
          additionalProperties: false,
          required: ["port"],
          properties: {
            port,
            path: { type: "string", pattern: "^/", default: "/", description: "request path" },
            status: { type: "integer", minimum: 100, maximum: 599, default: 200, description: "expected status" },
            body: { type: "string", format: "regex", description: "regular expression the body must match" },
            tls: { type: "boolean", default: false, description: "HTTPS (certificate not verified)" },
          },
        },
        tcp: {
          type: "object",
          description: "a port that must accept connections",
          additionalProperties: false,
          required: ["port"],
          properties: { port },
        },
        healthcheck: {
          type: "boolean",
          description:
            "true: wait for the image's HEALTHCHECK to report healthy. The probe's container runs the image's own health command (its command, timeout and retries) every 250 ms rather than at the image's interval, and counts a failure only from when the image's own schedule would have",
        },
        log: { type: "string", minLength: 1, format: "regex", description: "regular expression a log line must match" },
      },
    },
    stop: {
      type: "object",
      description: "the stop test (IMG-RUN-006)",
      additionalProperties: false,
      properties: {
        signal: {
          type: "string",
          pattern: "^(SIG)?[A-Z][A-Z0-9]*([+-][0-9]+)?$|^[0-9]+$",
          default: RUNTIME_DEFAULTS.stop.signal,
          description: "signal sent to stop it (SIGTERM is what Docker, Kubernetes and ECS send)",
        },
        gracePeriod: {
          type: "number",
          minimum: 0,
          maximum: 300,
          default: RUNTIME_DEFAULTS.stop.gracePeriod,
          description: "seconds between the signal and SIGKILL",
        },
        allowedExitCodes: {
          type: "array",
          items: { type: "integer", minimum: 0, maximum: 255 },
          minItems: 1,
          uniqueItems: true,
          default: RUNTIME_DEFAULTS.stop.allowedExitCodes,
          description: "exit codes that count as a clean stop (143 = 128 + SIGTERM)",
        },
      },
    },
    writeProbe: {
      type: "boolean",
      default: RUNTIME_DEFAULTS.writeProbe,
      description: "when it fails with a read-only root, run it again writable to list the paths it writes (IMG-RUN-003)",
    },
  },
};

const capName = (c: string): string => c.toUpperCase().replace(/^CAP_/, "");

/**
 * The runtime section with every default applied. `raw` is the section as loaded (already
 * validated against RUNTIME_SPEC_SCHEMA); undefined means "no section": all defaults.
 * Arrays are copied, so the result can be changed without touching the policy.
 */
export function resolveRuntimeSpec(raw: RuntimeSpec | Record<string, unknown> | undefined): ResolvedRuntimeSpec {
  const s = (raw ?? {}) as RuntimeSpec;
  const d = RUNTIME_DEFAULTS;
  const out: ResolvedRuntimeSpec = {
    tmpfs: [...(s.tmpfs ?? d.tmpfs)],
    readOnly: s.readOnly ?? d.readOnly,
    capDrop: (s.capDrop ?? d.capDrop).map(capName),
    capAdd: (s.capAdd ?? d.capAdd).map(capName),
    noNewPrivileges: s.noNewPrivileges ?? d.noNewPrivileges,
    startupTimeout: s.startupTimeout ?? d.startupTimeout,
    stayUp: s.stayUp ?? d.stayUp,
    stop: {
      signal: s.stop?.signal ?? d.stop.signal,
      gracePeriod: s.stop?.gracePeriod ?? d.stop.gracePeriod,
      allowedExitCodes: [...(s.stop?.allowedExitCodes ?? d.stop.allowedExitCodes)],
    },
    writeProbe: s.writeProbe ?? d.writeProbe,
  };
  if (s.entrypoint) out.entrypoint = [...s.entrypoint];
  if (s.command) out.command = [...s.command];
  if (s.env) out.env = { ...s.env };
  if (s.user !== undefined) out.user = s.user;
  if (s.memory !== undefined) out.memory = s.memory;
  if (s.cpus !== undefined) out.cpus = s.cpus;
  if (s.health) out.health = structuredClone(s.health);
  return out;
}

/**
 * What the runtime rules need from the runtime section, keyed by rule id: the limits they
 * name in messages, the exit codes IMG-RUN-006 accepts, and how many container-structure-test
 * commandTests the policy holds (IMG-RUN-007). They are not rule options a
 * policy writes (the runtime section is their one place), so they are not in the rules'
 * option schemas; `withRuntimeDefaults` hands them to the rules as defaults.
 */
export function runtimeRuleDefaults(spec: ResolvedRuntimeSpec, policy: { cst?: { commandTests: number } } = {}): Record<string, Record<string, unknown>> {
  return {
    "IMG-RUN-001": { startupTimeout: spec.startupTimeout },
    "IMG-RUN-002": { stayUp: spec.stayUp },
    "IMG-RUN-006": { signal: spec.stop.signal, gracePeriod: spec.stop.gracePeriod, allowedExitCodes: [...spec.stop.allowedExitCodes] },
    "IMG-RUN-007": { commandTests: policy.cst?.commandTests ?? 0 },
  };
}

/** The rules, with those of `runtimeRuleDefaults` given the section's values as default options. */
export function withRuntimeDefaults(rules: readonly AnyRule[], spec: ResolvedRuntimeSpec, policy: { cst?: { commandTests: number } } = {}): AnyRule[] {
  const extra = runtimeRuleDefaults(spec, policy);
  return rules.map((r) => (extra[r.id] ? { ...r, defaultOptions: { ...r.defaultOptions, ...extra[r.id] } } : r));
}
