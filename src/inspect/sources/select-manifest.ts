/** Chooses one image manifest from an index (tag and platform), shared by the layout and hybrid archive readers. */
import { SourceError } from "../../errors.js";
import type { Descriptor, Index, Platform } from "../image.js";
import { isIndexMediaType } from "../image.js";
import { formatPlatform, hostPlatform, isAttestation, normalizePlatform, platformMatches } from "../platform.js";

export const REF_NAME = "org.opencontainers.image.ref.name";

/** Entries of a top-level index that carry the tag (ref.name annotation, or containerd's image name). */
export function entriesForTag(index: Index, tag: string): Descriptor[] {
  return index.manifests.filter((d) => {
    const ref = d.annotations?.[REF_NAME];
    const name = d.annotations?.["io.containerd.image.name"];
    return ref === tag || name === tag || (name !== undefined && name.endsWith(`/${tag}`)) || (name !== undefined && name.endsWith(`:${tag}`) && !tag.includes(":"));
  });
}

export function tagsOf(index: Index): string[] {
  return index.manifests.map((d) => d.annotations?.[REF_NAME]).filter((t): t is string => Boolean(t));
}

/**
 * Picks the manifest for `wanted` (default: the host) from an index's entries as the
 * engine does (moby 20.10's filterManifests): the first entry whose platform matches
 * (platform.ts); where none does and arm is asked for, the first entry whose platform
 * is written exactly as the normalised os and "arm", whatever its variant. Entries
 * without a platform, and attestations (unknown/unknown), never match. (Engines from 23
 * on also rank the lower arm variants before that fallback; they agree with this
 * wherever an entry matches exactly.)
 */
export function choosePlatform(where: string, manifests: Descriptor[], wanted: Platform | undefined): Descriptor {
  const target = wanted ?? hostPlatform();
  const match = manifests.find((d) => platformMatches(d.platform, target));
  if (match) return match;
  const t = normalizePlatform(target);
  if (t.architecture === "arm") {
    const anyArm = manifests.find((d) => d.platform?.os === t.os && d.platform?.architecture === "arm");
    if (anyArm) return anyArm;
  }
  const present = manifests.filter((d) => !isAttestation(d.platform, d.annotations)).map((d) => formatPlatform(d.platform)).join(", ") || "none";
  throw new SourceError(`${where}: no image for platform ${formatPlatform(target)}; platforms present: ${present}`);
}

export function isIndexDescriptor(d: Descriptor): boolean {
  return isIndexMediaType(d.mediaType);
}
