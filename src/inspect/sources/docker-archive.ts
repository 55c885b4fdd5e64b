/**
 * docker-archive: what `docker save` writes. Both the classic form
 * (manifest.json + <id>/layer.tar) and the hybrid form Docker 25+ writes
 * (manifest.json beside an OCI layout: oci-layout, index.json, blobs/sha256/…).
 */
import { SourceError, causeText } from "../../errors.js";
import { scopedSegments } from "../archive-tree.js";
import { sha256 } from "../digest.js";
import { TarFileSource } from "../file-source.js";
import type { ConfigFile, Image, Layer, Manifest, Platform } from "../image.js";
import { MediaTypes } from "../image.js";
import { blobLayer } from "../layer/blob-layer.js";
import { openFile, spoolToTempFile, type RandomAccessFile } from "../random-access.js";
import { MAX_CONFIG_BYTES, spoolLimit } from "../limits.js";
import { decompressor, sniffCompression } from "../layer/decompress.js";
import { checkConfig } from "./config-check.js";
import { ARCHIVE_MANIFEST_SHAPE, CONFIG_SHAPE, INDEX_SHAPE, MANIFEST_SHAPE } from "./go-json-shapes.js";
import { parseJson, readJson } from "./json.js";
import { manifestImage } from "./manifest-image.js";
import { openLayoutFromSource, resolveManifest } from "./oci-layout.js";

export interface ArchiveOptions {
  reference: string;
  /** name[:tag] to select among the archive's RepoTags; optional when it holds one image. */
  tag?: string;
  platform?: Platform;
}

interface ArchiveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/**
 * A manifest.json path as `docker load` reads it (filepath.Join with the extraction
 * directory: "./", "x/../" and a leading "/" vanish); one that leads out is refused.
 */
function cleanPath(where: string, path: string): string {
  const segs = scopedSegments(path);
  if (!segs || segs.length === 0) throw new SourceError(`${where}: manifest.json names ${JSON.stringify(path)}, which is not a file inside the archive`);
  return segs.join("/");
}

/** Normalises a docker reference the way the engine abbreviates it: docker.io/library/x:latest → x:latest. */
export function shortRef(ref: string): string {
  let r = ref.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, "").replace(/^library\//, "");
  const lastSlash = r.lastIndexOf("/");
  if (!r.includes("@") && r.lastIndexOf(":") <= lastSlash) r += ":latest";
  return r;
}

function chooseEntry(where: string, entries: ArchiveEntry[], tag: string | undefined): ArchiveEntry {
  if (!Array.isArray(entries) || entries.length === 0) throw new SourceError(`${where}: manifest.json lists no images`);
  for (const e of entries) {
    if (typeof e?.Config !== "string" || !Array.isArray(e.Layers)) {
      throw new SourceError(`${where}: manifest.json entry has no Config or Layers`);
    }
  }
  if (tag) {
    const want = shortRef(tag);
    // `docker load` tags images in order, so of two entries with the same tag the last one keeps it
    const hit = entries.findLast((e) => (e.RepoTags ?? []).some((t) => shortRef(t) === want));
    if (hit) return hit;
    const tags = entries.flatMap((e) => e.RepoTags ?? []);
    throw new SourceError(`${where}: no image tagged '${tag}'; tags present: ${tags.join(", ") || "none"}`);
  }
  if (entries.length > 1) {
    const tags = entries.flatMap((e) => e.RepoTags ?? []);
    throw new SourceError(`${where}: holds ${entries.length} images; name one with :TAG (tags: ${tags.join(", ")})`);
  }
  return entries[0]!;
}

function cleanEntry(where: string, e: ArchiveEntry): ArchiveEntry {
  return { ...e, Config: cleanPath(where, e.Config), Layers: e.Layers.map((l) => cleanPath(where, l)) };
}

