/**
 * Credentials as the docker CLI keeps them: $DOCKER_CONFIG/config.json (default
 * ~/.docker/config.json) with `auths` (base64 "user:pass" in `auth`, or
 * username/password, identitytoken, registrytoken), `credHelpers` per registry,
 * and a default `credsStore`. A helper's answer wins over the file's entry.
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { UsageError, causeText } from "../../errors.js";
import { runCredentialHelper, type HelperOptions } from "./cred-helper.js";
import { DOCKER_HUB } from "./reference.js";

export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token for the registry's token server. */
  identityToken?: string;
  /** A bearer token to send as is. */
  registryToken?: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

type Env = Record<string, string | undefined>;

/** The key the docker CLI files Docker Hub's credentials under. */
export const HUB_SERVER_URL = "https://index.docker.io/v1/";
const HUB_HOSTS = new Set([DOCKER_HUB, "index.docker.io", "registry-1.docker.io"]);

export function dockerConfigDir(env: Env = process.env): string {
  return env.DOCKER_CONFIG || join(env.HOME || homedir(), ".docker");
}

/** Reads config.json; undefined when there is none. */
export async function loadDockerConfig(env: Env = process.env): Promise<DockerConfig | undefined> {
  const path = join(dockerConfigDir(env), "config.json");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new UsageError(`cannot read ${path}: ${causeText(err)}`, { cause: err });
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === "object" ? (parsed as DockerConfig) : {};
  } catch {
    throw new UsageError(`${path} is not valid JSON`);
  }
}

/** A config key reduced to its host, as the docker CLI compares them: "https://host:5000/v1/" → "host:5000". */
export function keyHost(key: string): string {
  const host = key.replace(/^https?:\/\//i, "").split("/")[0] ?? "";
  return host.toLowerCase();
}

function sameRegistry(key: string, registry: string): boolean {
  const host = keyHost(key);
  return registry === DOCKER_HUB ? HUB_HOSTS.has(host) : host === registry.toLowerCase();
}

/** The server URL the CLI and helpers use for a registry. */
export function serverUrl(registry: string): string {
  return registry === DOCKER_HUB ? HUB_SERVER_URL : registry;
}

/** The credentials of a file entry, or undefined when it holds none (helper placeholders are empty). */
export function entryCredentials(entry: AuthEntry | undefined, where: string): Credentials | undefined {
  if (!entry || typeof entry !== "object") return undefined;
  const out: Credentials = {};
  if (typeof entry.auth === "string" && entry.auth !== "") {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0) throw new UsageError(`${where}: the "auth" value is not base64 of "user:password"`);
    out.username = decoded.slice(0, colon);
    out.password = decoded.slice(colon + 1);
  } else if (typeof entry.username === "string" && entry.username !== "") {
    out.username = entry.username;
    out.password = typeof entry.password === "string" ? entry.password : "";
  }
  if (typeof entry.identitytoken === "string" && entry.identitytoken) out.identityToken = entry.identitytoken;
  if (typeof entry.registrytoken === "string" && entry.registrytoken) out.registryToken = entry.registrytoken;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The helper responsible for a registry: its credHelpers entry, else credsStore. */
export function helperFor(config: DockerConfig, registry: string): string | undefined {
  for (const [key, helper] of Object.entries(config.credHelpers ?? {})) {
    if (typeof helper === "string" && helper && sameRegistry(key, registry)) return helper;
  }
  return typeof config.credsStore === "string" && config.credsStore ? config.credsStore : undefined;
}

/** The credentials docker would use for `registry` (normalised name, e.g. "docker.io", "localhost:5000"). */
export async function credentialsFor(registry: string, opts: HelperOptions & { env?: Env } = {}): Promise<Credentials | undefined> {
  const env = opts.env ?? process.env;
  const config = await loadDockerConfig(env);
  if (!config) return undefined;
  const helper = helperFor(config, registry);
  if (helper) {
    const fromHelper = await runCredentialHelper(helper, serverUrl(registry), { ...opts, env });
    if (fromHelper) return fromHelper;
  }
  const where = join(dockerConfigDir(env), "config.json");
  const auths = config.auths && typeof config.auths === "object" ? config.auths : {};
  // an exact key first, then any key naming the same host
  const exact = auths[serverUrl(registry)] ?? auths[registry];
  const entry = exact ?? Object.entries(auths).find(([key]) => sameRegistry(key, registry))?.[1];
  return entryCredentials(entry, where);
}
