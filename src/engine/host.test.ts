/**
 * Which engine, and with which TLS settings, an environment names, as the docker CLI
 * chooses: DOCKER_HOST with DOCKER_TLS_VERIFY / DOCKER_TLS / DOCKER_CERT_PATH, else a
 * docker context (DOCKER_CONTEXT, config.json's currentContext). Contexts are made by
 * the real docker CLI in a temporary DOCKER_CONFIG; certificates by openssl. No engine
 * is spoken to here (test/engine/engine-tls-*.test.ts do that).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { certDir, makePki, type Pki } from "../../fixtures/tls-engine.js";
import { EngineError } from "../errors.js";
import { contextId } from "./context.js";
import { endpointFromEnv, type EngineEndpoint } from "./host.js";

const DOCKER = "/usr/bin/docker";
let root: string;
let pki: Pki;
let full: string; // ca.pem, cert.pem, key.pem
let config: string; // a DOCKER_CONFIG with contexts made by the docker CLI

function docker(args: string[]): void {
  execFileSync(DOCKER, args, { env: { PATH: process.env.PATH ?? "", HOME: root, DOCKER_CONFIG: config }, stdio: "pipe" });
}

function tcp(ep: EngineEndpoint) {
  if (ep.kind !== "tcp") throw new Error(`expected a TCP endpoint, got ${ep.display}`);
  return ep;
}

function failure(env: Record<string, string | undefined>): string {
  try {
    endpointFromEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    expect((err as Error).message).not.toContain("\n");
    return (err as Error).message;
  }
  throw new Error("expected the resolution to fail");
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "imgpolicy-engine-host-"));
  mkdirSync(join(root, "pki"));
  pki = makePki(join(root, "pki"));
  full = certDir(join(root, "full"), { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey });
  config = join(root, "docker-config");
  mkdirSync(config);
  docker(["context", "create", "remote1", "--docker", `host=tcp://127.0.0.1:12376,ca=${pki.ca},cert=${pki.clientCert},key=${pki.clientKey}`]);
  docker(["context", "create", "skipper", "--docker", "host=tcp://127.0.0.1:12377,skip-tls-verify=true"]);
  docker(["context", "create", "caonly", "--docker", `host=tcp://engine.example:2376,ca=${pki.ca}`]);
  docker(["context", "create", "plain", "--docker", "host=tcp://127.0.0.1:12375"]);
  docker(["context", "create", "sock", "--docker", "host=unix:///run/other.sock"]);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the default context: DOCKER_HOST and the TLS variables", () => {
  it("DOCKER_TLS_VERIFY with DOCKER_CERT_PATH: TLS, the engine's certificate checked, a client certificate", () => {
    const ep = tcp(endpointFromEnv({ DOCKER_HOST: "tcp://docker:2376", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: full }));
    expect(ep).toMatchObject({ host: "docker", port: 2376, display: "tcp://docker:2376" });
    expect(ep.tls).toMatchObject({ verify: true, dir: full, origin: "DOCKER_TLS_VERIFY" });
    expect(ep.tls!.files).toEqual({ ca: join(full, "ca.pem"), cert: join(full, "cert.pem"), key: join(full, "key.pem") });
  });

  it("any non-empty DOCKER_TLS_VERIFY turns verification on, \"0\" too; TLS makes 2376 the default port", () => {
    for (const value of ["0", "false", "yes"]) {
      const ep = tcp(endpointFromEnv({ DOCKER_HOST: "tcp://docker", DOCKER_TLS_VERIFY: value, DOCKER_CERT_PATH: full }));
      expect([ep.port, ep.tls?.verify]).toEqual([2376, true]);
    }
    expect(endpointFromEnv({ DOCKER_HOST: "tcp://docker", DOCKER_TLS_VERIFY: "" })).toMatchObject({ port: 2375 });
    expect(tcp(endpointFromEnv({ DOCKER_HOST: "tcp://docker", DOCKER_TLS_VERIFY: "" })).tls).toBeUndefined();
  });

  it("DOCKER_TLS alone: TLS without checking the engine's certificate, ca.pem not needed", () => {
    const noCa = certDir(join(root, "no-ca"), { cert: pki.clientCert, key: pki.clientKey });
    const ep = tcp(endpointFromEnv({ DOCKER_HOST: "tcp://docker", DOCKER_TLS: "1", DOCKER_CERT_PATH: noCa }));
    expect(ep.tls).toMatchObject({ verify: false, origin: "DOCKER_TLS" });
    expect(ep.tls!.files).toEqual({ cert: join(noCa, "cert.pem"), key: join(noCa, "key.pem") });
    const empty = certDir(join(root, "empty"), {});
    expect(tcp(endpointFromEnv({ DOCKER_HOST: "tcp://docker", DOCKER_TLS: "1", DOCKER_CERT_PATH: empty })).tls!.files).toEqual({});
  });

  it("DOCKER_CERT_PATH defaults to the docker config directory (DOCKER_CONFIG, else ~/.docker)", () => {
    const ep = tcp(endpointFromEnv({ DOCKER_HOST: "tcp://docker:2376", DOCKER_TLS_VERIFY: "1", DOCKER_CONFIG: full }));
    expect(ep.tls!.dir).toBe(full);
    const home = join(root, "home");
    certDir(join(home, ".docker"), { ca: pki.ca });
    expect(tcp(endpointFromEnv({ DOCKER_HOST: "tcp://docker:2376", DOCKER_TLS_VERIFY: "1", HOME: home })).tls!.dir).toBe(join(home, ".docker"));
  });

  it("a unix socket is spoken to in the clear whatever the TLS variables say", () => {
    const ep = endpointFromEnv({ DOCKER_HOST: "unix:///var/run/docker.sock", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: join(root, "nowhere") });
    expect(ep).toEqual({ kind: "unix", socketPath: "/var/run/docker.sock", display: "unix:///var/run/docker.sock" });
  });

  it("names the TLS file that is missing, unreadable or wrong, in one line", () => {
    const env = (dir: string) => ({ DOCKER_HOST: "tcp://docker:2376", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: dir });
    const nowhere = join(root, "nowhere");
    expect(failure(env(nowhere))).toBe(
      `cannot use TLS to the Docker engine (DOCKER_TLS_VERIFY): ${join(nowhere, "ca.pem")} is not there: DOCKER_TLS_VERIFY checks the engine's certificate against it (set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem)`,
    );
    const certOnly = certDir(join(root, "cert-only"), { ca: pki.ca, cert: pki.clientCert });
    expect(failure(env(certOnly))).toMatch(/: .*cert-only\/cert\.pem is there but .*cert-only\/key\.pem is not$/);
    const mismatched = certDir(join(root, "mismatched"), { ca: pki.ca, cert: pki.clientCert, key: pki.serverKey });
    expect(failure(env(mismatched))).toMatch(/mismatched\/key\.pem is not the key of .*mismatched\/cert\.pem$/);
    const badCa = certDir(join(root, "bad-ca"), { cert: pki.clientCert, key: pki.clientKey });
    writeFileSync(join(badCa, "ca.pem"), "not a certificate\n");
    expect(failure(env(badCa))).toMatch(/bad-ca\/ca\.pem is not a PEM certificate$/);
    const encrypted = certDir(join(root, "encrypted"), { ca: pki.ca, cert: pki.clientCert });
    const r = spawnSync("openssl", ["pkey", "-in", pki.clientKey, "-aes256", "-passout", "pass:secret", "-out", join(encrypted, "key.pem")]);
    expect(r.status).toBe(0);
    expect(failure(env(encrypted))).toMatch(/encrypted\/key\.pem is encrypted; the engine's client key must not be/);
  });

  it("a FIFO or a directory as ca.pem is refused at once, never waited on", () => {
    const fifoDir = certDir(join(root, "fifo"), {});
    expect(spawnSync("mkfifo", [join(fifoDir, "ca.pem")]).status).toBe(0);
    expect(failure({ DOCKER_HOST: "tcp://docker:2376", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: fifoDir })).toMatch(/fifo\/ca\.pem: a FIFO, not a regular file$/);
    const dirDir = certDir(join(root, "dir"), {});
    mkdirSync(join(dirDir, "ca.pem"));
    expect(failure({ DOCKER_HOST: "tcp://docker:2376", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: dirDir })).toMatch(/dir\/ca\.pem: a directory, not a regular file$/);
  });
});

describe("docker contexts, as the docker CLI made them", () => {
  it("DOCKER_CONTEXT: the context's host and its own TLS files (its CA the only one trusted)", () => {
    const ep = tcp(endpointFromEnv({ DOCKER_CONFIG: config, DOCKER_CONTEXT: "remote1" }));
    const dir = join(config, "contexts", "tls", contextId("remote1"), "docker");
    expect(ep).toMatchObject({ host: "127.0.0.1", port: 12376, context: "remote1", display: 'tcp://127.0.0.1:12376 (context "remote1")' });
    expect(ep.tls).toMatchObject({ verify: true, dir, origin: 'context "remote1"' });
    expect(ep.tls!.files).toEqual({ ca: join(dir, "ca.pem"), cert: join(dir, "cert.pem"), key: join(dir, "key.pem") });
  });

  it("`docker context use`: config.json's currentContext, when DOCKER_CONTEXT is not set", () => {
    docker(["context", "use", "plain"]);
    try {
      const ep = tcp(endpointFromEnv({ DOCKER_CONFIG: config }));
      expect([ep.port, ep.context, ep.tls]).toEqual([12375, "plain", undefined]);
      expect(endpointFromEnv({ DOCKER_CONFIG: config, DOCKER_CONTEXT: "remote1" })).toMatchObject({ context: "remote1" });
    } finally {
      docker(["context", "use", "default"]);
    }
  });

  it("DOCKER_HOST beats DOCKER_CONTEXT and currentContext; \"default\" is the environment", () => {
    docker(["context", "use", "remote1"]);
    try {
      expect(endpointFromEnv({ DOCKER_CONFIG: config, DOCKER_CONTEXT: "remote1", DOCKER_HOST: "unix:///tmp/x.sock" }).display).toBe("unix:///tmp/x.sock");
      expect(endpointFromEnv({ DOCKER_CONFIG: config, DOCKER_HOST: "tcp://h:1" }).display).toBe("tcp://h:1");
      expect(endpointFromEnv({ DOCKER_CONFIG: config, DOCKER_CONTEXT: "default" }).display).toBe("unix:///var/run/docker.sock");
    } finally {
      docker(["context", "use", "default"]);
    }
    expect(endpointFromEnv({ DOCKER_CONFIG: config }).display).toBe("unix:///var/run/docker.sock");
    expect(endpointFromEnv({ DOCKER_CONFIG: join(root, "no-config-here") }).display).toBe("unix:///var/run/docker.sock");
  });

  it("skip-tls-verify, a CA alone, no TLS, a socket", () => {
    expect(tcp(endpointFromEnv({ DOCKER_CONFIG: config, DOCKER_CONTEXT: "skipper" })).tls).toMatchObject({ verify: false, files: {} });
    const caOnly = tcp(endpointFromEnv({ DOCKER_CONFIG: config, DOCKER_CONTEXT: "caonly" }));
    expect(caOnly.tls).toMatchObject({ verify: true, files: { ca: expect.stringMatching(/\/ca\.pem$/) } });
    expect(caOnly.tls!.files.cert).toBeUndefined();
    expect(endpointFromEnv({ DOCKER_CONFIG: config, DOCKER_CONTEXT: "sock" })).toEqual({
      kind: "unix",
      socketPath: "/run/other.sock",
      display: 'unix:///run/other.sock (context "sock")',
      context: "sock",
    });
  });

  it("a context that does not exist, or is not a context name", () => {
    const meta = join(config, "contexts", "meta", contextId("nope"), "meta.json");
    expect(failure({ DOCKER_CONFIG: config, DOCKER_CONTEXT: "nope" })).toBe(
      `cannot use docker context "nope" (DOCKER_CONTEXT): it does not exist (no ${meta}; \`docker context ls\` lists the contexts)`,
    );
    expect(failure({ DOCKER_CONFIG: config, DOCKER_CONTEXT: "../x" })).toMatch(/^cannot use docker context "\.\.\/x" \(DOCKER_CONTEXT\): that is not a context name/);
  });

  it("a malformed config.json or meta.json is one line naming the file", () => {
    const cfg = join(root, "malformed");
    mkdirSync(cfg);
    writeFileSync(join(cfg, "config.json"), '{"currentContext": "remote1",');
    expect(failure({ DOCKER_CONFIG: cfg })).toMatch(/^cannot choose the Docker engine: \/\S+\/malformed\/config\.json: not valid JSON \(/);
    writeFileSync(join(cfg, "config.json"), '{"currentContext": 7}');
    expect(failure({ DOCKER_CONFIG: cfg })).toMatch(/config\.json: currentContext is not a string$/);
    writeFileSync(join(cfg, "config.json"), '{"currentContext": "broken"}');
    const metaDir = join(cfg, "contexts", "meta", contextId("broken"));
    mkdirSync(metaDir, { recursive: true });
    const meta = join(metaDir, "meta.json");
    const from = `currentContext in ${join(cfg, "config.json")}`;
    writeFileSync(meta, "{not json");
    expect(failure({ DOCKER_CONFIG: cfg })).toBe(`cannot use docker context "broken" (${from}): ${meta}: not valid JSON (at byte 1)`);
    writeFileSync(meta, '{"Name":"broken","Endpoints":{}}');
    expect(failure({ DOCKER_CONFIG: cfg })).toBe(`cannot use docker context "broken" (${from}): ${meta} has no docker endpoint`);
    writeFileSync(meta, '{"Name":"broken","Endpoints":{"docker":{"Host":"ssh://me@far"}}}');
    expect(failure({ DOCKER_CONFIG: cfg })).toMatch(/^docker context "broken" host 'ssh:\/\/\*\*\*@far' is not supported: ssh transports are not spoken/);
    writeFileSync(meta, '{"Name":"broken","Endpoints":{"docker":{"Host":"tcp://h:1","SkipTLSVerify":"yes"}}}');
    expect(failure({ DOCKER_CONFIG: cfg })).toMatch(/SkipTLSVerify is not true or false$/);
  });

  it("reads field names in any case, as Go's encoding/json does", () => {
    const cfg = join(root, "cases");
    const metaDir = join(cfg, "contexts", "meta", contextId("lower"));
    mkdirSync(metaDir, { recursive: true });
    writeFileSync(join(cfg, "config.json"), '{"CURRENTCONTEXT": "lower"}');
    writeFileSync(join(metaDir, "meta.json"), '{"name":"lower","endpoints":{"docker":{"host":"tcp://h:9","skipTLSverify":true}}}');
    const ep = tcp(endpointFromEnv({ DOCKER_CONFIG: cfg }));
    expect([ep.host, ep.port, ep.tls?.verify]).toEqual(["h", 9, false]);
  });
});
