/**
 * testcontainers starts the probe's containers; it must reach the engine imgpolicy
 * resolved (src/engine/host.ts, once, for the EngineClient the probe was given), not one
 * it finds by itself. It takes no connection settings from its caller: testcontainers 11
 * chooses once per process, at its first client: tc.host in ~/.testcontainers.properties; else DOCKER_HOST, with TLS only when DOCKER_TLS_VERIFY is
 * exactly "1" and DOCKER_CERT_PATH holds ca.pem, cert.pem and key.pem (docker-modem reads
 * the same variables again as that client is made); and if that engine does not answer,
 * /var/run/docker.sock. It knows nothing of docker contexts, DOCKER_TLS, or DOCKER_CERT_PATH's
 * default.
 *
 * So its first client is made with those variables saying what we resolved (a context's
 * TLS directory holds the three files under those names), and the client it made is
 * checked afterwards: same socket, or same host, port and protocol. What it cannot
 * speak (TLS without checking the engine's certificate, or without a client
 * certificate) is refused up front, in words.
 */
import { basename, dirname } from "node:path";
import type { ContainerRuntimeClient } from "testcontainers";
import { dockerHostOf, type EngineEndpoint } from "../engine/host.js";

type Vars = Record<string, string | undefined>;

/** Why testcontainers cannot reach this endpoint as we would, or undefined. */
export function testcontainersRefuses(ep: EngineEndpoint): string | undefined {
  if (ep.kind !== "tcp" || !ep.tls) return undefined;
  const { tls } = ep;
  if (!tls.verify) {
    return `testcontainers cannot reach the engine at ${ep.display} without checking its certificate (${tls.origin}): give the engine's CA as ca.pem and check it (DOCKER_TLS_VERIFY=1, or a context without skip-tls-verify)`;
  }
  const named = (path: string | undefined, name: string) => path !== undefined && basename(path) === name && dirname(path) === tls.dir;
  if (!named(tls.files.ca, "ca.pem") || !named(tls.files.cert, "cert.pem") || !named(tls.files.key, "key.pem")) {
    return `testcontainers speaks TLS to the engine at ${ep.display} only with ca.pem, cert.pem and key.pem in one directory, and ${tls.dir} does not hold all three`;
  }
  return undefined;
}

/**
 * The variables testcontainers' first client must see. TESTCONTAINERS_HOST_OVERRIDE is
 * named for a socket only: there testcontainers would otherwise look for "the host"
 * itself, and in a container that means asking the bridge network for its gateway or
 * running alpine:3.14 to read the default route (a pull). The probe reaches the ports it
 * publishes at 127.0.0.1 (`probeHost`) and uses no other host. For a TCP engine
 * testcontainers takes the engine's own host name, which is right for a remote engine,
 * and asks nothing: the user's setting, if any, is left alone.
 */
export function testcontainersVars(ep: EngineEndpoint, env: Vars, probeHost: string): Vars {
  const vars: Vars = { DOCKER_HOST: dockerHostOf(ep), DOCKER_TLS_VERIFY: undefined, DOCKER_CERT_PATH: undefined };
  if (ep.kind === "unix") {
    if (env.TESTCONTAINERS_HOST_OVERRIDE === undefined) vars.TESTCONTAINERS_HOST_OVERRIDE = probeHost;
    return vars;
  }
  if (ep.tls) {
    vars.DOCKER_TLS_VERIFY = "1";
    vars.DOCKER_CERT_PATH = ep.tls.dir;
  }
  return vars;
}

/** Runs `fn` with `vars` in process.env (undefined: unset), and puts each back as it was. */
export async function withEnv<T>(vars: Vars, fn: () => Promise<T>): Promise<T> {
  const saved = new Map<string, string | undefined>();
  for (const [key, value] of Object.entries(vars)) {
    saved.set(key, process.env[key]);
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  try {
    return await fn();
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

interface Modem {
  socketPath?: unknown;
  host?: unknown;
  port?: unknown;
  protocol?: unknown;
}

/** Where a testcontainers client's docker-modem connects ("unix:///…", "https://h:p"), or undefined when it cannot be told. */
export function clientTarget(client: ContainerRuntimeClient): { kind: "unix"; socketPath: string } | { kind: "tcp"; host: string; port: number; protocol: string } | undefined {
  const modem = (client.container as { dockerode?: { modem?: Modem } }).dockerode?.modem;
  if (!modem) return undefined;
  if (typeof modem.host === "string" && modem.host !== "") {
    return { kind: "tcp", host: modem.host.replace(/^\[(.*)\]$/, "$1"), port: Number(modem.port), protocol: String(modem.protocol ?? "http") };
  }
  return typeof modem.socketPath === "string" ? { kind: "unix", socketPath: modem.socketPath } : undefined;
}

/** Why the testcontainers client does not speak to `ep`, or undefined when it does. */
export function reachedElsewhere(client: ContainerRuntimeClient, ep: EngineEndpoint): string | undefined {
  const t = clientTarget(client);
  if (!t) return undefined; // testcontainers' internals changed: nothing to compare
  if (ep.kind === "unix" && t.kind === "unix" && t.socketPath === ep.socketPath) return undefined;
  if (ep.kind === "tcp" && t.kind === "tcp" && t.host === ep.host && t.port === ep.port && t.protocol === (ep.tls ? "https" : "http")) return undefined;
  const there = t.kind === "unix" ? `unix://${t.socketPath}` : `${t.protocol}://${t.host.includes(":") ? `[${t.host}]` : t.host}:${t.port}`;
  return `testcontainers speaks to the engine at ${there}, not to ${ep.display}${ep.kind === "tcp" && ep.tls ? " over TLS" : ""} (its first client in this process, or tc.host in ~/.testcontainers.properties, chose it)`;
}
