/**
 * A registry, a proxy before it or a token server that echoes the request it was sent
 * (its Authorization header, its posted form) into an error: no credential the client
 * sent reaches an error line, --debug's chain of causes included. The fault proxy's
 * `echo` answers with the request's headers and body, as a distribution error, plain
 * text, an HTML page or a challenge's realm; the planted secrets (a password, its
 * Basic header, a bearer token from the real token server, an identity token, a
 * registry token) are looked for in everything the library and the CLI say.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveRegistry, pushImage, registryTarget, startFaultProxy, startRegistry, stopAllRegistries, type FaultPlan, type FaultProxy, type RegistryServer } from "../../fixtures/registry/index.js";
import { describeError } from "../../src/errors.js";
import { basicHeader } from "../../src/inspect/registry/auth.js";
import { baseOptions, cleanEnv, failure, pull, removeTempDirs, sampleImage } from "./helpers.js";

const haveBuild = existsSync("dist/cli/main.js");
const describeIf = haveRegistry() ? describe : describe.skip;
const built = sampleImage(811);

const USER = "echo-user";
const PASSWORD = "Pl4nted-Passw0rd-9c1e";
const IDENTITY = "identity-T0ken-planted-77aa";
const REGISTRY_TOKEN = "registry-T0ken-planted-55bb";
const BASIC = basicHeader(USER, PASSWORD).slice("Basic ".length);
/** Bearer tokens the token server issued, as the proxy saw them. */
const bearers = new Set<string>();

let basicReg: RegistryServer;
let tokenReg: RegistryServer;
let openReg: RegistryServer;
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  if (!haveRegistry()) return;
  const users = [{ user: USER, password: PASSWORD }];
  basicReg = await startRegistry({ auth: "htpasswd", users });
  tokenReg = await startRegistry({ auth: "token", users });
  openReg = await startRegistry({ auth: "none" });
  await pushImage(registryTarget(basicReg, USER), "team/app", "1", built);
  await pushImage(registryTarget(tokenReg, USER), "team/app", "1", built);
  await pushImage(registryTarget(openReg), "team/app", "1", built);
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await stopAllRegistries();
  await removeTempDirs();
});

async function proxy(upstream: string, plan: FaultPlan): Promise<FaultProxy> {
  const p = await startFaultProxy(upstream, plan);
  proxies.push(p);
  return p;
}

/** Every secret of the test, and what the proxies saw sent as bearer tokens. */
function planted(): string[] {
  return [PASSWORD, BASIC, BASIC.replace(/=+$/, ""), `${USER}:${PASSWORD}`, IDENTITY, REGISTRY_TOKEN, ...bearers];
}

function collectBearers(p: FaultProxy): void {
  for (const h of p.hits) if (h.authorization?.startsWith("Bearer ")) bearers.add(h.authorization.slice(7));
}

/** The CLI's refusal: exit 2, one line from the registry (with --debug's chain of causes after it), no secret. */
function expectRefused(r: Run): void {
  expect(r.code, r.out).toBe(2);
  expect(r.out).toMatch(/^imgpolicy: RegistryError: registry 127\.0\.0\.1:\d+: /);
  expectClean(r.out);
}

function expectClean(text: string): void {
  for (const secret of planted()) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice(0, 12)); // nor a start of one, cut where a message is shortened
  }
}

/** A DOCKER_CONFIG with one auths entry for `host`. */
async function configWith(host: string, entry: Record<string, string>): Promise<Record<string, string | undefined>> {
  const env = await cleanEnv();
  await mkdir(env.DOCKER_CONFIG!, { recursive: true });
  await writeFile(join(env.DOCKER_CONFIG!, "config.json"), JSON.stringify({ auths: { [host]: entry } }));
  return env;
}

interface Run {
  code: number | null;
  out: string;
}

