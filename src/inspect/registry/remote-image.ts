/**
 * An image in a registry as an `Image`: the manifest (or index, then the manifest
 * for the platform) fetched and verified, the config and layers read lazily as
 * blobs through the shared manifest image and blob layer code.
 */
import { computeDigest, digestAlgorithm, isDigest } from "../digest.js";
import type { Descriptor, Image, Platform } from "../image.js";
import { isIndexMediaType, isManifestMediaType, MediaTypes } from "../image.js";
import { choosePlatform } from "../sources/select-manifest.js";
import { manifestImage } from "../sources/manifest-image.js";
import { goDecode, GoShapeError } from "../sources/go-json.js";
import { MANIFEST_OR_INDEX_SHAPE } from "../sources/go-json-shapes.js";
import { scanJson } from "../sources/json.js";
import { RegistryBlobSource, WHOLE_BLOB_LIMIT } from "./blob-source.js";
import { imageManifest, indexEntries } from "./descriptors.js";
import { readCached, writeCached, type BlobCache } from "./cache.js";
import { RegistryClient } from "./client.js";
import { credentialsFor } from "./docker-config.js";
import { describeAnswer, looksLikeHtml, oneLine, redactorOf, registryError } from "./error-body.js";
import { allowsHttp, givenCredentials, isInsecure, loadCaCerts, openCache, type RegistryOptions } from "./options.js";
import { manifestIdentifier, parseRegistryReference, type Reference } from "./reference.js";
import { Transport } from "./transport.js";

export interface RegistryOpenOptions extends RegistryOptions {
  platform?: Platform;
}

/** The most of a manifest or index read (the distribution spec's suggestion, and containers/image's limit). */
const MANIFEST_LIMIT = 4 << 20;
/** An index of indexes of … this deep is refused. */
const MAX_INDEX_DEPTH = 4;
const ACCEPT = [MediaTypes.ociIndex, MediaTypes.dockerManifestList, MediaTypes.ociManifest, MediaTypes.dockerManifest].join(", ");

interface Fetched {
  raw: Buffer;
  json: unknown;
  digest: string;
  mediaType: string;
}

async function fetchManifest(client: RegistryClient, cache: BlobCache | undefined, id: string, expected?: Descriptor): Promise<Fetched> {
  const pinned = expected?.digest ?? (isDigest(id) ? id : undefined);
  const what = isDigest(id) ? `digest ${id}` : `tag ${id}`;
  const fromCache = pinned && cache ? await readCached(cache, pinned, MANIFEST_LIMIT) : undefined;
  let raw: Buffer;
  let digest: string;
  let contentType: string | undefined;
  if (fromCache && pinned) {
    raw = fromCache;
    digest = pinned;
  } else {
    // an index's entry names the size: no more than that is read
    const limit = expected ? Math.min(expected.size, MANIFEST_LIMIT) : MANIFEST_LIMIT;
    const { body, res } = await client.bytes(`/v2/${client.repository}/manifests/${id}`, { what, accept: ACCEPT }, limit);
    raw = body;
    contentType = String(res.headers["content-type"] ?? "").split(";")[0]!.trim() || undefined;
    if (looksLikeHtml(contentType, raw)) throw registryError(client.ctx, `${describeAnswer(res.statusCode ?? 200, contentType, raw, redactorOf(client.ctx))} (${what})`);
    const header = res.headers["docker-content-digest"];
    const claimed = pinned ?? (isDigest(header) ? header : undefined);
    digest = claimed ?? computeDigest(raw, "sha256");
    const got = computeDigest(raw, digestAlgorithm(digest));
    if (got !== digest) {
      const source = pinned ? "the digest asked for" : "its Docker-Content-Digest header";
      throw registryError(client.ctx, `manifest digest mismatch (${what}): expected ${digest} (${source}), got ${got}`);
    }
    if (expected && raw.length !== expected.size) {
      throw registryError(client.ctx, `manifest ${digest}: size mismatch: expected ${expected.size} bytes, got ${raw.length}`);
    }
    if (cache) await writeCached(cache, digest, raw);
  }
  let json: { mediaType?: unknown; manifests?: unknown; config?: unknown; schemaVersion?: unknown };
  const scan = scanJson(raw, { trackKeys: true });
  if (scan.problem) throw registryError(client.ctx, `manifest ${digest} (${what}) is not read: its JSON is ${scan.problem}`);
  try {
    json = JSON.parse(raw.toString("utf8")) as typeof json;
  } catch {
    throw registryError(client.ctx, `manifest ${digest} (${what}) is not valid JSON`);
  }
  try {
    // the keys as the engine's Go code reads them (go-json.ts)
    json = goDecode(json, MANIFEST_OR_INDEX_SHAPE, scan.duplicates) as typeof json;
  } catch (err) {
    if (err instanceof GoShapeError) throw registryError(client.ctx, `manifest ${digest} (${what}): ${err.message}`, { cause: err });
    throw err;
  }
  const declared = (typeof json?.mediaType === "string" && json.mediaType) || contentType || expected?.mediaType || "";
  let mediaType = declared;
  if (!isIndexMediaType(declared) && !isManifestMediaType(declared)) {
    if (/distribution\.manifest\.v1/.test(declared) || json?.schemaVersion === 1) {
      throw registryError(client.ctx, `${what} is a Docker schema 1 manifest, which is deprecated and not supported; push it again with a current client`);
    }
    if (declared && declared !== "application/json") throw registryError(client.ctx, `unknown manifest media type ${oneLine(declared, 120)} (${what})`);
    if (Array.isArray(json?.manifests) && !json.config) mediaType = MediaTypes.ociIndex;
    else if (json?.config) mediaType = MediaTypes.ociManifest;
    else throw registryError(client.ctx, `${what} is neither an image manifest nor an index`);
  }
  return { raw, json, digest, mediaType };
}

