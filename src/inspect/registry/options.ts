/** What a registry read can be told, and the shared pieces built from it. */
import { readFile } from "node:fs/promises";
import { UsageError, causeText } from "../../errors.js";
import { BlobCache, defaultCacheDir } from "./cache.js";
import { cacheState, MARKER, notOurs } from "./cache-entries.js";
import { cacheCap } from "./cache-size.js";
import type { Credentials } from "./docker-config.js";
import type { ProgressHook } from "./progress.js";
import { hostname, isLoopback } from "./reference.js";
import type { RetryOptions } from "./retry.js";

export interface RegistryOptions {
  /** Hosts ("host" or "host:port") that may use plain HTTP and whose certificates are not verified. */
  insecureRegistries?: string[];
  /** PEM files of extra CAs to trust (SSL_CERT_FILE is added too). */
  caFiles?: string[];
  /** Credentials that win over ~/.docker/config.json. */
  username?: string;
  password?: string;
  /** Blob cache directory (default $XDG_CACHE_HOME/imgpolicy or ~/.cache/imgpolicy). */
  cacheDir?: string;
  /** The most the cache's entries hold, in bytes (default IMGPOLICY_CACHE_MAX, else 2 GB); least recently used ones go first; 0: no cache. */
  cacheMax?: number;
  noCache?: boolean;
  onProgress?: ProgressHook;
  /**
   * Connecting (default 30 s); silence while an answer or a body's next bytes are
   * awaited (default 60 s); the whole of a small answer, a manifest, config, token or
   * error, headers and body (default 60 s). A layer blob has the idle timeout and its
   * descriptor's size as bounds.
   */
  timeouts?: { connectMs?: number; idleMs?: number; requestMs?: number };
  retry?: RetryOptions;
  /** Blob downloads at once (default 4). */
  concurrency?: number;
  /**
   * Told, in a sentence, what the pull works around: the default cache directory being
   * another program's (the pull goes on without the cache). A cacheDir given that is
   * not imgpolicy's is a UsageError instead.
   */
  onWarning?: (message: string) => void;
  /** Where HOME, DOCKER_CONFIG, proxies, SSL_CERT_FILE and XDG_CACHE_HOME are read (default process.env). */
  env?: Record<string, string | undefined>;
}

/** Whether a registry was named insecure (matching "host:port" or a bare host). */
export function isInsecure(registry: string, insecure: readonly string[] = []): boolean {
  const want = registry.toLowerCase();
  return insecure.some((h) => {
    const entry = h.trim().toLowerCase().replace(/^https?:\/\//, "").replace(/\/+$/, "");
    return entry === want || entry === hostname(want);
  });
}

export function allowsHttp(registry: string, insecure: readonly string[] = []): boolean {
  return isLoopback(registry) || isInsecure(registry, insecure);
}

/** The PEM texts of the extra CAs: the given files (which must exist) and SSL_CERT_FILE (when readable). */
export async function loadCaCerts(opts: RegistryOptions): Promise<string[]> {
  const out: string[] = [];
  for (const file of opts.caFiles ?? []) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      throw new UsageError(`cannot read CA certificate file ${file}: ${causeText(err)}`, { cause: err });
    }
    if (!text.includes("-----BEGIN CERTIFICATE-----")) throw new UsageError(`${file} holds no PEM certificate`);
    out.push(text);
  }
  const env = opts.env ?? process.env;
  if (env.SSL_CERT_FILE) {
    const text = await readFile(env.SSL_CERT_FILE, "utf8").catch(() => "");
    if (text.includes("-----BEGIN CERTIFICATE-----")) out.push(text);
  }
  return out;
}

export function cacheFor(opts: RegistryOptions): BlobCache | undefined {
  if (opts.noCache) return undefined;
  const env = opts.env ?? process.env;
  if (opts.cacheMax !== undefined && !(Number.isSafeInteger(opts.cacheMax) && opts.cacheMax >= 0)) throw new UsageError(`cacheMax must be a number of bytes, not ${String(opts.cacheMax)}`);
  const maxBytes = opts.cacheMax ?? cacheCap(env).maxBytes;
  // a cap of 0: no cache at all (what is there is left as it is; `imgpolicy cache prune` empties it)
  if (maxBytes === 0) return undefined;
  return new BlobCache(opts.cacheDir ?? defaultCacheDir(env), { maxBytes });
}

/**
 * The cache a pull uses (cacheFor), once its directory is known not to be another
 * program's: a cacheDir given that is foreign is a UsageError (as for `cache info` and
 * `prune`); the default directory being foreign is a warning (onWarning), and no cache.
 */
export async function openCache(opts: RegistryOptions): Promise<BlobCache | undefined> {
  const cache = cacheFor(opts);
  if (!cache || (await cacheState(cache.dir)) !== "foreign") return cache;
  if (opts.cacheDir !== undefined) throw notOurs(cache.dir);
  opts.onWarning?.(`${cache.dir} is not an imgpolicy cache (it holds other files and no ${MARKER} of imgpolicy's); pulling without the cache`);
  return undefined;
}

/** Credentials from the options, or undefined to look in the docker config. */
export function givenCredentials(opts: RegistryOptions): Credentials | undefined {
  if (opts.username === undefined) return undefined;
  return { username: opts.username, password: opts.password ?? "" };
}
