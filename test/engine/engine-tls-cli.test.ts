/**
 * The real binary against a remote engine over TLS: socat with client-certificate checking
 * in front of this machine's engine, reached through DOCKER_HOST + DOCKER_TLS_VERIFY +
 * DOCKER_CERT_PATH, through a docker context made by the real docker CLI and named by
 * DOCKER_CONTEXT, and through `docker context use`. inspect, check --build and
 * check --runtime each go through every one of the three; what they print is what they
 * print over the local socket. Then the failures: each one line, exit 2, at once.
 * Afterwards no socat process, no probe container and no built image is left.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBusyboxBase } from "../../fixtures/engine-images.js";
import { buildBehaviourImages, removeBehaviourImages, type BehaviourImages } from "../../fixtures/runtime/behaviour-images.js";
import { certDir, groupProcesses, makePki, processRuns, startTlsProxy, type TlsProxy } from "../../fixtures/tls-engine.js";
import { EngineClient } from "../../src/engine/client.js";
import { contextId } from "../../src/engine/context.js";
import { RUNTIME_LABEL } from "../../src/runtime/labels.js";
import { containersOf, spawnCli, type CliRun } from "../cli/spawn-cli.js";

const local = new EngineClient({ env: { DOCKER_HOST: "unix:///var/run/docker.sock" } });
const run = `${process.pid}-${Date.now().toString(36)}`;
const BUILD_LABEL = `imgpolicy.tls-test=${run}`;
const HARD_TIMEOUT_MS = 120_000;

let root: string;
let proxy: TlsProxy;
let good: string;
let busybox: string;
let images: BehaviourImages;
let buildDir: string;
let policy: string;
/** DOCKER_CONFIG directories: with the context; with it as the current context; with nothing. */
let withContext: string;
let usingContext: string;
let plainConfig: string;
const pids: number[] = [];

type Env = Record<string, string>;
/** Unset (empty) engine variables, a DOCKER_CONFIG and HOME of the test's own: nothing of this machine's user leaks in. */
const clean = (config: string): Env => ({
  DOCKER_HOST: "",
  DOCKER_TLS_VERIFY: "",
  DOCKER_TLS: "",
  DOCKER_CERT_PATH: "",
  DOCKER_CONTEXT: "",
  DOCKER_CONFIG: config,
  HOME: join(root, "home"),
});

function docker(config: string, args: string[]): void {
  execFileSync("/usr/bin/docker", args, { env: { PATH: process.env.PATH ?? "", HOME: join(root, "home"), DOCKER_CONFIG: config }, stdio: "pipe" });
}

const ways: [string, () => Env][] = [
  ["DOCKER_HOST + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH", () => ({ ...clean(plainConfig), DOCKER_HOST: proxy.host, DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: good })],
  ["DOCKER_CONTEXT", () => ({ ...clean(withContext), DOCKER_CONTEXT: "tlsctx" })],
  ["docker context use", () => clean(usingContext)],
];

async function cli(args: string[], env: Env): Promise<CliRun> {
  const r = await spawnCli(args, { hardTimeoutMs: HARD_TIMEOUT_MS, env });
  pids.push(r.pid);
  expect(r.hung, `hung: ${r.stderr}`).toBe(false);
  return r;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "imgpolicy-engine-tls-cli-"));
  mkdirSync(join(root, "home"));
  mkdirSync(join(root, "pki"));
  const pki = makePki(join(root, "pki"));
  good = certDir(join(root, "good"), { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey });
  proxy = await startTlsProxy({ cert: pki.serverCert, key: pki.serverKey, clientCa: pki.ca });

  withContext = join(root, "config-context");
  usingContext = join(root, "config-use");
  plainConfig = join(root, "config-plain");
  for (const dir of [withContext, usingContext, plainConfig]) mkdirSync(dir);
  const endpoint = `host=${proxy.host},ca=${pki.ca},cert=${pki.clientCert},key=${pki.clientKey}`;
  for (const dir of [withContext, usingContext]) docker(dir, ["context", "create", "tlsctx", "--docker", endpoint]);
  docker(usingContext, ["context", "use", "tlsctx"]);

  busybox = await ensureBusyboxBase(local);
  images = await buildBehaviourImages(local, `imgpolicy-test/engine-tls-cli-${process.pid}`);
  buildDir = join(root, "build");
  mkdirSync(buildDir);
  writeFileSync(join(buildDir, "hello.txt"), "hello\n");
  writeFileSync(join(buildDir, "Dockerfile"), `FROM scratch\nCOPY hello.txt /hello.txt\nLABEL run="${run}"\n`);
  policy = join(root, "runtime.yaml");
  writeFileSync(policy, "extends: base\nruntime:\n  health: { http: { port: 8080, path: /health } }\n  stayUp: 1\n  writeProbe: false\n");
}, 300_000);

