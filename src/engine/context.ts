/**
 * docker contexts, read as the docker CLI stores them under its config directory
 * ($DOCKER_CONFIG, default ~/.docker):
 *
 *   config.json                                   { "currentContext": "x" }  (docker context use x)
 *   contexts/meta/<sha256 of the name>/meta.json  { "Name": "x", "Endpoints": { "docker": { "Host": "tcp://…", "SkipTLSVerify": false } } }
 *   contexts/tls/<sha256 of the name>/docker/     ca.pem, cert.pem, key.pem (any of them)
 *
 * Which context: DOCKER_CONTEXT, else config.json's currentContext, else "default" (the
 * caller's: DOCKER_HOST and the TLS variables). The files are read as Go's encoding/json
 * reads them: field names match whatever their case.
 */
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { join } from "node:path";
import { EngineError, SourceError } from "../errors.js";
import { FileReadError } from "../files/regular-file.js";
import { isMissing, readSmallFileSync } from "../files/small-file-sync.js";
import { dockerConfigDir } from "../inspect/registry/docker-config.js";
import { parseDockerHost, type EngineEndpoint } from "./address.js";
import { engineTls, readPem } from "./tls.js";
import { parseJson } from "../inspect/sources/json.js";

type Env = Record<string, string | undefined>;

export const DEFAULT_CONTEXT = "default";
/** The names `docker context create` accepts. */
const CONTEXT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$/;
const CONFIG_LIMIT = 4 << 20;
const META_LIMIT = 1 << 20;

export interface ContextChoice {
  name: string;
  /** Where the name came from, for messages: "DOCKER_CONTEXT" or "currentContext in …/config.json". */
  from: string;
}

/** A field of a JSON object as Go reads it into a struct: any case; of several, the last. */
function field(obj: unknown, name: string): unknown {
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) return undefined;
  const want = name.toLowerCase();
  let value: unknown;
  for (const [key, v] of Object.entries(obj)) if (key.toLowerCase().replace(/ſ/g, "s") === want) value = v;
  return value;
}

function readJsonFile(path: string, limit: number, what: string, wrap: (why: string) => EngineError): unknown | undefined {
  let bytes: Buffer;
  try {
    bytes = readSmallFileSync(path, limit, what);
  } catch (err) {
    if (isMissing(err)) return undefined;
    if (err instanceof FileReadError) throw wrap(err.message);
    throw err;
  }
  try {
    return parseJson<unknown>(bytes, path);
  } catch (err) {
    if (err instanceof SourceError) throw wrap(err.message);
    throw err;
  }
}

/** The context the docker CLI would use when DOCKER_HOST is not set. */
export function chosenContext(env: Env): ContextChoice {
  const fromEnv = env.DOCKER_CONTEXT ?? "";
  if (fromEnv !== "") return { name: fromEnv, from: "DOCKER_CONTEXT" };
  const path = join(dockerConfigDir(env), "config.json");
  const config = readJsonFile(path, CONFIG_LIMIT, "the docker config file", (why) => new EngineError(`cannot choose the Docker engine: ${why}`));
  const current = field(config, "currentContext");
  if (current !== undefined && current !== null && typeof current !== "string") {
    throw new EngineError(`cannot choose the Docker engine: ${path}: currentContext is not a string`);
  }
  return current ? { name: current, from: `currentContext in ${path}` } : { name: DEFAULT_CONTEXT, from: "default" };
}

/** The directory name the CLI files a context under: the sha256 of its name, in hex. */
export function contextId(name: string): string {
  return createHash("sha256").update(name, "utf8").digest("hex");
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The engine endpoint of a named context (not "default"), with its TLS settings. */
export function contextEndpoint(env: Env, choice: ContextChoice): EngineEndpoint {
  const { name } = choice;
  const label = `docker context "${name}"`;
  const bad = (why: string) => new EngineError(`cannot use ${label} (${choice.from}): ${why}`);
  if (!CONTEXT_NAME.test(name)) throw bad("that is not a context name (letters, digits and _.+-, two or more)");
  const root = join(dockerConfigDir(env), "contexts");
  const id = contextId(name);
  const metaPath = join(root, "meta", id, "meta.json");
  const meta = readJsonFile(metaPath, META_LIMIT, "a context's meta.json", bad);
  if (meta === undefined) throw bad(`it does not exist (no ${metaPath}; \`docker context ls\` lists the contexts)`);
  if (!meta || typeof meta !== "object" || Array.isArray(meta)) throw bad(`${metaPath} is not a JSON object`);
  const endpoints = field(meta, "Endpoints");
  const docker = endpoints && typeof endpoints === "object" ? (endpoints as Record<string, unknown>)["docker"] : undefined;
  if (!docker || typeof docker !== "object" || Array.isArray(docker)) throw bad(`${metaPath} has no docker endpoint`);
  const host = field(docker, "Host");
  if (typeof host !== "string" || host.trim() === "") throw bad(`${metaPath}: the docker endpoint has no Host`);
  const skip = field(docker, "SkipTLSVerify");
  if (skip !== undefined && skip !== null && typeof skip !== "boolean") throw bad(`${metaPath}: SkipTLSVerify is not true or false`);

  const tlsDir = join(root, "tls", id, "docker");
  const hasTlsData = isDirectory(tlsDir);
  const wantsTls = hasTlsData || skip === true;
  const where = `${label} host`;
  const parsed = parseDockerHost(host, wantsTls, where);
  const display = `${parsed.display} (context "${name}")`;
  if (parsed.kind === "unix" || !wantsTls) return { ...parsed, display, context: name };

  // as the CLI: the context's CA is the only one trusted; a client certificate when both files are there
  const origin = `context "${name}"`;
  const ca = hasTlsData ? readPem(tlsDir, "ca.pem", origin) : undefined;
  const cert = hasTlsData ? readPem(tlsDir, "cert.pem", origin) : undefined;
  const key = hasTlsData ? readPem(tlsDir, "key.pem", origin) : undefined;
  const client = cert && key ? { cert: cert.pem, certPath: cert.path, key: key.pem, keyPath: key.path } : undefined;
  const tls = engineTls({ origin, dir: tlsDir, verify: skip !== true, ca, caOnly: true, ...(client ? { client } : {}) });
  return { ...parsed, display, context: name, tls };
}
