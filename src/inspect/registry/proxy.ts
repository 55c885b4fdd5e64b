/**
 * Proxies from the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, as Go reads
 * them) and an https.Agent that reaches the registry through an HTTP CONNECT tunnel.
 */
import { request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions, type RequestOptions } from "node:https";
import { isIP } from "node:net";
import type { Duplex } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import { isLoopback } from "./reference.js";

export type Env = Record<string, string | undefined>;

function envValue(env: Env, name: string): string | undefined {
  return env[name] || env[name.toLowerCase()] || undefined;
}

/** Whether NO_PROXY (comma-separated hosts, .domains, *.domains, host:port, IPs) exempts a host. */
export function noProxyMatches(host: string, port: string, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  for (const raw of noProxy.split(/[,\s]+/)) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return true;
    let entryPort: string | undefined;
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
    if (m) {
      entry = m[1]!;
      entryPort = m[2];
    }
    entry = entry.replace(/^\[|\]$/g, "");
    if (entryPort && entryPort !== port) continue;
    if (entry.startsWith("*.")) entry = entry.slice(1);
    if (entry.startsWith(".")) {
      if (h.endsWith(entry) || h === entry.slice(1)) return true;
    } else if (h === entry || h.endsWith(`.${entry}`)) {
      return true;
    }
  }
  return false;
}

/** The proxy for a request to `url`, or undefined; loopback hosts are never proxied. */
export function proxyFor(url: URL, env: Env): URL | undefined {
  const host = url.hostname;
  if (isLoopback(host.includes(":") && !host.startsWith("[") ? `[${host}]` : host)) return undefined;
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  if (noProxyMatches(host, port, envValue(env, "NO_PROXY"))) return undefined;
  const value = url.protocol === "https:" ? envValue(env, "HTTPS_PROXY") : envValue(env, "HTTP_PROXY");
  if (!value) return undefined;
  try {
    const proxy = new URL(value.includes("://") ? value : `http://${value}`);
    return proxy.protocol === "http:" || proxy.protocol === "https:" ? proxy : undefined;
  } catch {
    return undefined;
  }
}

/** The Proxy-Authorization header for a proxy URL with user info. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username) return undefined;
  const user = decodeURIComponent(proxy.username);
  const pass = decodeURIComponent(proxy.password);
  return `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
}

/** The proxy's address without credentials, for messages. */
export function proxyDisplay(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`;
}

/** An https.Agent whose connections are TLS inside a CONNECT tunnel through `proxy`. */
export class TunnelAgent extends HttpsAgent {
  constructor(
    readonly proxy: URL,
    options: AgentOptions & { connectTimeoutMs?: number },
  ) {
    super(options);
  }

  override createConnection(options: RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const done = callback ?? (() => {});
    const host = String(options.hostname ?? options.host ?? "localhost").replace(/^\[|\]$/g, "");
    const port = options.port ?? 443;
    const authority = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    const headers: Record<string, string> = { Host: authority };
    const auth = proxyAuthorization(this.proxy);
    if (auth) headers["Proxy-Authorization"] = auth;
    const send = this.proxy.protocol === "https:" ? httpsRequest : httpRequest;
    const timeout = (this.options as { connectTimeoutMs?: number }).connectTimeoutMs ?? 30_000;
    const req = send({
      host: this.proxy.hostname,
      port: this.proxy.port || (this.proxy.protocol === "https:" ? 443 : 80),
      method: "CONNECT",
      path: authority,
      headers,
      agent: false,
      timeout,
    });
    let finished = false;
    const fail = (err: Error) => {
      if (finished) return;
      finished = true;
      req.destroy();
      (done as (err: Error | null, stream?: Duplex) => void)(err);
    };
    req.once("timeout", () => fail(Object.assign(new Error(`proxy ${proxyDisplay(this.proxy)} did not answer within ${timeout} ms`), { code: "ETIMEDOUT" })));
    req.on("error", (err) => fail(Object.assign(new Error(`proxy ${proxyDisplay(this.proxy)}: ${err.message}`), { code: (err as NodeJS.ErrnoException).code })));
    req.once("connect", (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        fail(new Error(`proxy ${proxyDisplay(this.proxy)} refused to tunnel to ${authority}: HTTP ${res.statusCode}`));
        return;
      }
      finished = true;
      req.setTimeout(0);
      const servername = options.servername ?? (isIP(host) ? undefined : host);
      const tls = tlsConnect({ ...(options as object), socket, ...(servername ? { servername } : { servername: "" }) });
      done(null, tls);
    });
    req.end();
    return undefined;
  }
}