afterAll(async () => {
  // what was left is found first, everything this file made is removed, and only then is it judged
  await proxy?.stop();
  const socatLeft = proxy ? { runs: processRuns(proxy.pid), group: groupProcesses(proxy.pid) } : { runs: false, group: [] };
  const ownLeft: string[] = [];
  for (const pid of pids) ownLeft.push(...(await containersOf(pid)));
  const probes = (await local.listContainers({ all: true, label: `${RUNTIME_LABEL}=1` })).filter((c) => c.Image.startsWith(`imgpolicy-test/engine-tls-cli-${process.pid}`));
  const built = await local.listImages({ label: BUILD_LABEL, all: true });
  try {
    for (const c of probes) await local.removeContainer(c.Id, { force: true });
    for (const i of built) await local.imageRemove(i.Id, { force: true });
    if (images) await removeBehaviourImages(local, images);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  expect(socatLeft).toEqual({ runs: false, group: [] });
  expect(ownLeft).toEqual([]);
  expect(probes).toEqual([]);
  expect(built).toEqual([]);
}, 120_000);

describe.each(ways)("through %s", (_name, env) => {
  it("inspect prints what it prints over the local socket", async () => {
    const over = await cli(["inspect", `docker:${busybox}`], env());
    const there = await cli(["inspect", `docker:${busybox}`], clean(plainConfig));
    expect(over.stderr).toBe("");
    expect(over.code).toBe(0);
    expect(there.code).toBe(0);
    expect(over.stdout).toBe(there.stdout);
    expect(over.stdout).toContain(busybox);
  });

  it("check --build builds through it, checks, and removes what it built", async () => {
    const r = await cli(["check", "--build", buildDir, "--label", "imgpolicy.test=1", "--label", BUILD_LABEL, "--policy", "base", "--format", "json"], env());
    expect([0, 1], r.stderr).toContain(r.code);
    const report = JSON.parse(r.stdout) as { images: { results: unknown[] }[] };
    expect(report.images).toHaveLength(1);
    expect(report.images[0].results.length).toBeGreaterThan(0);
    expect(await local.listImages({ label: BUILD_LABEL, all: true })).toEqual([]);
  });

  it("check --runtime runs the image through it (testcontainers too), healthy over HTTP", async () => {
    const r = await cli(["check", "--runtime-only", "--require-runtime", "--policy", policy, "--format", "json", `docker:${images.nonroot}`], env());
    expect(r.stderr).toBe("");
    const img = (JSON.parse(r.stdout) as { images: { runtime: { status: string; reason?: string; healthMethod?: string; healthy?: boolean; stopExitCode?: number } }[] }).images[0];
    expect(img.runtime.status, img.runtime.reason).toBe("ran");
    expect(img.runtime).toMatchObject({ healthMethod: "http", healthy: true, stopExitCode: 0 });
    expect(await containersOf(r.pid)).toEqual([]);
  });
});

describe("failures: one line, exit 2", () => {
  /** inspect with these TLS files (DOCKER_CERT_PATH) or this environment: its one stderr line. */
  async function refused(env: Env): Promise<string> {
    const r = await cli(["inspect", `docker:${busybox}`], env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).not.toMatch(/SSL routines|error:0A0|at .*\.js:\d+/);
    return lines[0];
  }
  const viaEnv = (files: { ca?: string; cert?: string; key?: string }, name: string): Env => ({
    ...clean(plainConfig),
    DOCKER_HOST: proxy.host,
    DOCKER_TLS_VERIFY: "1",
    DOCKER_CERT_PATH: certDir(join(root, name), files),
  });
  let pki: ReturnType<typeof makePki>;
  beforeAll(() => {
    mkdirSync(join(root, "pki2"));
    pki = makePki(join(root, "pki2")); // other CAs: none of these is trusted by the proxy, or trusts it
  });

  it("a CA that did not sign the engine's certificate", async () => {
    expect(await refused(viaEnv({ ca: pki.ca, cert: join(good, "cert.pem"), key: join(good, "key.pem") }, "wrong-ca"))).toBe(
      `imgpolicy: cannot reach the Docker engine at ${proxy.host}: its certificate is not signed by a CA we trust (${join(root, "wrong-ca", "ca.pem")}) (is that ca.pem the CA that signed the engine's certificate?)`,
    );
  });

  it("no client certificate (the proxy asks for one)", async () => {
    expect(await refused(viaEnv({ ca: join(good, "ca.pem") }, "no-client"))).toBe(
      `imgpolicy: cannot reach the Docker engine at ${proxy.host}: it asks for a client certificate and none was sent (put the client certificate and its key in ${join(root, "no-client")} as cert.pem and key.pem)`,
    );
  });

  it("a client certificate from another CA", async () => {
    expect(await refused(viaEnv({ ca: join(good, "ca.pem"), cert: pki.clientCert, key: pki.clientKey }, "other-client"))).toBe(
      `imgpolicy: cannot reach the Docker engine at ${proxy.host}: it refused our client certificate (${join(root, "other-client", "cert.pem")}: unknown ca) (is it signed by the CA the engine trusts for clients?)`,
    );
  });

  it("a DOCKER_CERT_PATH without ca.pem, before any connection", async () => {
    const dir = join(root, "no-such-dir");
    expect(await refused({ ...clean(plainConfig), DOCKER_HOST: proxy.host, DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: dir })).toBe(
      `imgpolicy: cannot use TLS to the Docker engine (DOCKER_TLS_VERIFY): ${join(dir, "ca.pem")} is not there: DOCKER_TLS_VERIFY checks the engine's certificate against it (set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem)`,
    );
  });

  it("cert.pem without key.pem", async () => {
    const dir = join(root, "no-key");
    expect(await refused(viaEnv({ ca: join(good, "ca.pem"), cert: join(good, "cert.pem") }, "no-key"))).toBe(
      `imgpolicy: cannot use TLS to the Docker engine (DOCKER_TLS_VERIFY): ${join(dir, "cert.pem")} is there but ${join(dir, "key.pem")} is not`,
    );
  });

  it("a key that is not the certificate's", async () => {
    const dir = join(root, "mismatch");
    expect(await refused(viaEnv({ ca: join(good, "ca.pem"), cert: join(good, "cert.pem"), key: pki.clientKey }, "mismatch"))).toBe(
      `imgpolicy: cannot use TLS to the Docker engine (DOCKER_TLS_VERIFY): ${join(dir, "key.pem")} is not the key of ${join(dir, "cert.pem")}`,
    );
  });

  it("gc speaks to the same engine: a wrong CA and an unknown context are its one line too", async () => {
    async function gcLine(env: Env): Promise<string> {
      const r = await cli(["gc"], env);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines, r.stderr).toHaveLength(1);
      return lines[0];
    }
    const wrongCa = viaEnv({ ca: pki.ca, cert: join(good, "cert.pem"), key: join(good, "key.pem") }, "gc-wrong-ca");
    expect(await gcLine(wrongCa)).toBe(
      `imgpolicy: cannot reach the Docker engine at ${proxy.host}: its certificate is not signed by a CA we trust (${join(root, "gc-wrong-ca", "ca.pem")}) (is that ca.pem the CA that signed the engine's certificate?)`,
    );
    expect(await gcLine({ ...clean(withContext), DOCKER_CONTEXT: "nowhere" })).toMatch(/^imgpolicy: cannot use docker context "nowhere" \(DOCKER_CONTEXT\): it does not exist/);
  });

  it("nothing listening, through a context", async () => {
    const config = join(root, "config-dead");
    mkdirSync(config);
    const dead = await startTlsProxy({ cert: pki.serverCert, key: pki.serverKey, clientCa: pki.ca });
    await dead.stop(); // its port, with nothing on it now
    docker(config, ["context", "create", "gone", "--docker", `host=${dead.host},ca=${join(good, "ca.pem")},cert=${join(good, "cert.pem")},key=${join(good, "key.pem")}`]);
    expect(await refused({ ...clean(config), DOCKER_CONTEXT: "gone" })).toBe(
      `imgpolicy: cannot reach the Docker engine at ${dead.host} (context "gone"): connection refused (is dockerd listening there? is the host of context "gone" right?)`,
    );
  });

  it("a context that does not exist", async () => {
    const meta = join(withContext, "contexts", "meta", contextId("nowhere"), "meta.json");
    expect(await refused({ ...clean(withContext), DOCKER_CONTEXT: "nowhere" })).toBe(
      `imgpolicy: cannot use docker context "nowhere" (DOCKER_CONTEXT): it does not exist (no ${meta}; \`docker context ls\` lists the contexts)`,
    );
  });

  it("check --runtime --require-runtime through a context the engine refuses", async () => {
    const r = await cli(["check", "--runtime-only", "--require-runtime", `docker:${images.nonroot}`], { ...clean(withContext), DOCKER_CONTEXT: "nowhere" });
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^imgpolicy: .*docker context "nowhere" \(DOCKER_CONTEXT\): it does not exist/);
  });
});
