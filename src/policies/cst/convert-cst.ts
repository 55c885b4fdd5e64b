/**
 * container-structure-test configs (schemaVersion 2.0.0) accepted as policies.
 * Placeholder until the converter lands: recognises the format and says so.
 */
import type { ResolvedPolicy } from "../policy-types.js";

export function isCstConfig(data: unknown): data is { schemaVersion: string } {
  return typeof data === "object" && data !== null && "schemaVersion" in data;
}

export function cstToPolicy(_data: { schemaVersion: string }, file: string): { policy: Pick<ResolvedPolicy, "rules" | "cst">; errors: string[] } {
  return { policy: { rules: {} }, errors: [`${file} is a container-structure-test config; converting those is not supported yet`] };
}
