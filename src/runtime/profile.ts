/**
 * A RuntimeSpec and the image's own config resolved into the concrete plan of a run:
 * the hardened profile with its defaults, the ports to publish, how health is judged,
 * and the stop signal and grace period.
 */
import { compileUserRegex, type UserRegex } from "../text/user-regex.js";
import { UsageError } from "../errors.js";
import type { HealthcheckFact } from "../inspect/facts/types.js";
import { normaliseCapability } from "./capabilities.js";
import type { HttpHealth, RuntimeFacts, RuntimeSpec } from "./runtime-types.js";

/** What the probe needs from the image config (the same shape as the config facts). */
export interface ImageRuntimeConfig {
  user?: string;
  /** "8080/tcp" style keys. */
  exposedPorts?: string[];
  healthcheck?: HealthcheckFact;
  stopSignal?: string;
}

export type HealthPlan =
  | { method: "http"; port: number; path: string; status: number; body?: UserRegex; tls: boolean }
  | { method: "tcp"; ports: number[] }
  | { method: "healthcheck" }
  | { method: "log"; pattern: UserRegex }
  | { method: "running" };

export interface RunPlan {
  profile: NonNullable<RuntimeFacts["profile"]>;
  /** Only set when the spec overrides the image's USER. */
  userOverride?: string;
  env: Record<string, string>;
  entrypoint?: string[];
  command?: string[];
  memoryBytes?: number;
  nanoCpus?: number;
  /** Container ports to publish on 127.0.0.1, "8080/tcp" style. */
  ports: string[];
  health: HealthPlan;
  startupTimeoutMs: number;
  stayUpMs: number;
  stopSignal: string;
  graceSeconds: number;
  allowedExitCodes: number[];
  writeProbe: boolean;
  /**
   * Set when health is the image's HEALTHCHECK and its interval is longer than the probe's
   * cadence: the probe container runs the image's own health command (its Test, Timeout and
   * Retries, which the engine keeps from the image) every `intervalMs`, and a failed check
   * counts only from `startPeriodMs` on, the moment the image's own schedule would first
   * have counted one (see healthcheckCadence).
   */
  healthcheckCadence?: { intervalMs: number; startPeriodMs: number };
}

/** How often the probe container runs the image's own health command. */
export const HEALTHCHECK_CADENCE_MS = 250;
/** The engine's defaults for a HEALTHCHECK that does not set them. */
const ENGINE_HEALTH_INTERVAL_MS = 30_000;
const ENGINE_HEALTH_RETRIES = 3;

/**
 * The probe's schedule for the image's HEALTHCHECK. Under its own schedule the engine runs
 * the first check one interval after the start, and declares the container unhealthy at
 * the `retries`-th failure in a row that comes after the start period: at
 * (max(1, ⌈start/interval⌉) + retries − 1) × interval at the earliest. The probe runs the
 * same command every HEALTHCHECK_CADENCE_MS, so a ready service is seen healthy within a
 * cadence, and gives it a start period up to that moment, so failures before it do not
 * count: the image is not called unhealthy sooner than its own HEALTHCHECK would call it.
 * Undefined when the image's interval is already that short.
 */
export function healthcheckCadence(h: HealthcheckFact | undefined): RunPlan["healthcheckCadence"] {
  const intervalMs = h?.intervalSeconds ? h.intervalSeconds * 1000 : ENGINE_HEALTH_INTERVAL_MS;
  if (intervalMs <= HEALTHCHECK_CADENCE_MS) return undefined;
  const startMs = (h?.startPeriodSeconds ?? 0) * 1000;
  const retries = h?.retries && h.retries > 0 ? h.retries : ENGINE_HEALTH_RETRIES;
  const firstCounted = Math.max(1, Math.ceil(startMs / intervalMs));
  return { intervalMs: HEALTHCHECK_CADENCE_MS, startPeriodMs: Math.round((firstCounted + retries - 1) * intervalMs) };
}

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** "256m", "1g", "512Mi", "1048576" → bytes (1024-based, as `docker run -m`). */
export function parseMemory(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:ib?|b)?\s*$/i.exec(text);
  const unit = UNITS[(m?.[2] ?? "").toLowerCase()];
  if (!m || unit === undefined) throw new UsageError(`runtime.memory '${text}' is not a size (use e.g. "256m" or "1g")`);
  const bytes = Math.floor(Number(m[1]) * unit);
  if (bytes < 6 * 1024 * 1024) throw new UsageError(`runtime.memory '${text}' is below the engine's minimum of 6m`);
  return bytes;
}

const SIGNALS = ["HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM"];

/** "TERM", "sigterm", "15" → "SIGTERM"; other names pass through upper-cased with a SIG prefix. */
export function normaliseSignal(signal: string): string {
  const s = signal.trim().toUpperCase();
  if (/^\d+$/.test(s)) {
    const name = SIGNALS[Number(s) - 1];
    return name ? `SIG${name}` : s;
  }
  if (!/^(SIG)?[A-Z0-9+-]+$/.test(s)) throw new UsageError(`'${signal}' is not a signal name`);
  return s.startsWith("SIG") ? s : `SIG${s}`;
}

