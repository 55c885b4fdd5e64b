/**
 * Tags and digests of image references, for IMG-TAG-001, IMG-BASE-001 and IMG-DF-001 (not a rule,
 * not registered). NAME[:TAG][@DIGEST] as Docker writes it; the tag is what follows
 * the last ":" after the last "/" (a registry port comes before a "/").
 */

export type Pinning =
  | { kind: "digest"; digest: string }
  | { kind: "tag"; tag: string }
  /** No tag and no digest: the engine and registries read it as `latest`. */
  | { kind: "none" };

const TAG = /^[\w][\w.-]{0,127}$/;
export const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;

/** How a NAME[:TAG][@DIGEST] reference is pinned. */
export function pinning(name: string): Pinning {
  const at = name.indexOf("@");
  if (at >= 0) return { kind: "digest", digest: name.slice(at + 1) };
  const colon = name.lastIndexOf(":");
  if (colon > name.lastIndexOf("/") && TAG.test(name.slice(colon + 1))) return { kind: "tag", tag: name.slice(colon + 1) };
  return { kind: "none" };
}

/** The options of the rules that judge whether a base image is pinned (IMG-BASE-001, IMG-DF-001). */
export interface PinOptions {
  /** Accept only a digest, not a version tag. */
  requireDigest: boolean;
  /** Tags that move and so pin nothing. */
  mutableTags: string[];
}

export const PIN_OPTIONS_SCHEMA = {
  type: "object",
  properties: {
    requireDigest: { type: "boolean", description: "Accept only a digest, not a version tag." },
    mutableTags: { type: "array", items: { type: "string", minLength: 1 }, uniqueItems: true, description: "Tags that pin nothing (default: latest)." },
  },
  additionalProperties: false,
};

export const PIN_DEFAULTS: PinOptions = { requireDigest: false, mutableTags: ["latest"] };

/** What the policy finds wrong with how a reference is pinned; undefined when it is pinned well enough. */
export type PinProblem = { kind: "no-tag" } | { kind: "moving-tag"; tag: string } | { kind: "tag-only"; tag: string };
export function pinProblem(p: Pinning, options: PinOptions): PinProblem | undefined {
  if (p.kind === "digest") return undefined;
  if (p.kind === "none") return { kind: "no-tag" };
  if (options.mutableTags.includes(p.tag)) return { kind: "moving-tag", tag: p.tag };
  return options.requireDigest ? { kind: "tag-only", tag: p.tag } : undefined;
}

const ARCHIVE_SCHEME = /^(docker-archive|oci-archive|oci):(.*)$/;
const ENGINE_SCHEME = /^(?:docker-daemon:|docker:\/\/|docker:|registry:|remote:)/;
const FILE_LIKE = /\.(?:tar|tgz|tar\.gz|tar\.zst|tar\.xz|gz|zst)$/i;
/** The reference grammar's NAME[:TAG][@DIGEST] (what the resolver takes for an engine or registry name). */
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const NAME_RE = new RegExp(`^${COMPONENT}(?::[0-9]+)?(?:/${COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,})?$`);

export type ReferenceKind =
  | { kind: "name"; name: string }
  | { kind: "image-id" }
  /** A docker-archive or OCI layout, with the tag after its path when one is given. */
  | { kind: "archive"; tag?: string };

/**
 * What `image.reference` names: an image name (engine or registry), an image ID, or an
 * archive or layout on disk (a scheme, a path, or text that is not a valid name; a bare
 * relative path that is also a valid name, such as `layout`, reads as a name). `imageId` is the config digest, to recognise a reference
 * by ID (`sha256:…` or a hex prefix of 12 digits or more).
 */
export function referenceKind(reference: string, imageId: string): ReferenceKind {
  const archive = ARCHIVE_SCHEME.exec(reference);
  if (archive) {
    const rest = archive[2]!;
    const last = rest.slice(rest.lastIndexOf(":") + 1);
    // PATH[:NAME[:TAG]]: the last ":" segment is a tag unless it still looks like a path
    if (rest.includes(":") && TAG.test(last) && !FILE_LIKE.test(last)) return { kind: "archive", tag: last };
    return { kind: "archive" };
  }
  if (/^(?:\/|\.\.?\/|~)/.test(reference) || FILE_LIKE.test(reference)) return { kind: "archive" };
  const name = reference.replace(ENGINE_SCHEME, "");
  const hex = imageId.replace(/^sha256:/, "");
  const bare = name.replace(/^sha256:/, "");
  if (/^[a-f0-9]{12,64}$/.test(bare) && hex.startsWith(bare)) return { kind: "image-id" };
  // not a name: a path the resolver found on disk ("layout", "My Images/app.tar")
  if (!NAME_RE.test(name)) return { kind: "archive" };
  return { kind: "name", name };
}
