/** Labels on every container the runtime probe starts, so nothing it starts can be lost. */
import { hostname } from "node:os";

/** `imgpolicy.runtime=1` on every probe container. */
export const RUNTIME_LABEL = "imgpolicy.runtime";
/** The probe run's id. */
export const RUN_LABEL = "imgpolicy.runtime.run";
/** `<hostname>/<pid>` of the process that started it: gc leaves containers of live processes alone. */
export const OWNER_LABEL = "imgpolicy.runtime.owner";
/** "probe" (the hardened run) or "write-probe" (the writable-root run). */
export const PURPOSE_LABEL = "imgpolicy.runtime.purpose";

export function ownerLabel(pid = process.pid): string {
  return `${hostname()}/${pid}`;
}

export function runtimeLabels(runId: string, purpose: "probe" | "write-probe"): Record<string, string> {
  return { [RUNTIME_LABEL]: "1", [RUN_LABEL]: runId, [OWNER_LABEL]: ownerLabel(), [PURPOSE_LABEL]: purpose };
}
