/**
 * When the probe cannot run, it says why instead of failing: no engine, an image the
 * engine lacks (it never pulls), a registry reference.
 */
import { afterEach, describe, expect, it } from "vitest";
import { EngineClient } from "../../src/inspect/sources/engine-client.js";
import { probeRuntime } from "../../src/runtime/probe.js";

process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
const saved = process.env.DOCKER_HOST;
afterEach(() => {
  if (saved === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = saved;
});

describe("probeRuntime not-run", () => {
  it("reports no engine when DOCKER_HOST names a socket that is not there", async () => {
    process.env.DOCKER_HOST = "unix:///nonexistent/docker.sock";
    const f = await probeRuntime("anything:1", {});
    expect(f).toEqual({
      status: "not-run",
      reason: "no container engine: cannot reach the Docker engine at unix:///nonexistent/docker.sock: no such socket (is dockerd running?)",
    });
  });

  it("reports no engine for an unsupported DOCKER_HOST", async () => {
    process.env.DOCKER_HOST = "ssh://user@host";
    const f = await probeRuntime("anything:1", {});
    expect(f.status).toBe("not-run");
    expect(f.reason).toMatch(/^no container engine: DOCKER_HOST 'ssh:\/\/\*\*\*@host' is not supported/);
  });

  it("does not pull an image the engine lacks", async () => {
    const engine = new EngineClient({ host: "unix:///var/run/docker.sock" });
    const f = await probeRuntime("imgpolicy-test/never-built:1", {}, undefined, { engine });
    expect(f.status).toBe("not-run");
    expect(f.reason).toMatch(/image 'imgpolicy-test\/never-built:1' is not in the engine at unix:\/\/\/var\/run\/docker.sock; the runtime probe never pulls/);
    const r = await probeRuntime("docker://registry.example/app:1", {}, undefined, { engine });
    expect(r.reason).toMatch(/names a registry image: the runtime probe never pulls/);
  });
});
