/**
 * The descriptors of a registry's manifests and indexes, checked before anything is
 * fetched with them or said about them: a digest that is one, a size that is a
 * whole number of bytes, short strings where strings belong. A registry's JSON is
 * untrusted input; past this point the code may rely on the shapes.
 */
import { isDigest } from "../digest.js";
import type { Descriptor, Manifest } from "../image.js";
import { oneLine, registryError, type RegistryContext } from "./error-body.js";

/** Media types, platform fields and the like are short. */
const MAX_SHORT_STRING = 256;

/** A value as a message may show it: a string cut short, else what kind of value it is. */
export function shown(value: unknown): string {
  if (typeof value === "string") return `'${oneLine(value, 80)}'`;
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : typeof value;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const shortString = (v: unknown): v is string => typeof v === "string" && v.length <= MAX_SHORT_STRING;

/** What is wrong with a descriptor, or undefined. */
export function descriptorProblem(d: unknown): string | undefined {
  if (!isObject(d)) return `is ${shown(d)}, not a descriptor`;
  if (!isDigest(d.digest)) return `has an invalid digest ${shown(d.digest)}`;
  const size = d.size;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) return `(${d.digest}) has an invalid size ${shown(size)}`;
  if (d.mediaType !== undefined && !shortString(d.mediaType)) return `(${d.digest}) has an invalid media type ${shown(d.mediaType)}`;
  if (d.platform !== undefined) {
    const p = d.platform;
    if (!isObject(p) || !shortString(p.os) || !shortString(p.architecture) || (p.variant !== undefined && !shortString(p.variant))) {
      return `(${d.digest}) has an invalid platform`;
    }
  }
  if (d.annotations !== undefined && !isObject(d.annotations)) return `(${d.digest}) has invalid annotations`;
  return undefined;
}

function checked(ctx: RegistryContext, d: unknown, what: string): Descriptor {
  const problem = descriptorProblem(d);
  if (problem) throw registryError(ctx, `${what} ${problem}`);
  return d as Descriptor;
}

/** An index's entries, each a sound descriptor. */
export function indexEntries(ctx: RegistryContext, json: unknown, digest: string): Descriptor[] {
  const manifests = isObject(json) ? json.manifests : undefined;
  if (!Array.isArray(manifests)) throw registryError(ctx, `index ${digest} lists no manifests`);
  return manifests.map((d, i) => checked(ctx, d, `index ${digest}: entry ${i + 1}`));
}

/** An image manifest whose config and layer descriptors are sound, the config no bigger than `configLimit`. */
export function imageManifest(ctx: RegistryContext, json: unknown, digest: string, configLimit: number): Manifest {
  if (!isObject(json) || json.config === undefined || !Array.isArray(json.layers)) throw registryError(ctx, `manifest ${digest} is not an image manifest`);
  const config = checked(ctx, json.config, `manifest ${digest}: config`);
  if (config.size > configLimit) {
    throw registryError(ctx, `manifest ${digest}: config ${config.digest} is ${config.size} bytes, more than the ${configLimit} imgpolicy reads`);
  }
  json.layers.forEach((d, i) => checked(ctx, d, `manifest ${digest}: layer ${i + 1}`));
  return json as unknown as Manifest;
}
