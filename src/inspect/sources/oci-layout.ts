/** The OCI image layout (directory or tar): oci-layout, index.json, blobs/. */
import { SourceError } from "../../errors.js";
import { isDigest, sizeProblem, verifyDescriptor } from "../digest.js";
import { openFileSource, type FileSource } from "../file-source.js";
import type { Descriptor, Image, Index, Platform } from "../image.js";
import { isIndexMediaType } from "../image.js";
import { choosePlatform, entriesForTag, tagsOf } from "./select-manifest.js";
import { INDEX_SHAPE, LAYOUT_SHAPE, MANIFEST_OR_INDEX_SHAPE } from "./go-json-shapes.js";
import { blobPath, parseJson, readJson } from "./json.js";
import { manifestImage } from "./manifest-image.js";

export interface LayoutOptions {
  reference?: string;
  /** The ref.name to select (a tag); optional when the index has one entry. */
  tag?: string;
  platform?: Platform;
}

async function readBlob(source: FileSource, d: Descriptor, what: string, limit = 8 << 20): Promise<Buffer> {
  if (!isDigest(d.digest)) throw new SourceError(`${what}: invalid digest '${String(d.digest)}'`);
  const problem = sizeProblem(d.size);
  if (problem) throw new SourceError(`${what}: ${problem}`);
  const bytes = await source.readAll(blobPath(d.digest), limit);
  verifyDescriptor(bytes, d, what);
  return bytes;
}

function asIndex(bytes: Buffer, what: string): Index {
  const idx = parseJson<Index>(bytes, what, INDEX_SHAPE);
  if (!idx || !Array.isArray(idx.manifests)) throw new SourceError(`${what}: not an image index (no manifests)`);
  return idx;
}

/** Resolves a descriptor (possibly a nested index) down to one image manifest. */
export async function resolveManifest(
  source: FileSource,
  where: string,
  d: Descriptor,
  platform: Platform | undefined,
  depth = 0,
): Promise<{ raw: Buffer; digest: string }> {
  if (depth > 4) throw new SourceError(`${where}: image indexes nested too deeply`);
  const raw = await readBlob(source, d, `${where}: ${isIndexMediaType(d.mediaType) ? "index" : "manifest"} ${d.digest}`);
  const json = parseJson<{ mediaType?: string; manifests?: unknown; config?: unknown }>(raw, `${where}: ${d.digest}`, MANIFEST_OR_INDEX_SHAPE);
  if (isIndexMediaType(d.mediaType) || (json.manifests && !json.config)) {
    const idx = asIndex(raw, `${where}: index ${d.digest}`);
    return resolveManifest(source, where, choosePlatform(where, idx.manifests, platform), platform, depth + 1);
  }
  return { raw, digest: d.digest };
}

export async function openLayoutFromSource(source: FileSource, opts: LayoutOptions & { ownsSource: boolean }): Promise<Image> {
  const where = opts.reference ?? source.name;
  try {
    if (!(await source.exists("oci-layout"))) {
      throw new SourceError(`${where}: not an OCI image layout (no oci-layout file)`);
    }
    const layout = await readJson<{ imageLayoutVersion?: string }>(source, "oci-layout", LAYOUT_SHAPE);
    if (typeof layout.imageLayoutVersion !== "string") {
      throw new SourceError(`${where}: oci-layout has no imageLayoutVersion`);
    }
    const index = asIndex(await source.readAll("index.json", 8 << 20), `${where}: index.json`);
    let candidates = index.manifests;
    if (opts.tag) {
      candidates = entriesForTag(index, opts.tag);
      if (candidates.length === 0) {
        const tags = tagsOf(index);
        throw new SourceError(`${where}: no image tagged '${opts.tag}'; tags present: ${tags.join(", ") || "none"}`);
      }
    } else if (candidates.length === 0) {
      throw new SourceError(`${where}: index.json lists no images`);
    } else if (candidates.length > 1 && new Set(candidates.map((d) => d.annotations?.["org.opencontainers.image.ref.name"])).size > 1) {
      // several tags: pick by platform only when they are platform variants of one image
      const tags = tagsOf(index);
      if (tags.length > 1) {
        throw new SourceError(`${where}: holds several images; name one with :TAG (tags: ${tags.join(", ")})`);
      }
    }
    const chosen = candidates.length === 1 ? candidates[0]! : choosePlatform(where, candidates, opts.platform);
    const { raw, digest } = await resolveManifest(source, where, chosen, opts.platform);
    return manifestImage({ source, reference: where, rawManifest: raw, manifestDigest: digest, ownsSource: opts.ownsSource });
  } catch (err) {
    if (opts.ownsSource) await source.close();
    throw err;
  }
}

/** Opens an OCI layout from a directory or a tar file. */
export async function openOciLayout(path: string, opts: LayoutOptions = {}): Promise<Image> {
  const source = await openFileSource(path);
  return openLayoutFromSource(source, { ...opts, reference: opts.reference ?? `oci:${path}${opts.tag ? ":" + opts.tag : ""}`, ownsSource: true });
}
