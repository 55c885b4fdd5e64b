/**
 * imgpolicy's one Docker Engine API client, on node:http(s): the calls the daemon source,
 * build, the runtime probe and gc make to read, build, tag, load and clean up images
 * (containers.ts holds the container calls, over `request`). The engine is the one the
 * docker CLI would use (DOCKER_HOST with its TLS variables, or a docker context: see
 * host.ts), resolved once per client, and the API version is negotiated once
 * (min(engine, 1.43)).
 */
import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { EngineError, SourceError } from "../errors.js";
import { endpointFromEnv, parseDockerHost, type EngineEndpoint } from "./host.js";
import { BuildError, followBuild, followLoad } from "./progress.js";
import { CONNECT_TIMEOUT_MS, engineStream, errorMessage, expectOk, pathName, readJson, send, type QueryValue } from "./transport.js";
import type {
  BuildOptions,
  BuildResult,
  ContainerSummary,
  EngineVersion,
  ImageDeleteItem,
  ImageHistoryItem,
  ImageInspect,
  ImageSummary,
  LoadResult,
  PingResult,
} from "./types.js";

export type * from "./types.js";
export { BuildError } from "./progress.js";

/** The newest API version this client speaks. */
export const MAX_API_VERSION = "1.43";
/** What an engine that sends no Api-Version header is assumed to speak. */
const FALLBACK_API_VERSION = "1.24";

export interface EngineClientOptions {
  /** A DOCKER_HOST-style address, spoken to without TLS; by default the engine `env` names. */
  host?: string;
  /** An endpoint already resolved (with its TLS settings); wins over `host` and `env`. */
  endpoint?: EngineEndpoint;
  /**
   * Environment to choose the engine from (default process.env): DOCKER_HOST,
   * DOCKER_TLS_VERIFY, DOCKER_TLS, DOCKER_CERT_PATH, DOCKER_CONTEXT, DOCKER_CONFIG, HOME.
   */
  env?: Record<string, string | undefined>;
  /** Idle timeout of ordinary requests, connecting included (default 30 s). */
  timeoutMs?: number;
  /** Deadline for making a connection, TLS handshake included (default 15 s). */
  connectTimeoutMs?: number;
  /** Idle timeout of builds, loads, exports and removals (default 10 min). */
  longTimeoutMs?: number;
  /** Pin the API version instead of negotiating it. */
  apiVersion?: string;
}

