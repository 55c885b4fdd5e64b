/**
 * Any Image as a classic `docker save` tarball stream (manifest.json, the config, one
 * file per layer), which every engine's POST /images/load accepts. Docker 20.10 cannot
 * load an OCI layout, so layouts reach the engine this way. Nothing is buffered beyond
 * one tar header: layer blobs stream through.
 *
 * gzip and plain layers are written as stored (the engine decompresses what it loads
 * and checks the result against the config's diff_ids); zstd layers are written
 * uncompressed, because engines before 23 cannot decompress zstd: their size is found
 * by a first pass over the uncompressed stream.
 */
import { Readable } from "node:stream";
import { layerCompression, type Image, type Layer } from "../inspect/image.js";
import { encodeHeader, endOfArchive, padding as tarPadding } from "../tar/writer.js";

/** A header for the archive's own entries (config, layer directories and files, manifest). */
export function tarHeader(name: string, size: number, type: "file" | "dir"): Buffer {
  return encodeHeader({ name, type, size, mode: type === "dir" ? 0o755 : 0o644 });
}

const padding = (size: number) => Buffer.alloc(tarPadding(size));

async function countBytes(stream: Readable): Promise<number> {
  let n = 0;
  for await (const chunk of stream) n += (chunk as Buffer).length;
  return n;
}

/** The bytes to store for a layer and their size. */
async function layerData(layer: Layer): Promise<{ size: number; open: () => Promise<Readable> }> {
  if (layerCompression(await layer.mediaType()) === "zstd") {
    const size = await countBytes(await layer.uncompressed());
    return { size, open: () => layer.uncompressed() };
  }
  return { size: await layer.size(), open: () => layer.compressed() };
}

async function* entries(image: Image, repoTag: string | undefined): AsyncGenerator<Buffer> {
  const manifest = await image.manifest();
  const rawConfig = await image.rawConfig();
  const configName = `${manifest.config.digest.replace(/^sha256:/, "")}.json`;
  const layerNames: string[] = [];
  yield tarHeader(configName, rawConfig.length, "file");
  yield rawConfig;
  yield padding(rawConfig.length);
  for (const layer of await image.layers()) {
    const dir = (await layer.digest()).replace(/^sha256:/, "");
    const name = `${dir}/layer.tar`;
    if (layerNames.includes(name)) continue; // the same blob twice is stored once
    const { size, open } = await layerData(layer);
    yield tarHeader(`${dir}/`, 0, "dir");
    yield tarHeader(name, size, "file");
    let written = 0;
    for await (const chunk of await open()) {
      written += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (written !== size) throw new Error(`layer ${dir.slice(0, 12)}: expected ${size} bytes, read ${written}`);
    yield padding(size);
    layerNames.push(name);
  }
  const allLayers = await Promise.all((await image.layers()).map(async (l) => `${(await l.digest()).replace(/^sha256:/, "")}/layer.tar`));
  const doc = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: repoTag ? [repoTag] : null, Layers: allLayers }]));
  yield tarHeader("manifest.json", doc.length, "file");
  yield doc;
  yield padding(doc.length);
  yield endOfArchive();
}

/** The image as a docker-archive stream, tagged `repoTag` when given. */
export function dockerArchiveStream(image: Image, repoTag?: string): Readable {
  return Readable.from(entries(image, repoTag), { objectMode: false });
}
