/**
 * Where the Docker engine listens: DOCKER_HOST parsed into a unix socket path or a
 * TCP host and port. Only plain (non-TLS) transports are spoken.
 */
import { isAbsolute } from "node:path";
import { EngineError } from "../../errors.js";

export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

export type EngineEndpoint =
  | { kind: "unix"; socketPath: string; display: string }
  | { kind: "tcp"; host: string; port: number; display: string };

function unsupported(value: string, why: string): EngineError {
  return new EngineError(
    `DOCKER_HOST '${value}' is not supported: ${why} (use unix:///path/to/docker.sock or tcp://host:port)`,
  );
}

function parseTcp(value: string, rest: string): EngineEndpoint {
  // rest is "host", "host:port", "[v6]:port", optionally followed by "/".
  const trimmed = rest.replace(/\/+$/, "");
  if (trimmed.includes("/")) throw unsupported(value, "a path after host:port is not allowed");
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(trimmed);
  if (v6) {
    host = v6[1];
    portText = v6[2];
  } else {
    const colon = trimmed.lastIndexOf(":");
    host = colon >= 0 ? trimmed.slice(0, colon) : trimmed;
    portText = colon >= 0 ? trimmed.slice(colon + 1) : undefined;
  }
  if (host === "") host = "127.0.0.1";
  let port = 2375;
  if (portText !== undefined && portText !== "") {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      throw unsupported(value, `'${portText}' is not a port number`);
    }
    port = Number(portText);
  }
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return { kind: "tcp", host, port, display: `tcp://${shownHost}:${port}` };
}

/** Parses a DOCKER_HOST value; empty or undefined means the default unix socket. */
export function parseDockerHost(raw: string | undefined): EngineEndpoint {
  const value = (raw ?? "").trim();
  if (value === "") return parseDockerHost(DEFAULT_DOCKER_HOST);
  if (isAbsolute(value)) return { kind: "unix", socketPath: value, display: `unix://${value}` };
  const sep = value.indexOf("://");
  if (sep < 0) return parseTcp(value, value); // like the docker CLI: a bare host:port is TCP
  const scheme = value.slice(0, sep).toLowerCase();
  const rest = value.slice(sep + 3);
  switch (scheme) {
    case "unix": {
      if (!isAbsolute(rest)) throw unsupported(value, "the socket path must be absolute");
      return { kind: "unix", socketPath: rest, display: `unix://${rest}` };
    }
    case "tcp":
    case "http":
      return parseTcp(value, rest);
    case "npipe":
      throw unsupported(value, "Windows named pipes are not spoken");
    case "ssh":
      throw unsupported(value, "ssh transports are not spoken");
    case "https":
      throw unsupported(value, "TLS connections to the engine are not spoken");
    default:
      throw unsupported(value, `unknown scheme '${scheme}'`);
  }
}

/**
 * The endpoint from an environment (DOCKER_HOST), refusing DOCKER_TLS_VERIFY
 * rather than silently speaking plain HTTP to a TLS port.
 */
export function endpointFromEnv(env: Record<string, string | undefined>): EngineEndpoint {
  const endpoint = parseDockerHost(env.DOCKER_HOST);
  const tls = env.DOCKER_TLS_VERIFY;
  if (endpoint.kind === "tcp" && tls !== undefined && tls !== "" && tls !== "0") {
    throw unsupported(env.DOCKER_HOST ?? "", "DOCKER_TLS_VERIFY is set and TLS connections to the engine are not spoken");
  }
  return endpoint;
}
