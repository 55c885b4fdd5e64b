/**
 * When the probe cannot run, it says why instead of failing: no engine, an address the
 * engine client does not speak. The image is opened already (as check opens it): the
 * probe never touches it when there is no engine.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildImage, writeDockerArchive } from "../../fixtures/image-writer.js";
import type { Image } from "../../src/inspect/image.js";
import { openImage } from "../../src/inspect/resolve.js";
import { probeRuntime } from "../../src/runtime/probe.js";

process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
const saved = process.env.DOCKER_HOST;
let dir: string;
let image: Image;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-not-run-"));
  const archive = join(dir, "app.tar");
  const built = buildImage({ layers: [{ files: [{ path: "/app", content: "#!/app\n", mode: 0o755 }] }], config: { Entrypoint: ["/app"] } });
  await writeDockerArchive(archive, [{ image: built, tags: ["example.com/app:1"] }], { format: "classic" });
  image = await openImage(`docker-archive:${archive}`);
});
afterAll(async () => {
  await image.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  if (saved === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = saved;
});

describe("probeRuntime not-run", () => {
  it("reports no engine when DOCKER_HOST names a socket that is not there", async () => {
    process.env.DOCKER_HOST = "unix:///nonexistent/docker.sock";
    const f = await probeRuntime(image, {});
    expect(f).toEqual({
      status: "not-run",
      reason: "no container engine: cannot reach the Docker engine at unix:///nonexistent/docker.sock: no such socket (is dockerd running?)",
    });
  });

  it("reports no engine for an unsupported DOCKER_HOST", async () => {
    process.env.DOCKER_HOST = "ssh://user@host";
    const f = await probeRuntime(image, {});
    expect(f.status).toBe("not-run");
    expect(f.reason).toMatch(/^no container engine: DOCKER_HOST 'ssh:\/\/\*\*\*@host' is not supported/);
  });
});
