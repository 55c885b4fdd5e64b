/**
 * An image pushed by the Docker engine itself (docker push, Docker schema 2 media types,
 * the engine's own gzip) reads the same from the registry as from the engine.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestImage, ensureBusyboxBase, removeImages } from "../../fixtures/engine-images.js";
import { startRegistry, type RegistryServer } from "../../fixtures/registry/index.js";
import { inspect } from "../../src/inspect/facts/collect.js";
import { engineClient } from "../../src/engine/client.js";
import { baseOptions } from "./helpers.js";

const run = promisify(execFile);
const engine = engineClient();
let registry: RegistryServer;
let local: string;
let remote: string;

beforeAll(async () => {
  registry = await startRegistry();
  const base = await ensureBusyboxBase(engine);
  local = `imgpolicy-test/engine-push:${process.pid}`;
  await buildTestImage(engine, {
    tag: local,
    files: [{ path: "app.sh", content: "#!/bin/sh\necho hi\n", mode: 0o755 }],
    dockerfile: `FROM ${base}\nCOPY app.sh /usr/local/bin/app.sh\nRUN echo 'app:x:1000:1000::/home/app:/bin/sh' >> /etc/passwd && echo 'app:x:1000:' >> /etc/group\nUSER app\nENTRYPOINT ["/usr/local/bin/app.sh"]\n`,
  });
  // 127.0.0.0/8 registries are insecure (plain HTTP) for the engine by default
  remote = `${registry.host}/team/engine-push:1`;
  await run("docker", ["tag", local, remote]);
  await run("docker", ["push", remote], { timeout: 120_000 });
}, 300_000);

afterAll(async () => {
  await removeImages(engine, [local, remote].filter(Boolean));
  await registry?.stop();
});

describe("an image pushed by the Docker engine", () => {
  it("has the same layers, config and facts from the registry as from the engine", async () => {
    const fromEngine = await inspect(local, { source: "engine" });
    const fromRegistry = await inspect(remote, { source: "registry", registry: await baseOptions() });
    expect(fromRegistry.image.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    expect(fromRegistry.image.id).toBe(fromEngine.image.id);
    expect(fromRegistry.image.layers.map((l) => l.diffId)).toEqual(fromEngine.image.layers.map((l) => l.diffId));
    expect(fromRegistry.image.layers.every((l) => l.mediaType.endsWith("tar.gzip"))).toBe(true);
    expect(fromRegistry.users.user).toMatchObject({ user: "app", uid: 1000, resolved: true });
    expect(fromRegistry.entrypoint).toMatchObject({ found: true, resolved: { path: "/usr/local/bin/app.sh" } });
    expect(fromRegistry.filesystem.files).toBe(fromEngine.filesystem.files);
  });
});
