/**
 * A registry of one image, on 127.0.0.1, that holds the download of the image's last
 * layer until the test releases it, and then sends bytes that are not the layer: the
 * layer scan of `imgpolicy check --source registry` then fails at the moment the test
 * chooses (as the probe creates its container, while it waits for health, never).
 * Only what the registry source asks for is served: /v2/, the manifest, the blobs.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { BuiltImage } from "../../fixtures/image-writer.js";

export interface HeldRegistry {
  /** "127.0.0.1:PORT" */
  host: string;
  /**
   * Holds the last layer again (each test arms its own hold); returns what releases it.
   * With `releaseAfterMs`, it is also released that long after its download was asked for
   * (the layer is read right after the config, when `check --runtime` starts the probe).
   */
  arm(releaseAfterMs?: number): () => void;
  close(): Promise<void>;
}

export async function startHeldRegistry(image: BuiltImage, repository: string): Promise<HeldRegistry> {
  const blobs = new Map<string, Buffer>([[image.configDigest, image.config]]);
  for (const l of image.layers) blobs.set(l.digest, l.blob);
  const last = image.layers.at(-1)!.digest;
  let gate = Promise.resolve();
  let afterAsked: (() => void) | undefined;
  const sockets = new Set<Socket>();

  const send = (res: ServerResponse, body: Buffer, type: string, head: boolean) => {
    res.writeHead(200, { "Content-Type": type, "Content-Length": body.length });
    res.end(head ? undefined : body);
  };
  const server = createServer((req, res) => {
    const head = req.method === "HEAD";
    const path = (req.url ?? "").split("?")[0]!;
    if (path === "/v2/" || path === "/v2") return send(res, Buffer.from("{}"), "application/json", head);
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
    if (!m || m[1] !== repository) return void res.writeHead(404).end();
    if (m[2] === "manifests") {
      res.writeHead(200, { "Content-Type": image.manifestMediaType, "Content-Length": image.manifest.length, "Docker-Content-Digest": image.manifestDigest });
      return void res.end(head ? undefined : image.manifest);
    }
    const blob = blobs.get(m[3]!);
    if (!blob) return void res.writeHead(404).end();
    if (m[3] !== last || head) return send(res, blob, "application/octet-stream", head);
    // the last layer: the headers at once, the body once released, its last byte (in the
    // tar's end blocks) changed: it reads as a tar, and only its digest shows it is not the layer
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": blob.length });
    res.flushHeaders();
    afterAsked?.();
    afterAsked = undefined;
    const wrong = Buffer.from(blob);
    wrong[wrong.length - 1]! ^= 0xff;
    void gate.then(() => res.end(wrong));
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    arm(releaseAfterMs) {
      let release = () => undefined as void;
      gate = new Promise<void>((resolve) => (release = resolve));
      afterAsked = releaseAfterMs === undefined ? undefined : () => setTimeout(release, releaseAfterMs);
      return release;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
