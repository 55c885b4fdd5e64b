/** Shared pieces of the runtime-probe tests: the engine, per-file image tags, leak checks. */
import { randomBytes } from "node:crypto";
import { EngineClient } from "../../src/engine/client.js";
import { ownerMayLive } from "../../src/runtime/gc.js";
import { ownerLabel, OWNER_LABEL, RUNTIME_LABEL } from "../../src/runtime/labels.js";

// Ryuk cannot be pulled here; the probe does not use it (withAutoCleanup(false)), and
// nothing else in these tests may try.
process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
// The probe names testcontainers' host itself (see probe.ts); tests that use testcontainers
// directly, and may do so first, must not let it run alpine to find a gateway either.
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= "127.0.0.1";

export const engine = new EngineClient();

/** An image name prefix unique to one test file's run. */
export function imagePrefix(name: string): string {
  return `imgpolicy-test/runtime-${name}-${randomBytes(3).toString("hex")}`;
}

/** Probe containers left on the engine by the given owner process (this one by default). */
export async function leftovers(pid = process.pid): Promise<string[]> {
  const list = await engine.listContainers({ all: true, label: [`${RUNTIME_LABEL}=1`, `${OWNER_LABEL}=${ownerLabel(pid)}`] });
  return list.map((c) => `${c.Id.slice(0, 12)} ${c.Image} ${c.State}`);
}

/**
 * Every imgpolicy.runtime=1 container on the engine that no live process owns: leaks.
 * (Other test files run probes in parallel; their containers have live owners.)
 */
export async function orphans(): Promise<string[]> {
  const list = await engine.listContainers({ all: true, label: `${RUNTIME_LABEL}=1` });
  return list.filter((c) => !ownerMayLive(c.Labels?.[OWNER_LABEL])).map((c) => `${c.Id.slice(0, 12)} ${c.Image} ${c.State}`);
}
