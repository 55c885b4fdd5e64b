/**
 * Runtime: how a policy asks for the image to be run, and what running it showed.
 * The probe (src/runtime/) is the only code that imports testcontainers; rules judge
 * RuntimeFacts like any other facts.
 */

export interface HttpHealth {
  port: number;
  path?: string;
  /** Expected status (default 200). */
  status?: number;
  /** Regex the body must match. */
  body?: string;
  tls?: boolean;
}

export interface RuntimeSpec {
  /** Overrides the image's ENTRYPOINT (exec form). */
  entrypoint?: string[];
  /** Overrides the image's CMD. */
  command?: string[];
  env?: Record<string, string>;
  /** Default: the image's own USER. */
  user?: string;
  /** tmpfs mounts (default ["/tmp"]). */
  tmpfs?: string[];
  /** Read-only root filesystem (default true). */
  readOnly?: boolean;
  /** Capabilities dropped (default ["ALL"]) and added back. */
  capDrop?: string[];
  capAdd?: string[];
  /** no-new-privileges (default true). */
  noNewPrivileges?: boolean;
  /** Limits: memory like "256m", CPUs like 0.5. */
  memory?: string;
  cpus?: number;
  /** Seconds to become healthy (default 30). */
  startupTimeout?: number;
  /** Seconds it must stay up once healthy (default 3). */
  stayUp?: number;
  /** How to know it is healthy; default: the image's HEALTHCHECK, else its exposed TCP ports, else "running". */
  health?: { http?: HttpHealth; tcp?: { port: number }; healthcheck?: boolean; log?: string };
  stop?: { signal?: string; gracePeriod?: number; allowedExitCodes?: number[] };
  /** Also run with a writable root to list the paths the process writes (default true). */
  writeProbe?: boolean;
}

/** What running the image showed: facts (src/inspect/facts), produced here. */
export type { RuntimeFacts, RuntimeStatus } from "../inspect/facts/runtime-facts.js";
