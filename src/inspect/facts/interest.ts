/**
 * Which file contents the facts need (dockle's idea: declare the files, keep only
 * those). Everything else is read as headers only, apart from ELF files, which
 * are parsed as they stream by, and small files sniffed for private keys.
 */
import type { ConfigFile } from "../image.js";
import type { ScanInterest } from "../fs/scan-layer.js";
import { CA_BUNDLE_PATHS } from "../parsers/ca-bundle.js";
import { joinInRoot } from "../fs/image-path.js";
import { interestFromSpec, type InterestSpec } from "../scan/interest-spec.js";
import { scanLimits } from "../limits.js";
import { DEFAULT_TOKEN_SKIP_DIRS } from "../parsers/token-search-scope.js";

export const ACCOUNT_FILES = ["/etc/passwd", "/etc/group", "/etc/shadow"] as const;
export const OS_RELEASE_FILES = ["/etc/os-release", "/usr/lib/os-release"] as const;
const CERT_DIRS = ["/etc/ssl/", "/etc/pki/"];
const CERT_SUFFIXES = [".crt", ".pem"];
const MAX_CONTENT = 8 << 20;

export function envValue(env: readonly string[] | undefined, name: string): string | undefined {
  for (const e of env ?? []) {
    const i = e.indexOf("=");
    if (i > 0 && e.slice(0, i) === name) return e.slice(i + 1);
  }
  return undefined;
}

/** The absolute directories of the image's PATH, without trailing slashes (searched for shells and tools). */
export function pathDirsOf(config: ConfigFile): string[] {
  return (envValue(config.config?.Env, "PATH") ?? "").split(":").filter((d) => d.startsWith("/")).map((d) => d.replace(/\/+$/, "") || "/");
}

/**
 * The files the facts read, as plain data (it crosses into the layer-scan worker threads).
 * `tokenSkipDirs`: directories left out of the search for token formats (default: distribution data, token-search-scope.ts).
 */
export function factsInterestSpec(config: ConfigFile, extra: readonly string[] = [], tokenSkipDirs: readonly string[] = DEFAULT_TOKEN_SKIP_DIRS): InterestSpec {
  const exact = new Set<string>([...ACCOUNT_FILES, ...OS_RELEASE_FILES, ...CA_BUNDLE_PATHS, ...extra.map((p) => joinInRoot("/", p))]);
  const certFile = envValue(config.config?.Env, "SSL_CERT_FILE");
  if (certFile?.startsWith("/")) exact.add(certFile);
  return { exact: [...exact], rules: [{ prefixes: [...CERT_DIRS], suffixes: [...CERT_SUFFIXES] }], maxSize: MAX_CONTENT, limits: scanLimits(), tokenSkipDirs: [...tokenSkipDirs] };
}

export function factsInterest(config: ConfigFile, extra: readonly string[] = [], tokenSkipDirs?: readonly string[]): ScanInterest {
  return interestFromSpec(factsInterestSpec(config, extra, tokenSkipDirs));
}