/** A pattern of the policy's runtime section, through the one guard for user patterns (RE2: linear time). */
function regex(text: string, what: string): UserRegex {
  try {
    return compileUserRegex(text);
  } catch (err) {
    throw new UsageError(`${what}: ${(err as Error).message}`);
  }
}

function port(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${what} ${n} is not a port number`);
  return n;
}

function httpPlan(h: HttpHealth): HealthPlan {
  const plan: HealthPlan = { method: "http", port: port(h.port, "runtime.health.http.port"), path: h.path ?? "/", status: h.status ?? 200, tls: h.tls ?? false };
  if (!plan.path.startsWith("/")) plan.path = `/${plan.path}`;
  if (h.body !== undefined) plan.body = regex(h.body, "runtime.health.http.body");
  return plan;
}

const tcpPorts = (keys: readonly string[]) =>
  keys.filter((k) => !/\/(udp|sctp)$/i.test(k)).map((k) => Number.parseInt(k, 10)).filter((n) => n > 0 && n < 65536);

function healthPlan(spec: RuntimeSpec, image: ImageRuntimeConfig): HealthPlan {
  const h = spec.health ?? {};
  if (h.http) return httpPlan(h.http);
  if (h.tcp) return { method: "tcp", ports: [port(h.tcp.port, "runtime.health.tcp.port")] };
  if (h.healthcheck) return { method: "healthcheck" };
  if (h.log !== undefined) return { method: "log", pattern: regex(h.log, "runtime.health.log") };
  const kind = image.healthcheck?.kind;
  if (kind === "cmd" || kind === "cmd-shell") return { method: "healthcheck" };
  const exposed = tcpPorts(image.exposedPorts ?? []);
  if (exposed.length > 0) return { method: "tcp", ports: exposed };
  return { method: "running" };
}

const seconds = (value: number | undefined, fallback: number, what: string): number => {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0) throw new UsageError(`${what} must be a number of seconds ≥ 0, not ${String(value)}`);
  return v;
};

/**
 * 30 s, or long enough for the image's HEALTHCHECK to have run once: the engine runs
 * the first check one interval (default 30 s) after the start period begins.
 */
function defaultStartup(health: HealthPlan, image: ImageRuntimeConfig): number {
  if (health.method !== "healthcheck") return 30;
  const h = image.healthcheck;
  return Math.max(30, (h?.startPeriodSeconds ?? 0) + (h?.intervalSeconds ?? 30) + 10);
}

export function resolvePlan(spec: RuntimeSpec, image: ImageRuntimeConfig): RunPlan {
  const health = healthPlan(spec, image);
  if (health.method === "healthcheck" && !(image.healthcheck?.kind === "cmd" || image.healthcheck?.kind === "cmd-shell")) {
    throw new UsageError("runtime.health.healthcheck is set, but the image has no HEALTHCHECK");
  }
  const ports = new Set((image.exposedPorts ?? []).map((p) => (p.includes("/") ? p.toLowerCase() : `${p}/tcp`)));
  if (health.method === "http") ports.add(`${health.port}/tcp`);
  if (health.method === "tcp") for (const p of health.ports) ports.add(`${p}/tcp`);

  const user = spec.user ?? image.user;
  const profile: RunPlan["profile"] = {
    readOnly: spec.readOnly ?? true,
    tmpfs: [...(spec.tmpfs ?? ["/tmp"])],
    capDrop: (spec.capDrop ?? ["ALL"]).map(normaliseCapability),
    capAdd: (spec.capAdd ?? []).map(normaliseCapability),
    noNewPrivileges: spec.noNewPrivileges ?? true,
  };
  if (user) profile.user = user;
  for (const t of profile.tmpfs) if (!t.startsWith("/")) throw new UsageError(`runtime.tmpfs '${t}' is not an absolute path`);

  const plan: RunPlan = {
    profile,
    env: { ...(spec.env ?? {}) },
    ports: [...ports].sort(),
    health,
    startupTimeoutMs: seconds(spec.startupTimeout, defaultStartup(health, image), "runtime.startupTimeout") * 1000,
    stayUpMs: seconds(spec.stayUp, 3, "runtime.stayUp") * 1000,
    stopSignal: normaliseSignal(spec.stop?.signal ?? image.stopSignal ?? "SIGTERM"),
    graceSeconds: Math.round(seconds(spec.stop?.gracePeriod, 10, "runtime.stop.gracePeriod")),
    allowedExitCodes: spec.stop?.allowedExitCodes ?? [0],
    writeProbe: spec.writeProbe ?? true,
  };
  if (spec.user !== undefined) plan.userOverride = spec.user;
  if (health.method === "healthcheck") {
    const cadence = healthcheckCadence(image.healthcheck);
    if (cadence) plan.healthcheckCadence = cadence;
  }
  if (spec.entrypoint) plan.entrypoint = [...spec.entrypoint];
  if (spec.command) plan.command = [...spec.command];
  if (spec.memory !== undefined) plan.memoryBytes = parseMemory(spec.memory);
  if (spec.cpus !== undefined) {
    if (!(spec.cpus > 0)) throw new UsageError(`runtime.cpus must be above 0, not ${spec.cpus}`);
    plan.nanoCpus = Math.round(spec.cpus * 1e9);
  }
  return plan;
}
