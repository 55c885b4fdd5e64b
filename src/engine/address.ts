/**
 * An engine address (DOCKER_HOST, or a docker context's host) parsed into a unix socket
 * path or a TCP host and port, and the endpoint type every engine user shares.
 */
import { isAbsolute } from "node:path";
import { EngineError } from "../errors.js";
import type { EngineTls } from "./tls.js";

export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

export type EngineEndpoint =
  | { kind: "unix"; socketPath: string; display: string; context?: string }
  | { kind: "tcp"; host: string; port: number; display: string; context?: string; tls?: EngineTls };

/**
 * The endpoint as a DOCKER_HOST value, for a client that takes one (testcontainers): the
 * socket or host and port only, never userinfo, TLS settings or the context's name.
 */
export function dockerHostOf(ep: EngineEndpoint): string {
  return ep.kind === "unix" ? `unix://${ep.socketPath}` : `tcp://${ep.host.includes(":") ? `[${ep.host}]` : ep.host}:${ep.port}`;
}

/** Where the authority ("user:pw@host:port") of an address ends: at the first "/", "?" or "#". */
function authorityEnd(text: string): number {
  const end = text.search(/[/?#]/);
  return end < 0 ? text.length : end;
}

/**
 * An address as it may be shown: userinfo ("user:password@") before the host is replaced
 * by "***@", with or without a scheme. Nothing else changes.
 */
export function redactAddress(value: string): string {
  const sep = value.indexOf("://");
  const start = sep < 0 ? 0 : sep + 3;
  const rest = value.slice(start);
  const at = rest.slice(0, authorityEnd(rest)).lastIndexOf("@");
  return at < 0 ? value : `${value.slice(0, start)}***@${rest.slice(at + 1)}`;
}

function unsupported(value: string, why: string, where: string): EngineError {
  return new EngineError(`${where} '${redactAddress(value)}' is not supported: ${why} (use unix:///path/to/docker.sock or tcp://host:port)`);
}

function parseTcp(value: string, rest: string, tls: boolean, where: string): EngineEndpoint {
  // rest is "host", "host:port", "[v6]:port", optionally after "user:pw@" and followed by "/".
  // As the docker CLI (url.Parse, then the URL's Host), userinfo is dropped: the engine API
  // has no use for it. It is never shown: the display marks it "***@".
  const at = rest.slice(0, authorityEnd(rest)).lastIndexOf("@");
  const userinfo = at >= 0;
  const trimmed = rest.slice(at + 1).replace(/\/+$/, "");
  if (trimmed.includes("/")) throw unsupported(value, "a path after host:port is not allowed", where);
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
  // as the docker CLI: 2376 is the default port with TLS, 2375 without
  let port = tls ? 2376 : 2375;
  if (portText !== undefined && portText !== "") {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      throw unsupported(value, `'${portText}' is not a port number`, where);
    }
    port = Number(portText);
  }
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return { kind: "tcp", host, port, display: `tcp://${userinfo ? "***@" : ""}${shownHost}:${port}` };
}

/**
 * Parses a DOCKER_HOST-style value; empty or undefined means the default unix socket.
 * `tls` only chooses the default port; `where` names the value in messages.
 */
export function parseDockerHost(raw: string | undefined, tls = false, where = "DOCKER_HOST"): EngineEndpoint {
  const value = (raw ?? "").trim();
  if (value === "") return parseDockerHost(DEFAULT_DOCKER_HOST, tls, where);
  if (isAbsolute(value)) return { kind: "unix", socketPath: value, display: `unix://${value}` };
  const sep = value.indexOf("://");
  if (sep < 0) return parseTcp(value, value, tls, where); // like the docker CLI: a bare host:port is TCP
  const scheme = value.slice(0, sep).toLowerCase();
  const rest = value.slice(sep + 3);
  switch (scheme) {
    case "unix": {
      if (!isAbsolute(rest)) throw unsupported(value, "the socket path must be absolute", where);
      return { kind: "unix", socketPath: rest, display: `unix://${rest}` };
    }
    case "tcp":
    case "http":
      return parseTcp(value, rest, tls, where);
    case "npipe":
      throw unsupported(value, "Windows named pipes are not spoken", where);
    case "ssh":
      throw unsupported(value, "ssh transports are not spoken", where);
    case "https":
      throw unsupported(value, "for TLS, name it tcp://host:port and set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH", where);
    default:
      throw unsupported(value, `unknown scheme '${scheme}'`, where);
  }
}
