/**
 * A cap on what a probed container's logs take on the engine's disk: a container that
 * prints gigabytes during its startup timeout must not fill the host. The engine's
 * json-file and local drivers (the default one, on almost every engine) rotate at
 * `max-size`; one file is kept. Other drivers (journald, syslog, none, a plugin) keep
 * their own settings: they refuse options they do not know, and most do not store logs
 * on the engine's disk at all.
 */
import type { EngineClient } from "../engine/client.js";
import { defaultLoggingDriver } from "../engine/containers.js";

export interface LogConfig {
  Type: string;
  Config: Record<string, string>;
}

/** What the probe's containers may log on disk; their log tail and log wait need far less. */
export const LOG_MAX_SIZE = "10m";

const ROTATING = new Set(["json-file", "local"]);

const known = new WeakMap<EngineClient, Promise<LogConfig | undefined>>();

/** The LogConfig for the probe's containers on this engine: undefined when its driver takes no max-size (or it does not say). */
export function probeLogConfig(engine: EngineClient): Promise<LogConfig | undefined> {
  let p = known.get(engine);
  if (!p) {
    p = defaultLoggingDriver(engine).then(
      (driver) => (driver !== undefined && ROTATING.has(driver) ? { Type: driver, Config: { "max-size": LOG_MAX_SIZE, "max-file": "1" } } : undefined),
      () => {
        known.delete(engine); // ask again next time
        return undefined;
      },
    );
    known.set(engine, p);
  }
  return p;
}
