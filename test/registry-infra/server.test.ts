import { afterAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  REGISTRY_MISSING,
  bcryptHash,
  haveRegistry,
  runningRegistries,
  startRegistry,
  stopAllRegistries,
  type RegistryServer,
} from "../../fixtures/registry/server.js";
import { cleanupCurl, curl, haveCurl, pidAlive, registryProcessesFor } from "./helpers.js";

const registry = haveRegistry();
if (!registry) console.warn(`${REGISTRY_MISSING}; the real-registry infra tests are skipped`);
if (!haveCurl) console.warn("curl is not installed: the real-registry infra tests are skipped");

const started: RegistryServer[] = [];
async function start(opts: Parameters<typeof startRegistry>[0] = {}): Promise<RegistryServer> {
  const server = await startRegistry(opts);
  started.push(server);
  return server;
}

afterAll(async () => {
  await cleanupCurl();
  await stopAllRegistries();
  expect(runningRegistries()).toEqual([]);
  for (const s of started) {
    expect(pidAlive(s.pid)).toBe(false);
    expect(await registryProcessesFor(s)).toBe("");
    expect(existsSync(s.dir)).toBe(false);
  }
});

describe("bcryptHash", () => {
  it("makes $2b$ hashes with a fresh salt each time", () => {
    const a = bcryptHash("pw");
    const b = bcryptHash("pw");
    expect(a).toMatch(/^\$2b\$05\$[./A-Za-z0-9]{53}$/);
    expect(a).not.toBe(b);
  });
});

describe("startRegistry without the binary", () => {
  it("fails at once with a clear message", async () => {
    await expect(startRegistry({ binary: "/nonexistent/docker-registry" })).rejects.toThrow(REGISTRY_MISSING);
  });
});

