/**
 * The Engine API client against the real local engine (builds are offline:
 * FROM scratch or the busybox base), plus fake engines on unix sockets for the
 * failure paths a real engine will not produce on demand.
 */
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineError, SourceError } from "../errors.js";
import {
  BuildError,
  EngineClient,
  MAX_API_VERSION,
  compareApiVersions,
  engineClient,
} from "./client.js";
import { buildScratchImage, ensureBusyboxBase, removeImages, TEST_LABEL } from "../../fixtures/engine-images.js";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** An HTTP server on a temporary unix socket standing in for the engine. */
async function fakeEngine(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const dir = mkdtempSync(join(tmpdir(), "imgpolicy-fake-engine-"));
  const socket = join(dir, "docker.sock");
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    host: `unix://${socket}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The entries of a plain ustar archive: name → content. */
function tarEntries(tar: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
    const size = Number.parseInt(header.subarray(124, 136).toString("latin1").replace(/\0.*$/s, "").trim() || "0", 8);
    out.set(name, tar.subarray(off + 512, off + 512 + size));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

const client = engineClient();
const run = `${process.pid}-${Date.now().toString(36)}`;
const TAG = `imgpolicy-test/client:${run}`;
const built: string[] = [];
let imageId = "";

beforeAll(async () => {
  const r = await buildScratchImage(
    client,
    TAG,
    [{ path: "hello.txt", content: "hello\n" }],
    "ENV GREETING=hi\nUSER 65534:65534\nENTRYPOINT [\"/hello\"]",
  );
  built.push(r.id);
  imageId = r.id;
}, 120_000);

afterAll(async () => {
  await removeImages(client, built);
}, 120_000);

describe("engine client against the local engine", () => {
  it("pings and negotiates the API version", async () => {
    const ping = await client.ping();
    expect(ping.apiVersion).toMatch(/^1\.\d+$/);
    expect(ping.osType).toBe("linux");
    const expected = compareApiVersions(ping.apiVersion, MAX_API_VERSION) < 0 ? ping.apiVersion : MAX_API_VERSION;
    expect(await client.apiVersion()).toBe(expected);
    const version = await client.version();
    expect(version.ApiVersion).toBe(ping.apiVersion);
    expect(version.Os).toBe("linux");
  });

  it("inspects a built image", async () => {
    const info = await client.imageInspect(TAG);
    expect(info.Id).toBe(imageId);
    expect(info.RepoTags).toContain(TAG);
    expect(info.Config?.Env).toContain("GREETING=hi");
    expect(info.Config?.User).toBe("65534:65534");
    expect(info.Config?.Entrypoint).toEqual(["/hello"]);
    expect(info.Config?.Labels?.[TEST_LABEL]).toBe("1");
    expect(info.RootFS.Layers).toHaveLength(1);
    const history = await client.imageHistory(TAG);
    expect(history[0]?.Id).toBe(imageId);
    expect(history.some((h) => h.CreatedBy.includes("ENV GREETING=hi"))).toBe(true);
  });

  it("lists test images by label", async () => {
    const images = await client.listImages({ label: `${TEST_LABEL}=1` });
    expect(images.map((i) => i.Id)).toContain(imageId);
    const none = await client.listImages({ label: `${TEST_LABEL}=no-such-value-${run}` });
    expect(none).toEqual([]);
    expect(Array.isArray(await client.listContainers({ all: true, label: `${TEST_LABEL}=1` }))).toBe(true);
  });

  it("says plainly when an image is missing or its name is malformed", async () => {
    const missing = `imgpolicy-test/absent:${run}`;
    await expect(client.imageInspect(missing)).rejects.toThrow(
      new SourceError(`image '${missing}' is not in the local engine`, { engineStatus: 404 }),
    );
    await expect(client.imageExport(missing)).rejects.toBeInstanceOf(SourceError);
    await expect(client.imageRemove(missing)).rejects.toBeInstanceOf(SourceError);
    const bad = client.imageInspect("Not A Name");
    await expect(bad).rejects.toBeInstanceOf(SourceError);
    await expect(bad).rejects.toThrow(/^'Not A Name' is not a valid image reference: invalid reference format/);
  });

  it("exports an image as a tar and loads it back", async () => {
    const stream = await client.imageExport(TAG);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    const tar = Buffer.concat(chunks);
    expect(tar.subarray(257, 262).toString("latin1")).toBe("ustar");
    const entries = tarEntries(tar);
    expect([...entries.keys()]).toContain("manifest.json");
    const manifest = JSON.parse(entries.get("manifest.json")!.toString("utf8"));
    expect(manifest[0].RepoTags).toEqual([TAG]);

    const loaded = await client.imageLoad(Readable.from([tar.subarray(0, 1000), tar.subarray(1000)]));
    expect(loaded.loaded).toContain(TAG);
    await expect(client.imageLoad(Buffer.from("not a tarball"))).rejects.toBeInstanceOf(EngineError);
  });

  it("names the failing step when a build fails", async () => {
    const base = await ensureBusyboxBase(client);
    const failing = buildScratchImage(client, `imgpolicy-test/failing:${run}`, [], 'RUN echo boom >&2; exit 3', {
      from: base,
    });
    const err = await failing.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    const message = (err as BuildError).message;
    expect(message).not.toContain("\n");
    expect(message).toMatch(/^cannot build image 'imgpolicy-test\/failing:[^']+': failed at step 2\/\d+ \(RUN echo boom/);
    expect(message).toContain("returned a non-zero code: 3");
    expect(message).toContain("last output: boom");
    expect((err as BuildError).step).toBe("2/3");
  }, 120_000);

  it("reports a missing COPY source and a malformed Dockerfile on one line", async () => {
    const copy = buildScratchImage(client, `imgpolicy-test/nocopy:${run}`, [], "COPY absent.txt /");
    await expect(copy).rejects.toThrow(/failed at step 2\/\d+ \(COPY absent\.txt \/\): .*absent\.txt/);
    const parse = buildScratchImage(client, `imgpolicy-test/parse:${run}`, [], "FROBNICATE now");
    const err = await parse.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as Error).message).toMatch(/^cannot build image '[^']+': .*unknown instruction: FROBNICATE/i);
    expect((err as Error).message).not.toContain("\n");
  }, 120_000);
});

describe("engine client failures", () => {
  it("fails fast with one line when DOCKER_HOST names a missing socket", async () => {
    const c = new EngineClient({ env: { DOCKER_HOST: `unix:///nonexistent/imgpolicy-${run}.sock` } });
    const start = Date.now();
    const err = await c.imageInspect("anything").catch((e: unknown) => e);
    expect(Date.now() - start).toBeLessThan(2_000);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as Error).message).toBe(
      `cannot reach the Docker engine at unix:///nonexistent/imgpolicy-${run}.sock: no such socket (is dockerd running?)`,
    );
  });

  it("reports a refused TCP connection", async () => {
    const c = engineClient({ host: "tcp://127.0.0.1:1" });
    await expect(c.ping()).rejects.toThrow(
      new EngineError("cannot reach the Docker engine at tcp://127.0.0.1:1: connection refused (is dockerd listening there? is DOCKER_HOST right?)", { unreachable: true }),
    );
  });

  it("refuses transports it does not speak", () => {
    expect(() => engineClient({ host: "ssh://me@host" })).toThrow(EngineError);
    expect(() => engineClient({ host: "https://h:2376" })).toThrow(/for TLS, name it tcp:\/\/host:port and set DOCKER_TLS_VERIFY=1/);
    expect(engineClient({ host: "tcp://h" }).host).toBe("tcp://h:2375");
    expect(engineClient({ env: {} }).host).toBe("unix:///var/run/docker.sock");
  });

  it("times out an engine that never answers", async () => {
    const fake = await fakeEngine(() => {
      /* accept, never answer */
    });
    try {
      const c = engineClient({ host: fake.host, timeoutMs: 300 });
      const start = Date.now();
      await expect(c.ping()).rejects.toThrow(
        new EngineError(`cannot ping the Docker engine: the Docker engine at ${fake.host} did not answer within 0.3s`),
      );
      expect(Date.now() - start).toBeLessThan(2_000);
    } finally {
      await fake.close();
    }
  });

  it("uses min(engine, 1.43) and turns error bodies into one line", async () => {
    for (const [offered, used] of [["1.45", "1.43"], ["1.30", "1.30"]] as const) {
      const fake = await fakeEngine((req, res) => {
        if (req.url === "/_ping") {
          res.writeHead(200, { "Api-Version": offered, "Content-Type": "text/plain" }).end("OK");
        } else {
          res.writeHead(500, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ message: `first line\nsecond line (${req.url})` }));
        }
      });
      try {
        const c = engineClient({ host: fake.host });
        await expect(c.version()).rejects.toThrow(
          new EngineError(`cannot ask the Docker engine its version: first line; second line (/v${used}/version)`),
        );
      } finally {
        await fake.close();
      }
    }
  });
});