/** bin/imgpolicy.js --debug inspect REF, credentials from `env` or `password` on stdin. */
async function cli(ref: string, env: Record<string, string | undefined>, password?: string): Promise<Run> {
  const args = ["bin/imgpolicy.js", "--debug", "inspect", `docker://${ref}`, "--no-cache", ...(password !== undefined ? ["--username", USER, "--password-stdin"] : [])];
  const child = spawn(process.execPath, args, { env: { ...env, DOCKER_HOST: "unix:///nonexistent/docker.sock" }, stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.end(password ?? "");
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  clearTimeout(timer);
  return { code, out };
}

/** The library's error, with its whole chain as --debug shows it. */
async function libraryFailure(ref: string, opts: Awaited<ReturnType<typeof baseOptions>>): Promise<string> {
  const err = await failure(() => pull(ref, opts));
  expect(err).toBeInstanceOf(Error);
  return describeError(err, true);
}

describeIf("an echoed request never shows the credentials in it", () => {
  for (const as of ["json", "text", "html"] as const) {
    it(`Basic: the registry's 403 echoes the request as ${as}`, async () => {
      const front = await proxy(basicReg.url, [{ method: "GET", path: "/manifests/", fault: { kind: "echo", as } }]);
      const chain = await libraryFailure(`${front.host}/team/app:1`, await baseOptions({ username: USER, password: PASSWORD }));
      expect(front.hits.some((h) => h.authorization === `Basic ${BASIC}`)).toBe(true); // it was sent, and echoed
      expect(chain).toMatch(new RegExp(`^RegistryError: registry ${front.host}: repository team/app: `));
      expect(chain).toContain("<redacted>");
      expectClean(chain);
      if (haveBuild) {
        expectRefused(await cli(`${front.host}/team/app:1`, await cleanEnv(), PASSWORD));
      }
    });
  }

  it("Basic: a 401 whose challenge's realm echoes the request (cut at 80 characters in the message)", async () => {
    const front = await proxy(basicReg.url, [{ method: "GET", path: "/manifests/", fault: { kind: "echo", as: "challenge" } }]);
    const chain = await libraryFailure(`${front.host}/team/app:1`, await baseOptions({ username: USER, password: PASSWORD }));
    expect(chain).toMatch(/the auth challenge names no usable token realm/);
    expectClean(chain);
    if (haveBuild) expectRefused(await cli(`${front.host}/team/app:1`, await cleanEnv(), PASSWORD));
  });

  it("a bearer token from the token server, echoed by the registry", async () => {
    const front = await proxy(tokenReg.url, [{ method: "GET", path: "/manifests/", fault: { kind: "echo", as: "json" } }]);
    const chain = await libraryFailure(`${front.host}/team/app:1`, await baseOptions({ username: USER, password: PASSWORD }));
    collectBearers(front);
    expect(bearers.size).toBeGreaterThan(0);
    expectClean(chain);
    if (haveBuild) {
      const r = await cli(`${front.host}/team/app:1`, await cleanEnv(), PASSWORD);
      collectBearers(front);
      expectRefused(r);
    }
  });

  /** A registry whose challenge names a token server (another proxy) that echoes what it is sent. */
  async function echoingTokenServer(as: "json" | "text"): Promise<FaultProxy> {
    const tokens = await proxy(openReg.url, [{ fault: { kind: "echo", as, status: 401 } }]);
    const challenge = `Bearer realm="${tokens.url}/token",service="echo"`;
    return proxy(openReg.url, [{ path: "/v2/", fault: { kind: "status", status: 401, headers: { "WWW-Authenticate": challenge } } }]);
  }

  it("Basic credentials, echoed by the token server", async () => {
    const front = await echoingTokenServer("text");
    const chain = await libraryFailure(`${front.host}/team/app:1`, await baseOptions({ username: USER, password: PASSWORD }));
    expect(chain).toMatch(/refused the credentials/);
    expectClean(chain);
    if (haveBuild) expectRefused(await cli(`${front.host}/team/app:1`, await cleanEnv(), PASSWORD));
  });

  it("an identity (refresh) token posted to the token server, echoed as JSON", async () => {
    const front = await echoingTokenServer("json");
    const env = await configWith(front.host, { identitytoken: IDENTITY });
    const chain = await libraryFailure(`${front.host}/team/app:1`, await baseOptions({ env }));
    expect(chain).toMatch(/refused the credentials/);
    expectClean(chain);
    if (haveBuild) {
      expectRefused(await cli(`${front.host}/team/app:1`, env));
    }
  });

  it("a registry token sent as is, echoed by the registry", async () => {
    const challenge = `Bearer realm="${openReg.url}/token",service="echo"`;
    const front = await proxy(openReg.url, [
      { path: "/manifests/", fault: { kind: "echo", as: "text" } },
      { path: "/v2/", fault: { kind: "status", status: 401, headers: { "WWW-Authenticate": challenge } } },
    ]);
    const env = await configWith(front.host, { registrytoken: REGISTRY_TOKEN });
    const chain = await libraryFailure(`${front.host}/team/app:1`, await baseOptions({ env }));
    expect(front.hits.some((h) => h.authorization === `Bearer ${REGISTRY_TOKEN}`)).toBe(true);
    expectClean(chain);
    if (haveBuild) {
      expectRefused(await cli(`${front.host}/team/app:1`, env));
    }
  });

  it("the registry's own error without an echo is said as before", async () => {
    const err = await failure(async () => pull(`${basicReg.host}/team/absent:1`, await baseOptions({ username: USER, password: PASSWORD })));
    expect(err?.message).toMatch(new RegExp(`^registry ${basicReg.host}: repository team/absent: .*(unknown|not found)`));
    expect(err?.message).not.toContain("<redacted>");
  });
});
