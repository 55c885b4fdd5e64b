/**
 * Which Docker engine, and how to speak to it: the one resolution every engine user
 * shares (the daemon source, build, the runtime probe, gc), following the docker CLI:
 *
 *   DOCKER_HOST set ─▶ the default context: DOCKER_HOST, with TLS when DOCKER_TLS_VERIFY
 *                      or DOCKER_TLS is set (files in DOCKER_CERT_PATH, default ~/.docker)
 *   else the context named by DOCKER_CONTEXT, else by config.json's currentContext
 *   ($DOCKER_CONFIG, default ~/.docker; `docker context use`) ─▶ its endpoint and TLS files
 *   else ("default") ─▶ unix:///var/run/docker.sock
 *
 * TLS applies to TCP only: a unix socket is spoken to in the clear, as the CLI does for a
 * context's socket.
 */
import { dockerConfigDir } from "../inspect/registry/docker-config.js";
import { parseDockerHost, type EngineEndpoint } from "./address.js";
import { chosenContext, contextEndpoint, DEFAULT_CONTEXT } from "./context.js";
import { tlsFromCertDir } from "./tls.js";

export { DEFAULT_DOCKER_HOST, dockerHostOf, parseDockerHost, type EngineEndpoint } from "./address.js";
export type { EngineTls } from "./tls.js";

type Env = Record<string, string | undefined>;

/** The default context: DOCKER_HOST and the TLS variables, read as the docker CLI reads them. */
function defaultContext(env: Env): EngineEndpoint {
  const verify = (env.DOCKER_TLS_VERIFY ?? "") !== ""; // any value, "0" too, as the CLI
  const tls = verify || (env.DOCKER_TLS ?? "") !== "";
  const endpoint = parseDockerHost(env.DOCKER_HOST, tls);
  if (endpoint.kind === "unix" || !tls) return endpoint;
  const dir = env.DOCKER_CERT_PATH || dockerConfigDir(env);
  return { ...endpoint, tls: tlsFromCertDir(dir, verify) };
}

/** The engine an environment names, as the docker CLI would choose it (see above). */
export function endpointFromEnv(env: Env): EngineEndpoint {
  if ((env.DOCKER_HOST ?? "") !== "") return defaultContext(env);
  const choice = chosenContext(env);
  return choice.name === DEFAULT_CONTEXT ? defaultContext(env) : contextEndpoint(env, choice);
}
