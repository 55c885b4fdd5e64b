/** Chooses one image manifest from an index (tag and platform), shared by the layout and hybrid archive readers. */
import { SourceError } from "../../errors.js";
import type { Descriptor, Index, Platform } from "../image.js";
import { isIndexMediaType } from "../image.js";
import { formatPlatform, hostPlatform, isAttestation, platformMatches } from "../platform.js";

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

/** Picks the manifest for `wanted` (default: the host) among an index's entries, ignoring attestations. */
export function choosePlatform(where: string, manifests: Descriptor[], wanted: Platform | undefined): Descriptor {
  const candidates = manifests.filter((d) => !isAttestation(d.platform, d.annotations));
  if (candidates.length === 1 && !candidates[0]!.platform && !wanted) return candidates[0]!;
  const target = wanted ?? hostPlatform();
  const match = candidates.find((d) => platformMatches(d.platform, target));
  if (match) return match;
  if (!wanted && candidates.length === 1) return candidates[0]!;
  const present = candidates.map((d) => formatPlatform(d.platform)).join(", ") || "none";
  throw new SourceError(`${where}: no image for platform ${formatPlatform(target)}; platforms present: ${present}`);
}

export function isIndexDescriptor(d: Descriptor): boolean {
  return isIndexMediaType(d.mediaType);
}
