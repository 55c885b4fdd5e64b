/**
 * What running the image showed (imgpolicy check --runtime): facts like the others, which
 * ordinary rules judge. The runtime probe (src/runtime/probe.ts) produces them; they are
 * declared here so that the facts model needs nothing from src/runtime.
 */

export type RuntimeStatus = "ran" | "not-run";

export interface RuntimeFacts {
  status: RuntimeStatus;
  /** The probe's run id, also the containers' `imgpolicy.runtime.run` label. */
  runId?: string;
  /** Why it did not run (no engine, image not loadable, …). */
  reason?: string;
  /** The profile it ran under. */
  profile?: { readOnly: boolean; tmpfs: string[]; capDrop: string[]; capAdd: string[]; noNewPrivileges: boolean; user?: string };
  health?: {
    method: "http" | "tcp" | "healthcheck" | "log" | "running";
    healthy: boolean;
    /** Milliseconds from start to healthy. */
    timeToHealthyMs?: number;
    detail?: string;
    /** Milliseconds from start until a health check that had passed failed again (during the stay-up window). */
    turnedUnhealthyAfterMs?: number;
  };
  /** Stayed up for the required time after becoming healthy. */
  stayedUp?: boolean;
  /** When the container exited on its own (crash, exit at once). */
  exited?: {
    exitCode: number;
    afterMs: number;
    /** The engine confirmed that the kernel's OOM killer killed it. */
    oomKilled?: boolean;
    /**
     * It ended by SIGKILL (exit 137) under a memory limit, nobody asked it to stop, and the
     * engine did not confirm an OOM kill within the settle time: most likely the OOM killer
     * (engines can lose that event when the killed process was the container's only one),
     * but not known. Never set together with `oomKilled`.
     */
    oomUnconfirmed?: boolean;
  };
  restarts?: number;
  /** The last log lines (stdout+stderr), for messages. */
  logTail?: string[];
  /** The identity of PID 1 as the kernel saw it. */
  identity?: {
    uid: number;
    gid: number;
    groups?: number[];
    capEff: string;
    capabilities: string[];
    noNewPrivs?: boolean;
    /** Where /proc/1/status was read: the engine's archive API, or /proc/<pid> on the engine's (local) host. */
    via?: "archive" | "host-procfs";
  };
  /** Paths written when run with a writable root (engine's container changes list). */
  writes?: { path: string; kind: "added" | "changed" | "deleted" }[];
  /** How the second run, with a writable root, went (present when the write probe ran). */
  writableRun?: { healthy: boolean; exitCode?: number; detail?: string };
  stop?: { signal: string; exitCode?: number; timeToStopMs: number; killed: boolean };
  /** Peak memory in bytes seen through the engine's stats. */
  peakMemoryBytes?: number;
  /** container-structure-test commandTests results, when a CST config is the policy. */
  commandTests?: { name: string; passed: boolean; exitCode?: number; detail?: string }[];
}
