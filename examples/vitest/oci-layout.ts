/**
 * Writes a one-layer image as an OCI image layout, with nothing but Node's own modules,
 * so that the example suite has images to check without a Docker engine or a registry.
 * In your project the images come from your build (`docker save`, `buildah push oci:…`,
 * `skopeo copy`, or the registry): you do not need this file.
 */
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface ExampleFile {
  path: string;
  content: string;
  mode?: number;
}

export interface ExampleImage {
  files: ExampleFile[];
  /** The image config's `config` (User, Entrypoint, Cmd, Env, Labels, ExposedPorts, Healthcheck…), as the engine writes it. */
  config: Record<string, unknown>;
}

const sha256 = (data: Buffer | string): string => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** One ustar header field: the value as bytes, NUL-padded. */
function field(header: Buffer, offset: number, length: number, value: string): void {
  header.write(value.slice(0, length), offset, length, "utf8");
}

const octal = (n: number, width: number): string => n.toString(8).padStart(width - 1, "0");

/** An uncompressed tar of regular files, owned by root, dated at the epoch. */
function tar(files: readonly ExampleFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const body = Buffer.from(f.content);
    const header = Buffer.alloc(512);
    field(header, 0, 100, f.path.replace(/^\/+/, ""));
    field(header, 100, 8, octal(f.mode ?? 0o644, 8));
    field(header, 108, 8, octal(0, 8));
    field(header, 116, 8, octal(0, 8));
    field(header, 124, 12, octal(body.length, 12));
    field(header, 136, 12, octal(0, 12));
    header.fill(" ", 148, 156);
    field(header, 156, 1, "0");
    field(header, 257, 8, "ustar\u000000");
    let sum = 0;
    for (const byte of header) sum += byte;
    field(header, 148, 8, `${octal(sum, 7)}\u0000`);
    parts.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** Writes `image` to the layout directory `dir`, tagged `tag`; returns its reference, `oci:DIR:TAG`. */
export async function writeExampleImage(dir: string, tag: string, image: ExampleImage): Promise<string> {
  const blobs = join(dir, "blobs", "sha256");
  await mkdir(blobs, { recursive: true });
  const put = async (data: Buffer | string): Promise<{ digest: string; size: number }> => {
    const digest = sha256(data);
    await writeFile(join(blobs, digest.slice("sha256:".length)), data);
    return { digest, size: Buffer.byteLength(data) };
  };
  const layer = tar(image.files);
  const layerBlob = await put(layer);
  const config = await put(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      created: "2026-01-01T00:00:00Z",
      config: image.config,
      rootfs: { type: "layers", diff_ids: [layerBlob.digest] },
      history: [{ created: "2026-01-01T00:00:00Z", created_by: "examples/vitest/oci-layout.ts" }],
    }),
  );
  const manifest = await put(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...layerBlob }],
    }),
  );
  await writeFile(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await writeFile(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifest, annotations: { "org.opencontainers.image.ref.name": tag } }],
    }),
  );
  return `oci:${dir}:${tag}`;
}