async function resolve(client: RegistryClient, cache: BlobCache | undefined, ref: Reference, platform: Platform | undefined): Promise<Fetched> {
  let current = await fetchManifest(client, cache, manifestIdentifier(ref));
  // every manifest is checked against the digest it was asked by, so indexes cannot form a
  // cycle (an index "pointing to itself" is served under a digest it does not have, and
  // fails that check); the depth bounds the chain
  for (let depth = 0; isIndexMediaType(current.mediaType); depth++) {
    if (depth >= MAX_INDEX_DEPTH) throw registryError(client.ctx, "image indexes nested too deeply");
    const entries = indexEntries(client.ctx, current.json, current.digest);
    const chosen = choosePlatform(ref.original, entries, platform);
    current = await fetchManifest(client, cache, chosen.digest, chosen);
  }
  return current;
}

/** Opens `ref` (NAME[:TAG][@DIGEST]) in its registry. */
export async function openRegistryImage(ref: string | Reference, opts: RegistryOpenOptions = {}): Promise<Image> {
  const reference = typeof ref === "string" ? parseRegistryReference(ref) : ref;
  const env = opts.env ?? process.env;
  const insecure = opts.insecureRegistries ?? [];
  const transport = new Transport({
    caCerts: await loadCaCerts(opts),
    skipVerify: (host) => isInsecure(host, insecure),
    env,
    ...(opts.timeouts?.connectMs !== undefined ? { connectTimeoutMs: opts.timeouts.connectMs } : {}),
    ...(opts.timeouts?.idleMs !== undefined ? { idleTimeoutMs: opts.timeouts.idleMs } : {}),
    ...(opts.timeouts?.requestMs !== undefined ? { requestTimeoutMs: opts.timeouts.requestMs } : {}),
  });
  const given = givenCredentials(opts);
  const client = new RegistryClient(reference.registry, reference.repository, {
    transport,
    allowHttp: allowsHttp(reference.registry, insecure),
    httpAllowed: (host) => allowsHttp(host, insecure),
    credentials: async () => given ?? (await credentialsFor(reference.registry, { env })),
    ...(opts.retry ? { retry: opts.retry } : {}),
  });
  const cache = await openCache(opts).catch((err: unknown) => {
    transport.close();
    throw err;
  });
  try {
    const { raw, json, digest } = await resolve(client, cache, reference, opts.platform);
    const m = imageManifest(client.ctx, json, digest, WHOLE_BLOB_LIMIT);
    const sizes = new Map<string, number>();
    for (const d of [m.config, ...m.layers]) {
      if (sizes.has(d.digest) && sizes.get(d.digest) !== d.size) throw registryError(client.ctx, `manifest ${digest} gives ${d.digest} two sizes`);
      sizes.set(d.digest, d.size);
    }
    opts.onProgress?.({ type: "image", reference: reference.original, layers: m.layers.map((l) => ({ digest: l.digest, size: l.size })) });
    const source = new RegistryBlobSource({
      name: reference.original,
      client,
      sizes,
      ...(cache ? { cache } : {}),
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      onClose: () => transport.close(),
    });
    return manifestImage({ source, reference: reference.original, rawManifest: raw, manifestDigest: digest, ownsSource: true });
  } catch (err) {
    cache?.release();
    transport.close();
    throw err;
  }
}
