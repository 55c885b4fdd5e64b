/**
 * testcontainers' GenericContainer under the probe's hardened profile. Builder methods
 * cover most of it (tmpfs, caps, security options, user, limits, env, entrypoint and
 * command, ports, labels, pull policy, startup timeout); what 11.x has no builder for
 * is set in `beforeContainerCreated`, the hook that runs just before the create request
 * and may still change `createOpts` and `hostConfig`:
 *   - HostConfig.ReadonlyRootfs (no builder method);
 *   - HostConfig.PortBindings with HostIp 127.0.0.1 (withExposedPorts binds every
 *     interface: it writes `{ HostPort: "0" }` with no HostIp);
 *   - HostConfig.MemorySwap = Memory (no swap, so a memory limit really limits);
 *   - Config.StopSignal (the signal `stop` sends);
 *   - HostConfig.LogConfig, the engine's own driver with a max-size (log-config.ts);
 *   - Config.Healthcheck with only Interval, StartInterval and StartPeriod (plan.healthcheckCadence):
 *     the engine fills a field left out (Test, Timeout, Retries) from the image's
 *     HEALTHCHECK, so the image's own command runs, on the probe's short cadence
 *     (withHealthCheck would make us restate the command).
 * `containerCreated` hands the id to the janitor before the container ever starts.
 */
import { GenericContainer, type ImagePullPolicy, type PortWithOptionalBinding } from "testcontainers";
import type { EngineClient } from "../engine/client.js";
import { janitor } from "./janitor.js";
import type { LogConfig } from "./log-config.js";
import { runtimeLabels } from "./labels.js";
import type { RunPlan } from "./profile.js";
import { PROBE_HOST } from "./wait.js";

/**
 * Never pull. Note that testcontainers consults the policy only to force a pull: with
 * `false` it still pulls an image the engine lacks, so the probe checks the image is
 * there (through testcontainers' own client) before it starts anything.
 */
export class NeverPull implements ImagePullPolicy {
  shouldPull(): boolean {
    return false;
  }
}

const TMPFS_OPTIONS = "rw,nosuid,nodev,size=64m";

export interface HardenedOptions {
  plan: RunPlan;
  readOnly: boolean;
  runId: string;
  purpose: "probe" | "write-probe";
  engine: EngineClient;
  /** The container's logs on the engine's disk, capped (probeLogConfig); undefined: the engine's defaults. */
  logConfig?: LogConfig;
  onCreated(id: string): void;
}

export class HardenedContainer extends GenericContainer {
  readonly #opts: HardenedOptions;
  #endCreate: (() => void) | undefined;

  constructor(image: string, opts: HardenedOptions) {
    super(image);
    this.#opts = opts;
    const { plan } = opts;
    const p = plan.profile;
    this.withPullPolicy(new NeverPull())
      .withAutoCleanup(false) // no Ryuk (it cannot be pulled here): the janitor and gc clean up
      .withAutoRemove(false)
      .withLabels(runtimeLabels(opts.runId, opts.purpose))
      .withStartupTimeout(plan.startupTimeoutMs)
      .withTmpFs(Object.fromEntries(p.tmpfs.map((t) => [t, TMPFS_OPTIONS])));
    if (p.capDrop.length > 0) this.withDroppedCapabilities(...p.capDrop);
    if (p.capAdd.length > 0) this.withAddedCapabilities(...p.capAdd);
    if (p.noNewPrivileges) this.withSecurityOpt("no-new-privileges:true");
    if (plan.userOverride !== undefined) this.withUser(plan.userOverride);
    if (Object.keys(plan.env).length > 0) this.withEnvironment(plan.env);
    if (plan.entrypoint) this.withEntrypoint(plan.entrypoint);
    if (plan.command) this.withCommand(plan.command);
    const ports: PortWithOptionalBinding[] = [];
    for (const key of plan.ports) {
      const [port, protocol] = key.split("/");
      if (protocol === "tcp") ports.push(Number(port));
      else if (protocol === "udp") ports.push(`${Number(port)}/udp`);
    }
    if (ports.length > 0) this.withExposedPorts(...ports);
    if (plan.memoryBytes !== undefined || plan.nanoCpus !== undefined) {
      const quota: { memory?: number; cpu?: number } = {};
      if (plan.memoryBytes !== undefined) quota.memory = plan.memoryBytes / 1024 ** 3;
      if (plan.nanoCpus !== undefined) quota.cpu = plan.nanoCpus / 1e9;
      this.withResourcesQuota(quota);
    }
  }

  protected override async beforeContainerCreated(): Promise<void> {
    const { plan, readOnly } = this.#opts;
    this.hostConfig.ReadonlyRootfs = readOnly;
    const bindings = this.hostConfig.PortBindings as Record<string, { HostIp?: string; HostPort?: string }[]> | undefined;
    for (const [key, list] of Object.entries(bindings ?? {})) {
      bindings![key] = list.map((b) => ({ HostIp: PROBE_HOST, HostPort: b.HostPort === "0" ? "" : (b.HostPort ?? "") }));
    }
    if (plan.memoryBytes !== undefined) {
      this.hostConfig.Memory = plan.memoryBytes; // exact, not rounded through GiB
      this.hostConfig.MemorySwap = plan.memoryBytes;
    }
    if (plan.nanoCpus !== undefined) this.hostConfig.NanoCpus = plan.nanoCpus;
    this.createOpts.StopSignal = plan.stopSignal;
    if (plan.healthcheckCadence) {
      const { intervalMs, startPeriodMs } = plan.healthcheckCadence;
      // StartInterval (API 1.44, engine 25) runs checks inside the start period; older engines ignore the field
      this.createOpts.Healthcheck = { Interval: intervalMs * 1e6, StartInterval: intervalMs * 1e6, StartPeriod: startPeriodMs * 1e6 };
    }
    if (this.#opts.logConfig) this.hostConfig.LogConfig = { Type: this.#opts.logConfig.Type, Config: { ...this.#opts.logConfig.Config } };
    this.#endCreate = janitor.beginCreate(); // throws once a signal arrived: nothing new is created
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    janitor.track(containerId, this.#opts.engine);
    this.#endCreate?.();
    this.#opts.onCreated(containerId);
  }

  /** Ends the pending-create bracket when the create request itself failed. */
  endCreate(): void {
    this.#endCreate?.();
  }
}
