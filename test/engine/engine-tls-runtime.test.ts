/**
 * The runtime probe through a TLS endpoint (socat, client certificates checked, in front
 * of this machine's engine), in process, so that testcontainers' own client can be looked
 * at: it must speak HTTPS to the endpoint we resolved, not find /var/run/docker.sock by
 * itself; the environment must be as it was afterwards; and a probe asking for another
 * engine than the one testcontainers chose in this process, or for TLS testcontainers
 * cannot speak (no check of the engine's certificate), is not run, in words.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getContainerRuntimeClient } from "testcontainers";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildBehaviourImages, NONROOT_UID, removeBehaviourImages, type BehaviourImages } from "../../fixtures/runtime/behaviour-images.js";
import { certDir, makePki, startTlsProxy, type TlsProxy } from "../../fixtures/tls-engine.js";
import { EngineClient } from "../../src/engine/client.js";
import { RUNTIME_LABEL } from "../../src/runtime/labels.js";
import { probeRef } from "../runtime/probe-ref.js";
import { clientTarget } from "../../src/runtime/testcontainers-engine.js";

process.env.TESTCONTAINERS_RYUK_DISABLED = "true";

const local = new EngineClient({ env: { DOCKER_HOST: "unix:///var/run/docker.sock" } });
let root: string;
let proxy: TlsProxy;
let remote: EngineClient;
let clientDir: string;
let images: BehaviourImages;
const VARS = ["DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "TESTCONTAINERS_HOST_OVERRIDE"] as const;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "imgpolicy-engine-tls-runtime-"));
  const pki = makePki(root);
  clientDir = certDir(join(root, "client"), { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey });
  proxy = await startTlsProxy({ cert: pki.serverCert, key: pki.serverKey, clientCa: pki.ca });
  remote = new EngineClient({ env: { DOCKER_HOST: proxy.host, DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: clientDir } });
  images = await buildBehaviourImages(local, `imgpolicy-test/engine-tls-${process.pid}`);
}, 240_000);

afterAll(async () => {
  // what was left is found first, everything this file made is removed, and only then is it judged
  await proxy?.stop();
  const left = (await local.listContainers({ all: true, label: `${RUNTIME_LABEL}=1` })).filter((c) => c.Image.startsWith(`imgpolicy-test/engine-tls-${process.pid}`));
  try {
    for (const c of left) await local.removeContainer(c.Id, { force: true });
    if (images) await removeBehaviourImages(local, images);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  expect(left).toEqual([]);
}, 60_000);

it("runs the image through the TLS endpoint, with testcontainers on that endpoint too", async () => {
  const before = VARS.map((k) => process.env[k]);
  const f = await probeRef(images.nonroot, { health: { http: { port: 8080, path: "/health" } }, stayUp: 1, stop: { gracePeriod: 5 }, writeProbe: false }, undefined, {
    engine: remote,
  });
  expect(f.status, f.reason).toBe("ran");
  expect(f.health).toMatchObject({ method: "http", healthy: true });
  expect(f.identity).toMatchObject({ uid: NONROOT_UID });
  expect(f.stop).toMatchObject({ exitCode: 0, killed: false });
  expect(VARS.map((k) => process.env[k])).toEqual(before);

  // the client testcontainers made (and keeps for this process)
  const client = await getContainerRuntimeClient();
  expect(clientTarget(client)).toEqual({ kind: "tcp", host: "127.0.0.1", port: proxy.port, protocol: "https" });
  // a TCP engine: testcontainers' "host" is the engine's own, not a pinned 127.0.0.1 that would be wrong for a remote one
  expect(client.info.containerRuntime.host).toBe("127.0.0.1");
}, 120_000);

it("a probe of another engine in the same process is not run, and says which engine testcontainers speaks to", async () => {
  const f = await probeRef(images.nonroot, { health: { http: { port: 8080, path: "/health" } }, stayUp: 0, writeProbe: false }, undefined, { engine: local });
  expect(f.status).toBe("not-run");
  expect(f.reason).toBe(
    `testcontainers speaks to the engine at https://127.0.0.1:${proxy.port}, not to unix:///var/run/docker.sock (its first client in this process, or tc.host in ~/.testcontainers.properties, chose it)`,
  );
}, 60_000);

it("TLS without checking the engine's certificate (DOCKER_TLS): testcontainers cannot do that, so the probe is not run, in words", async () => {
  const unchecked = new EngineClient({ env: { DOCKER_HOST: proxy.host, DOCKER_TLS: "1", DOCKER_CERT_PATH: clientDir } });
  expect((await unchecked.ping()).apiVersion).toMatch(/^1\.\d+$/); // imgpolicy's own client speaks to it
  const f = await probeRef(images.nonroot, { health: { http: { port: 8080, path: "/health" } }, stayUp: 0, writeProbe: false }, undefined, { engine: unchecked });
  expect(f.status).toBe("not-run");
  expect(f.reason).toBe(
    `testcontainers cannot reach the engine at ${proxy.host} without checking its certificate (DOCKER_TLS): give the engine's CA as ca.pem and check it (DOCKER_TLS_VERIFY=1, or a context without skip-tls-verify)`,
  );
}, 60_000);
