/**
 * The engine client over TLS against real TLS peers: socat (client certificates checked)
 * in front of this machine's engine, and node:tls / node:net servers for what socat will
 * not do on demand (an expired certificate, a certificate for another name, a port that
 * accepts and never answers, a port that speaks plain HTTP). Each failure is one line
 * naming the endpoint and the cause, and comes without waiting on the idle timeout.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { certDir, makePki, startTlsProxy, type Pki, type TlsProxy } from "../../fixtures/tls-engine.js";
import { EngineError } from "../../src/errors.js";
import { EngineClient } from "../../src/engine/client.js";

let root: string;
let pki: Pki;
let proxy: TlsProxy;
/** DOCKER_CERT_PATH layouts. */
let good: string;
let wrongCa: string;
let noClient: string;
let otherClient: string;
const servers: (NetServer | TlsServer | HttpServer)[] = [];
const sockets = new Set<Socket>();

function listen<T extends NetServer | TlsServer | HttpServer>(server: T, host = "127.0.0.1"): Promise<number> {
  servers.push(server);
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as { port: number }).port)));
}

const tlsEnv = (host: string, dir: string) => ({ DOCKER_HOST: host, DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: dir });

async function failure(env: Record<string, string>, opts: { connectTimeoutMs?: number } = {}): Promise<string> {
  // a long idle timeout: every failure here must come from the connection, not from waiting
  const client = new EngineClient({ env, timeoutMs: 120_000, ...opts });
  const err = await client.ping().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EngineError);
  const message = (err as Error).message;
  expect(message).not.toContain("\n");
  expect(message).not.toMatch(/SSL routines|error:0A0/);
  return message;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "imgpolicy-engine-tls-"));
  pki = makePki(root);
  good = certDir(join(root, "good"), { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey });
  wrongCa = certDir(join(root, "wrong-ca"), { ca: pki.otherCa, cert: pki.clientCert, key: pki.clientKey });
  noClient = certDir(join(root, "no-client"), { ca: pki.ca });
  otherClient = certDir(join(root, "other-client"), { ca: pki.ca, cert: pki.otherClientCert, key: pki.otherClientKey });
  proxy = await startTlsProxy({ cert: pki.serverCert, key: pki.serverKey, clientCa: pki.ca });
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  rmSync(root, { recursive: true, force: true });
});

describe("through socat to the real engine", () => {
  it("speaks HTTPS with the client certificate: ping, version, a list", async () => {
    const client = new EngineClient({ env: tlsEnv(proxy.host, good) });
    expect(client.host).toBe(proxy.host);
    expect((await client.ping()).apiVersion).toMatch(/^1\.\d+$/);
    expect((await client.version()).Version).toMatch(/\d/);
    expect(Array.isArray(await client.listImages({ label: "imgpolicy.test" }))).toBe(true);
  });

  it("a CA that did not sign the engine's certificate", async () => {
    expect(await failure(tlsEnv(proxy.host, wrongCa))).toBe(
      `cannot reach the Docker engine at ${proxy.host}: its certificate is not signed by a CA we trust (${join(wrongCa, "ca.pem")}) (is that ca.pem the CA that signed the engine's certificate?)`,
    );
  });

  it("no client certificate: the engine asks for one", async () => {
    expect(await failure(tlsEnv(proxy.host, noClient))).toBe(
      `cannot reach the Docker engine at ${proxy.host}: it asks for a client certificate and none was sent (put the client certificate and its key in ${noClient} as cert.pem and key.pem)`,
    );
  });

  it("a client certificate from another CA: refused", async () => {
    expect(await failure(tlsEnv(proxy.host, otherClient))).toBe(
      `cannot reach the Docker engine at ${proxy.host}: it refused our client certificate (${join(otherClient, "cert.pem")}: unknown ca) (is it signed by the CA the engine trusts for clients?)`,
    );
  });

  it("without TLS to the TLS port: closed without an answer, and the hint says TLS", async () => {
    expect(await failure({ DOCKER_HOST: proxy.host })).toBe(
      `cannot reach the Docker engine at ${proxy.host}: it closed the connection without answering (does the engine want TLS there? set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH)`,
    );
  });

  it("the TLS endpoint answers but the engine behind it does not: closed after the handshake", async () => {
    const orphan = await startTlsProxy({ cert: pki.serverCert, key: pki.serverKey, clientCa: pki.ca, socket: join(root, "no-engine.sock") });
    try {
      expect(await failure(tlsEnv(orphan.host, good))).toBe(
        `cannot reach the Docker engine at ${orphan.host}: it closed the connection without answering (is the engine behind it running? does it accept the client certificate in ${good}?)`,
      );
    } finally {
      await orphan.stop();
    }
  });

  it("nothing listening", async () => {
    const closed = createNetServer();
    const port = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    servers.splice(servers.indexOf(closed), 1);
    expect(await failure(tlsEnv(`tcp://127.0.0.1:${port}`, good))).toBe(
      `cannot reach the Docker engine at tcp://127.0.0.1:${port}: connection refused (is dockerd listening there? is DOCKER_HOST right?)`,
    );
  });
});

describe("against TLS peers socat will not imitate", () => {
  it("an expired certificate", async () => {
    const server = createTlsServer({ cert: readFileSync(pki.expiredCert), key: readFileSync(join(root, "expired-key.pem")) }, (s) => s.end());
    const port = await listen(server);
    expect(await failure(tlsEnv(`tcp://127.0.0.1:${port}`, good))).toBe(
      `cannot reach the Docker engine at tcp://127.0.0.1:${port}: its certificate has expired (the engine needs a renewed certificate)`,
    );
  });

  it("a certificate for another name", async () => {
    const server = createTlsServer({ cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) }, (s) => s.end());
    const port = await listen(server, "127.0.0.2");
    expect(await failure(tlsEnv(`tcp://127.0.0.2:${port}`, good))).toMatch(
      new RegExp(`^cannot reach the Docker engine at tcp://127\\.0\\.0\\.2:${port}: its certificate is not for '127\\.0\\.0\\.2' \\(IP: 127\\.0\\.0\\.2 is not in the cert's list: 127\\.0\\.0\\.1; name the engine as its certificate does\\)$`),
    );
  });

  it("a port that accepts and never answers: the connect deadline, not the idle timeout", async () => {
    const port = await listen(createNetServer(() => undefined));
    expect(await failure(tlsEnv(`tcp://127.0.0.1:${port}`, good), { connectTimeoutMs: 500 })).toBe(
      `cannot reach the Docker engine at tcp://127.0.0.1:${port}: no connection within 0.5s (TCP and TLS handshake) (is DOCKER_HOST right?)`,
    );
  });

  it("a port that speaks plain HTTP", async () => {
    const port = await listen(createHttpServer((_req, res) => res.end("OK")));
    expect(await failure(tlsEnv(`tcp://127.0.0.1:${port}`, good))).toBe(
      `cannot reach the Docker engine at tcp://127.0.0.1:${port}: it does not answer in TLS on this port (is the port the engine's TLS port? without TLS, unset DOCKER_TLS_VERIFY and DOCKER_TLS)`,
    );
  });
});
