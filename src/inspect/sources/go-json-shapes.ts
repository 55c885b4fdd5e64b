/**
 * The Go types the engine decodes each image document into (moby 20.10: image.Image,
 * container.Config, tarexport's manifestItem; distribution's schema2, OCI and manifest
 * list types), as shapes for go-json.ts. Fields a reader checks itself (digests, sizes,
 * media types) are "any": their keys are matched as Go matches them, their values are
 * left to that reader.
 */
import type { GoShape, GoStruct } from "./go-json.js";

const struct = (fields: Record<string, GoShape>): GoStruct => ({ struct: fields });
const strings: GoShape = { list: "string" };
const stringMap: GoShape = { map: "string" };

const healthcheck = struct({ Test: strings, Interval: "int", Timeout: "int", StartPeriod: "int", StartInterval: "int", Retries: "int" });

/** container.Config: the image's `config` and `container_config`. */
const containerConfig = struct({
  Hostname: "string",
  Domainname: "string",
  User: "string",
  AttachStdin: "bool",
  AttachStdout: "bool",
  AttachStderr: "bool",
  ExposedPorts: { map: struct({}) },
  Tty: "bool",
  OpenStdin: "bool",
  StdinOnce: "bool",
  Env: strings,
  Cmd: "strslice",
  Healthcheck: healthcheck,
  ArgsEscaped: "bool",
  Image: "string",
  Volumes: { map: struct({}) },
  WorkingDir: "string",
  Entrypoint: "strslice",
  NetworkDisabled: "bool",
  MacAddress: "string",
  OnBuild: strings,
  Labels: stringMap,
  StopSignal: "string",
  StopTimeout: "int",
  Shell: "strslice",
});

const history = struct({ created: "string", author: "string", created_by: "string", comment: "string", empty_layer: "bool" });

/** The image config (image.Image with its embedded V1Image). */
export const CONFIG_SHAPE: GoShape = struct({
  id: "string",
  parent: "string",
  comment: "string",
  created: "string",
  container: "string",
  container_config: containerConfig,
  docker_version: "string",
  author: "string",
  config: containerConfig,
  architecture: "string",
  variant: "string",
  os: "string",
  Size: "int",
  rootfs: struct({ type: "string", diff_ids: { list: "any" } }),
  history: { list: history },
  "os.version": "string",
  "os.features": strings,
});

/** An index entry's platform: the engine's Go types hold strings, and refuse an index with any other value. */
const platform = struct({ architecture: "string", os: "string", "os.version": "string", "os.features": strings, variant: "string", features: strings });

/** A descriptor (distribution.Descriptor, manifestlist.ManifestDescriptor, OCI's). */
const descriptor = struct({
  mediaType: "any",
  size: "any",
  digest: "any",
  urls: "any",
  annotations: stringMap,
  platform,
  data: "any",
  artifactType: "any",
});

const manifestFields = { schemaVersion: "any", mediaType: "any", config: descriptor, layers: { list: descriptor }, annotations: stringMap, subject: descriptor, artifactType: "any" } as const;
const indexFields = { schemaVersion: "any", mediaType: "any", manifests: { list: descriptor }, annotations: stringMap, subject: descriptor, artifactType: "any" } as const;

/** An image manifest (Docker schema 2 or OCI). */
export const MANIFEST_SHAPE: GoShape = struct(manifestFields);
/** An image index or Docker manifest list (also index.json of a layout). */
export const INDEX_SHAPE: GoShape = struct(indexFields);
/** A manifest or an index, before its media type is known: the fields of both. */
export const MANIFEST_OR_INDEX_SHAPE: GoShape = struct({ ...manifestFields, ...indexFields });

/** A docker save's manifest.json: a list of tarexport's manifestItem. */
export const ARCHIVE_MANIFEST_SHAPE: GoShape = {
  list: struct({ Config: "any", RepoTags: strings, Layers: { list: "any" }, Parent: "string", LayerSources: { map: descriptor } }),
};

/** The oci-layout file. */
export const LAYOUT_SHAPE: GoShape = struct({ imageLayoutVersion: "any" });
