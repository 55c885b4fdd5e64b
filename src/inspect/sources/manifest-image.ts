/** An Image from a manifest whose blobs live in a FileSource at blobs/<alg>/<hex> (OCI layout, hybrid docker save). */
import { SourceError } from "../../errors.js";
import { isDigest, sizeProblem, verifyDescriptor } from "../digest.js";
import type { FileSource } from "../file-source.js";
import type { ConfigFile, Image, Layer, Manifest } from "../image.js";
import { isManifestMediaType, layerCompression, MediaTypes } from "../image.js";
import { blobLayer } from "../layer/blob-layer.js";
import { checkConfig } from "./config-check.js";
import { CONFIG_SHAPE, MANIFEST_SHAPE } from "./go-json-shapes.js";
import { blobPath, parseJson } from "./json.js";
import { MAX_CONFIG_BYTES } from "../limits.js";

export interface ManifestImageInit {
  source: FileSource;
  reference: string;
  rawManifest: Buffer;
  manifestDigest: string;
  /** Close the source when the image is closed. */
  ownsSource: boolean;
}

export function manifestImage(init: ManifestImageInit): Image {
  const where = `${init.reference}`;
  let manifest: Manifest | undefined;
  let rawConfig: Promise<Buffer> | undefined;
  let config: Promise<ConfigFile> | undefined;
  let closed = false;

  const getManifest = (): Manifest => {
    if (manifest) return manifest;
    const m = parseJson<Manifest>(init.rawManifest, `${where}: manifest ${init.manifestDigest}`, MANIFEST_SHAPE);
    if (!m || typeof m !== "object" || !m.config || !Array.isArray(m.layers)) {
      throw new SourceError(`${where}: manifest ${init.manifestDigest} is not an image manifest`);
    }
    if (m.mediaType && !isManifestMediaType(m.mediaType)) {
      throw new SourceError(`${where}: unsupported manifest media type ${m.mediaType}`);
    }
    if (!isDigest(m.config.digest)) throw new SourceError(`${where}: manifest has an invalid config digest`);
    const configSize = sizeProblem(m.config.size);
    if (configSize) throw new SourceError(`${where}: manifest's config descriptor: ${configSize}`);
    for (const l of m.layers) {
      if (!isDigest(l.digest)) throw new SourceError(`${where}: manifest has an invalid layer digest '${String(l.digest)}'`);
      const layerSize = sizeProblem(l.size);
      if (layerSize) throw new SourceError(`${where}: layer ${l.digest}: ${layerSize}`);
      if (layerCompression(l.mediaType) === undefined) {
        throw new SourceError(`${where}: layer ${l.digest} has an unsupported media type ${l.mediaType}`);
      }
    }
    return (manifest = m);
  };

  const getRawConfig = () =>
    (rawConfig ??= (async () => {
      const d = getManifest().config;
      const bytes = await init.source.readAll(blobPath(d.digest), MAX_CONFIG_BYTES);
      verifyDescriptor(bytes, d, `${where}: config blob`);
      return bytes;
    })());

  const getConfig = () =>
    (config ??= (async () => checkConfig(parseJson<ConfigFile>(await getRawConfig(), `${where}: config`, CONFIG_SHAPE), where))());

  return {
    reference: init.reference,
    async mediaType() {
      return getManifest().mediaType ?? MediaTypes.ociManifest;
    },
    async digest() {
      return init.manifestDigest;
    },
    async rawManifest() {
      return init.rawManifest;
    },
    async manifest() {
      return getManifest();
    },
    rawConfig: getRawConfig,
    config: getConfig,
    async layers(): Promise<Layer[]> {
      const m = getManifest();
      const cfg = await getConfig();
      const ids = cfg.rootfs.diff_ids;
      if (ids.length !== m.layers.length) {
        throw new SourceError(`${where}: manifest lists ${m.layers.length} layers but the config has ${ids.length} diff_ids`);
      }
      return m.layers.map((d, i) =>
        blobLayer({
          source: init.source,
          path: blobPath(d.digest),
          what: `${where}: layer ${i + 1}/${m.layers.length} (${d.digest.slice(0, 19)})`,
          diffId: ids[i]!,
          digest: d.digest,
          size: d.size,
          mediaType: d.mediaType,
        }),
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      if (init.ownsSource) await init.source.close();
    },
  };
}