describe("startRegistry with a binary that never serves", () => {
  it("gives up after the start timeout and kills it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "imgpolicy-fake-registry-"));
    try {
      const fake = join(dir, "fake-registry");
      await writeFile(fake, `#!/bin/sh\necho "$$" > ${JSON.stringify(join(dir, "pid"))}\nexec sleep 60\n`, { mode: 0o755 });
      const t0 = Date.now();
      await expect(startRegistry({ binary: fake, startTimeoutMs: 1000 })).rejects.toThrow(/did not answer .* within 1000 ms/);
      expect(Date.now() - t0).toBeLessThan(10_000);
      const pid = Number(await readFile(join(dir, "pid"), "utf8"));
      expect(pidAlive(pid)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reports a registry that exits at once, with its output", async () => {
    await expect(startRegistry({ binary: "/bin/false" })).rejects.toThrow(/exited \(1\) before answering/);
  });
});

describe.skipIf(!registry || !haveCurl)("startRegistry", () => {
  it("serves plain HTTP on 127.0.0.1 with no auth", async () => {
    const s = await start();
    expect(s.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(s.url).toBe(`http://${s.host}`);
    expect(s.caFile).toBeUndefined();
    const r = await curl(`${s.url}/v2/`);
    expect(r.http).toBe(200);
    expect(r.headers["docker-distribution-api-version"]).toBe("registry/2.0");
    const config = await readFile(s.configFile, "utf8");
    expect(config).toContain("level: error");
    expect(config).toMatch(/delete:\n\s+enabled: true/);
  });

  it("serves TLS with a certificate for 127.0.0.1 and localhost signed by its CA", async () => {
    const s = await start({ tls: true });
    expect(s.url).toBe(`https://${s.host}`);
    expect(s.caPem).toContain("BEGIN CERTIFICATE");
    expect(await readFile(s.caFile!, "utf8")).toBe(s.caPem);
    expect(await readFile(`${s.certDir}/ca.crt`, "utf8")).toBe(s.caPem);
    const ok = await curl(`${s.url}/v2/`, ["--cacert", s.caFile!]);
    expect(ok.http).toBe(200);
    const byName = await curl(`https://localhost:${s.port}/v2/`, ["--cacert", s.caFile!]);
    expect(byName.http).toBe(200);
    // Without the CA the certificate is not trusted (curl: 60, peer certificate cannot be authenticated).
    const untrusted = await curl(`${s.url}/v2/`);
    expect(untrusted.status).toBe(60);
  });

  it("asks for Basic auth with htpasswd and accepts the bcrypt users only", async () => {
    const s = await start({ auth: "htpasswd", users: [{ user: "alice", password: "p@ss:word with spaces" }] });
    const anon = await curl(`${s.url}/v2/`);
    expect(anon.http).toBe(401);
    expect(anon.headers["www-authenticate"]).toBe('Basic realm="imgpolicy-test"');
    const good = await curl(`${s.url}/v2/`, ["-u", "alice:p@ss:word with spaces"]);
    expect(good.http).toBe(200);
    const bad = await curl(`${s.url}/v2/`, ["-u", "alice:wrong"]);
    expect(bad.http).toBe(401);
    const unknown = await curl(`${s.url}/v2/`, ["-u", "bob:p@ss:word with spaces"]);
    expect(unknown.http).toBe(401);
  });

  it("combines TLS and htpasswd", async () => {
    const s = await start({ auth: "htpasswd", tls: true });
    const r = await curl(`${s.url}/v2/`, ["--cacert", s.caFile!, "-u", "pusher:pusher-secret"]);
    expect(r.http).toBe(200);
  });

  it("sends clients to the token server and accepts its tokens", async () => {
    const s = await start({ auth: "token" });
    const token = s.token!;
    const anon = await curl(`${s.url}/v2/`);
    expect(anon.http).toBe(401);
    expect(anon.headers["www-authenticate"]).toBe(`Bearer realm="${token.realm}",service="${token.service}"`);

    const issued = await curl(`${token.realm}?service=${token.service}&scope=repository:any/repo:pull`, ["-u", "puller:puller-secret"]);
    expect(issued.http).toBe(200);
    const body = JSON.parse(issued.body) as { token: string; expires_in: number };
    expect(body.expires_in).toBe(300);
    const withToken = await curl(`${s.url}/v2/`, ["-H", `Authorization: Bearer ${body.token}`]);
    expect(withToken.http).toBe(200);
    // A manifest that is not there: authorized (404), not challenged (401).
    const missing = await curl(`${s.url}/v2/any/repo/manifests/latest`, ["-H", `Authorization: Bearer ${body.token}`]);
    expect(missing.http).toBe(404);
    expect(token.issued).toBe(1);
  });

  it("serves the token endpoint over TLS from the same CA when the registry uses TLS", async () => {
    const s = await start({ auth: "token", tls: true });
    expect(s.token!.realm).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/token$/);
    const anon = await curl(`${s.url}/v2/`, ["--cacert", s.caFile!]);
    expect(anon.headers["www-authenticate"]).toContain(`realm="${s.token!.realm}"`);
    const issued = await curl(`${s.token!.realm}?service=${s.token!.service}`, ["--cacert", s.caFile!, "-u", "pusher:pusher-secret"]);
    const body = JSON.parse(issued.body) as { token: string };
    const r = await curl(`${s.url}/v2/`, ["--cacert", s.caFile!, "-H", `Authorization: Bearer ${body.token}`]);
    expect(r.http).toBe(200);
  });

  it("does not mistake another server on its port for itself", async () => {
    const impostor = createServer((_req, res) => {
      res.writeHead(200, { "Docker-Distribution-Api-Version": "registry/2.0" });
      res.end("{}");
    });
    await new Promise<void>((resolve) => impostor.listen(0, "127.0.0.1", () => resolve()));
    const { port } = impostor.address() as AddressInfo;
    try {
      await expect(start({ port })).rejects.toThrow(`127.0.0.1:${port}: address already in use`);
    } finally {
      await new Promise((resolve) => impostor.close(resolve));
    }
  });

  it("listens on a chosen port", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const s = await start({ port });
    expect(s.host).toBe(`127.0.0.1:${port}`);
    expect((await curl(`${s.url}/v2/`)).headers["x-imgpolicy-registry"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("gives each registry its own port and stops cleanly, twice over", async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(a!.port).not.toBe(b!.port);
    expect(pidAlive(a!.pid)).toBe(true);
    await a!.stop();
    await a!.stop();
    expect(pidAlive(a!.pid)).toBe(false);
    expect(existsSync(a!.dir)).toBe(false);
    expect(runningRegistries()).not.toContain(a);
    const gone = await curl(`${a!.url}/v2/`, ["--max-time", "5"]);
    expect(gone.status).toBe(7); // connection refused
    expect((await curl(`${b!.url}/v2/`)).http).toBe(200);
  });
});