function classicImage(source: TarFileSource, where: string, entry: ArchiveEntry): Image {
  let rawConfig: Promise<Buffer> | undefined;
  let config: Promise<ConfigFile> | undefined;
  let layers: Promise<Layer[]> | undefined;
  let manifest: Promise<{ raw: Buffer; m: Manifest }> | undefined;
  let closed = false;
  const getRawConfig = () => (rawConfig ??= source.readAll(entry.Config, MAX_CONFIG_BYTES));
  const getConfig = () =>
    (config ??= (async () => checkConfig(parseJson<ConfigFile>(await getRawConfig(), `${where}: ${entry.Config}`, CONFIG_SHAPE), where))());
  const getLayers = () =>
    (layers ??= (async () => {
      const ids = (await getConfig()).rootfs.diff_ids;
      if (ids.length !== entry.Layers.length) {
        throw new SourceError(`${where}: manifest.json lists ${entry.Layers.length} layers but the config has ${ids.length} diff_ids`);
      }
      return Promise.all(
        entry.Layers.map(async (path, i) => {
          const m = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(path);
          return blobLayer({
            source,
            path,
            what: `${where}: layer ${i + 1}/${entry.Layers.length} (${path})`,
            diffId: ids[i]!,
            ...(m ? { digest: `${m[1]}:${m[2]}` } : {}),
            size: await source.size(path),
          });
        }),
      );
    })());
  const getManifest = () =>
    (manifest ??= (async () => {
      const cfg = await getRawConfig();
      const ls = await getLayers();
      const m: Manifest = {
        schemaVersion: 2,
        mediaType: MediaTypes.dockerManifest,
        config: { mediaType: MediaTypes.dockerConfig, digest: sha256(cfg), size: cfg.length },
        layers: await Promise.all(
          ls.map(async (l) => ({ mediaType: await l.mediaType(), digest: await l.digest(), size: await l.size() })),
        ),
      };
      return { raw: Buffer.from(JSON.stringify(m)), m };
    })());
  return {
    reference: where,
    mediaType: async () => MediaTypes.dockerManifest,
    digest: async () => sha256((await getManifest()).raw),
    rawManifest: async () => (await getManifest()).raw,
    manifest: async () => (await getManifest()).m,
    rawConfig: getRawConfig,
    config: getConfig,
    layers: getLayers,
    async close() {
      if (closed) return;
      closed = true;
      await source.close();
    },
  };
}

/** In a hybrid archive, the OCI manifest (from index.json) whose config is the entry's config. */
async function hybridManifest(source: TarFileSource, where: string, entry: ArchiveEntry, platform?: Platform) {
  if (!(await source.exists("index.json")) || !(await source.exists("oci-layout"))) return undefined;
  const m = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(entry.Config);
  if (!m) return undefined;
  const configDigest = `${m[1]}:${m[2]}`;
  const index = await readJson<{ manifests?: { mediaType: string; digest: string; size: number }[] }>(source, "index.json", INDEX_SHAPE);
  for (const d of index.manifests ?? []) {
    try {
      const r = await resolveManifest(source, where, d, platform);
      const man = parseJson<Manifest>(r.raw, where, MANIFEST_SHAPE);
      if (man.config?.digest === configDigest) return r;
    } catch {
      // not this one (e.g. another platform); fall back to the classic view below
    }
  }
  return undefined;
}

export async function openDockerArchive(file: RandomAccessFile, opts: ArchiveOptions): Promise<Image> {
  const where = opts.reference;
  const source = await TarFileSource.open(file);
  try {
    if (!(await source.exists("manifest.json"))) {
      if (await source.exists("oci-layout")) {
        return await openLayoutFromSource(source, { reference: where, ...(opts.tag ? { tag: opts.tag } : {}), ...(opts.platform ? { platform: opts.platform } : {}), ownsSource: true });
      }
      throw new SourceError(`${where}: not a docker-archive (no manifest.json) nor an OCI layout (no oci-layout)`);
    }
    const entries = await readJson<ArchiveEntry[]>(source, "manifest.json", ARCHIVE_MANIFEST_SHAPE);
    const chosen = chooseEntry(where, entries, opts.tag);
    // `docker load` reads every entry: a path that leads out of the archive fails the whole load
    for (const e of entries) cleanEntry(where, e);
    const entry = cleanEntry(where, chosen);
    const hybrid = await hybridManifest(source, where, entry, opts.platform);
    if (hybrid) {
      return manifestImage({ source, reference: where, rawManifest: hybrid.raw, manifestDigest: hybrid.digest, ownsSource: true });
    }
    return classicImage(source, where, entry);
  } catch (err) {
    await source.close();
    throw err;
  }
}

export async function openDockerArchivePath(path: string, opts: Partial<ArchiveOptions> = {}): Promise<Image> {
  const reference = opts.reference ?? `docker-archive:${path}`;
  const file = await openFile(path);
  // `docker save | gzip > app.tar.gz` is common: decompress into an unlinked spool file
  const compression = sniffCompression(await file.read(0, 4));
  if (compression === "none") return openDockerArchive(file, { ...opts, reference });
  let spooled: RandomAccessFile;
  try {
    const raw = file.stream(0, file.size);
    const dec = decompressor(compression);
    raw.on("error", (e) => dec.destroy(e));
    const { maxBytes: max, why } = spoolLimit(file.size);
    const tooBig = () => `${path}: the ${compression} archive holds more than ${Math.round(max / 1048576)} MiB (${why}): decompress it first or raise the limit`;
    spooled = await spoolToTempFile(raw.pipe(dec), path, max, tooBig);
  } catch (err) {
    if (err instanceof SourceError && err.message.startsWith(`${path}: the ${compression} archive holds more than`)) throw err;
    throw new SourceError(`${path}: cannot decompress the ${compression} archive: ${causeText(err)}`, { cause: err });
  } finally {
    await file.close();
  }
  return openDockerArchive(spooled, { ...opts, reference });
}