/** Compares "1.41"-style versions numerically. */
export function compareApiVersions(a: string, b: string): number {
  const pa = a.split(".").map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split(".").map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** One request of the Engine API: what to send, and what it is for (messages). */
export interface EngineCall {
  query?: Record<string, QueryValue>;
  body?: Buffer | Readable;
  contentType?: string;
  /** The long idle timeout (builds, loads, exports, removals) instead of the ordinary one. */
  long?: boolean;
  /** An idle timeout of its own (a log follow, a stop with its grace period). */
  timeoutMs?: number;
  /** What the request does, for messages: "inspect container 0123456789ab". */
  action: string;
}

function labelFilter(label: string | string[] | undefined): string | undefined {
  if (label === undefined) return undefined;
  return JSON.stringify({ label: Array.isArray(label) ? label : [label] });
}

export class EngineClient {
  readonly endpoint: EngineEndpoint;
  readonly timeoutMs: number;
  readonly longTimeoutMs: number;
  readonly connectTimeoutMs: number;
  #version: Promise<string> | undefined;

  constructor(opts: EngineClientOptions = {}) {
    this.endpoint = opts.endpoint ?? (opts.host !== undefined ? parseDockerHost(opts.host) : endpointFromEnv(opts.env ?? process.env));
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.longTimeoutMs = opts.longTimeoutMs ?? 600_000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    if (opts.apiVersion) this.#version = Promise.resolve(opts.apiVersion);
  }

  /** The engine's address, as shown in messages ("unix:///var/run/docker.sock", `tcp://h:2376 (context "x")`). */
  get host(): string {
    return this.endpoint.display;
  }

  async ping(): Promise<PingResult> {
    const action = "ping the Docker engine";
    const res = await send(this.endpoint, { method: "GET", path: "/_ping", timeoutMs: this.timeoutMs, connectTimeoutMs: this.connectTimeoutMs, action });
    await expectOk(res, action);
    res.resume();
    const header = (name: string) => {
      const v = res.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    return {
      apiVersion: header("api-version") ?? FALLBACK_API_VERSION,
      osType: header("ostype"),
      experimental: header("docker-experimental") === "true",
      builderVersion: header("builder-version"),
    };
  }

  /** The API version requests use: min(engine's, MAX_API_VERSION), negotiated once. */
  apiVersion(): Promise<string> {
    this.#version ??= this.ping().then(
      (p) => (compareApiVersions(p.apiVersion, MAX_API_VERSION) < 0 ? p.apiVersion : MAX_API_VERSION),
      (err: unknown) => {
        this.#version = undefined; // let a later call try again
        throw err;
      },
    );
    return this.#version;
  }

  /**
   * One request under the negotiated API version (`path` without it: "/containers/json");
   * resolves with the answer whatever its status (transport.ts reads and judges it).
   */
  async request(method: "GET" | "POST" | "DELETE", path: string, call: EngineCall): Promise<IncomingMessage> {
    const version = await this.apiVersion();
    return send(this.endpoint, {
      method,
      path: `/v${version}${path}`,
      query: call.query,
      body: call.body,
      contentType: call.contentType,
      timeoutMs: call.timeoutMs ?? (call.long ? this.longTimeoutMs : this.timeoutMs),
      connectTimeoutMs: this.connectTimeoutMs,
      action: call.action,
    });
  }

  async #json<T>(method: "GET" | "POST" | "DELETE", path: string, call: EngineCall): Promise<T> {
    const res = await this.request(method, path, call);
    await expectOk(res, call.action);
    return readJson<T>(res, call.action);
  }

  /** Like request(), with a missing or malformed image reported as a SourceError. */
  async #image(method: "GET" | "DELETE", ref: string, suffix: string, call: EngineCall): Promise<IncomingMessage> {
    const res = await this.request(method, `/images/${pathName(ref)}${suffix}`, call);
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return res;
    const message = await errorMessage(res, call.action);
    if (status === 404) throw new SourceError(`image '${ref}' is not in the local engine`, { engineStatus: 404 });
    const bad = /invalid reference format.*/.exec(message);
    if (status === 400 && bad) throw new SourceError(`'${ref}' is not a valid image reference: ${bad[0]}`);
    throw new EngineError(`cannot ${call.action}: ${message}`);
  }

  version(): Promise<EngineVersion> {
    return this.#json("GET", "/version", { action: "ask the Docker engine its version" });
  }

  async imageInspect(ref: string): Promise<ImageInspect> {
    const action = `inspect image '${ref}'`;
    return readJson<ImageInspect>(await this.#image("GET", ref, "/json", { action }), action);
  }

  async imageHistory(ref: string): Promise<ImageHistoryItem[]> {
    const action = `read the history of image '${ref}'`;
    return readJson<ImageHistoryItem[]>(await this.#image("GET", ref, "/history", { action }), action);
  }

  /** The image as a `docker save` tarball (manifest.json, config, layer tars). */
  async imageExport(ref: string): Promise<Readable> {
    const action = `export image '${ref}'`;
    return engineStream(await this.#image("GET", ref, "/get", { action, long: true }), action);
  }

  /** Loads a `docker save`-style tarball into the engine. */
  async imageLoad(tar: Readable | Buffer): Promise<LoadResult> {
    const action = "load an image tarball into the Docker engine";
    const res = await this.request("POST", "/images/load", {
      query: { quiet: true },
      body: tar,
      contentType: "application/x-tar",
      long: true,
      action,
    });
    await expectOk(res, action);
    return followLoad(engineStream(res, action), action);
  }

  /** Builds an image with the classic builder from a tar of the build context. */
  async imageBuild(context: Readable | Buffer, opts: BuildOptions = {}): Promise<BuildResult> {
    const tags = opts.tag === undefined ? [] : Array.isArray(opts.tag) ? opts.tag : [opts.tag];
    const what = tags.length > 0 ? `image '${tags[0]}'` : "an image";
    const action = `build ${what}`;
    const version = await this.apiVersion();
    const res = await this.request("POST", "/build", {
      query: {
        t: tags,
        dockerfile: opts.dockerfile,
        target: opts.target,
        buildargs: opts.buildArgs ? JSON.stringify(opts.buildArgs) : undefined,
        labels: opts.labels ? JSON.stringify(opts.labels) : undefined,
        nocache: opts.noCache,
        rm: true,
        forcerm: true,
        version: compareApiVersions(version, "1.38") >= 0 ? "1" : undefined,
      },
      body: context,
      contentType: "application/x-tar",
      long: true,
      action,
    });
    if ((res.statusCode ?? 0) >= 300) {
      throw new BuildError(`cannot ${action}: ${await errorMessage(res, action)}`, []);
    }
    const { id, log } = await followBuild(engineStream(res, action), what, opts.onOutput);
    if (id === undefined) throw new EngineError(`cannot ${action}: the engine finished without naming the image`);
    const fullId = id.startsWith("sha256:") ? id : (await this.imageInspect(id)).Id;
    return { id: fullId, tags, log };
  }

  /** Gives an image another name (POST /images/{id}/tag); `name` is "repo:tag". */
  async imageTag(id: string, name: string): Promise<void> {
    const colon = name.lastIndexOf(":");
    const action = `tag image ${id.replace(/^sha256:/, "").slice(0, 12)} as '${name}'`;
    const res = await this.request("POST", `/images/${pathName(id)}/tag`, { query: { repo: name.slice(0, colon), tag: name.slice(colon + 1) }, action });
    await expectOk(res, action);
    res.resume();
  }

  async imageRemove(ref: string, opts: { force?: boolean; noPrune?: boolean } = {}): Promise<ImageDeleteItem[]> {
    const action = `remove image '${ref}'`;
    const query = { force: opts.force, noprune: opts.noPrune };
    return readJson<ImageDeleteItem[]>(await this.#image("DELETE", ref, "", { action, query, long: true }), action);
  }

  /** Images in the engine, optionally only those with a label ("key" or "key=value"). */
  listImages(opts: { label?: string | string[]; all?: boolean } = {}): Promise<ImageSummary[]> {
    return this.#json("GET", "/images/json", {
      query: { all: opts.all, filters: labelFilter(opts.label) },
      action: "list the engine's images",
    });
  }

  listContainers(opts: { all?: boolean; label?: string | string[] } = {}): Promise<ContainerSummary[]> {
    return this.#json("GET", "/containers/json", {
      query: { all: opts.all, filters: labelFilter(opts.label) },
      action: "list the engine's containers",
    });
  }

  async removeContainer(id: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const action = `remove container '${id}'`;
    const res = await this.request("DELETE", `/containers/${pathName(id)}`, {
      query: { force: opts.force, v: opts.volumes },
      long: true,
      action,
    });
    await expectOk(res, action);
    res.resume();
  }
}

export function engineClient(opts?: EngineClientOptions): EngineClient {
  return new EngineClient(opts);
}
