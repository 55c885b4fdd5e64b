/**
 * Which file contents the facts need (dockle's idea: declare the files, keep only
 * those). Everything else is read as headers only, apart from ELF files, which
 * are parsed as they stream by, and small files sniffed for private keys.
 */
import type { ConfigFile } from "../image.js";
import type { ScanInterest } from "../fs/scan-layer.js";
import { CA_BUNDLE_PATHS } from "../parsers/ca-bundle.js";
import { joinInRoot } from "../fs/image-path.js";

export const ACCOUNT_FILES = ["/etc/passwd", "/etc/group", "/etc/shadow"] as const;
export const OS_RELEASE_FILES = ["/etc/os-release", "/usr/lib/os-release"] as const;
const CERT_DIRS = ["/etc/ssl/", "/etc/pki/"];
const MAX_CONTENT = 8 << 20;

export function envValue(env: readonly string[] | undefined, name: string): string | undefined {
  for (const e of env ?? []) {
    const i = e.indexOf("=");
    if (i > 0 && e.slice(0, i) === name) return e.slice(i + 1);
  }
  return undefined;
}

export function factsInterest(config: ConfigFile, extra: readonly string[] = []): ScanInterest {
  const exact = new Set<string>([...ACCOUNT_FILES, ...OS_RELEASE_FILES, ...CA_BUNDLE_PATHS, ...extra.map((p) => joinInRoot("/", p))]);
  const certFile = envValue(config.config?.Env, "SSL_CERT_FILE");
  if (certFile?.startsWith("/")) exact.add(certFile);
  return {
    wantContent(path, size) {
      if (size > MAX_CONTENT) return false;
      if (exact.has(path)) return true;
      return CERT_DIRS.some((d) => path.startsWith(d)) && /\.(crt|pem)$/.test(path);
    },
  };
}
