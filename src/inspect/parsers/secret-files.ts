/**
 * Recognises files that usually hold credentials, by path alone (CIS 4.10:
 * do not store secrets in images). Kinds returned:
 *
 * - `dotenv`: `.env`, `.env.*` (not `.env.example`, `.sample`, `.template`, `.dist`)
 * - `aws-credentials`: `.aws/credentials`
 * - `docker-config`: `.docker/config.json` (registry auths)
 * - `registry-auth`: `containers/auth.json` (podman, skopeo, buildah)
 * - `kubeconfig`: `.kube/config`
 * - `gcloud-credentials`: under `.config/gcloud/`: `credentials.db`,
 *   `access_tokens.db`, `application_default_credentials.json`, `adc.json`
 * - `azure-credentials`: `.azure/accessTokens.json`, `.azure/msal_token_cache.json`
 * - `ssh-private-key`: `id_rsa`, `id_dsa`, `id_ecdsa`, `id_ed25519` and
 *   their `_sk` variants (not `.pub`), anywhere
 * - `ssh-host-key`: `/etc/ssh/ssh_host_*_key` (every container would share it)
 * - `npmrc`, `pypirc`, `netrc` (`.netrc`, `_netrc`), `git-credentials`,
 *   `pgpass`, `mysql-config` (`.my.cnf`), `vault-token` (`.vault-token`),
 *   `htpasswd` (`.htpasswd`)
 * - `credentials-json`: `credentials.json` (service-account style files)
 * - `private-key`: `*.key`
 * - `pem`: `*.pem`; often just a certificate, so confirm with
 *   `privateKeyKind` on the content before reporting it as a key
 * - `pkcs12`: `*.p12`, `*.pfx`
 * - `java-keystore`: `*.jks`, `*.keystore`
 *
 * `*.pem`, `*.key`, `*.p12`, `*.pfx`, `*.jks` are ignored inside CA
 * certificate directories and for well-known CA bundle file names.
 */

import { lastSegment, pathTail } from "./path-tail.js";

const CA_DIRS: readonly string[] = [
  "/etc/ssl/certs/",
  "/etc/pki/",
  "/etc/ca-certificates/",
  "/usr/share/ca-certificates/",
  "/usr/local/share/ca-certificates/",
  "/usr/share/pki/",
  "/var/lib/ca-certificates/",
  "/usr/lib/ssl/certs/",
];
const CA_FILE_NAMES: ReadonlySet<string> = new Set([
  "cacert.pem",
  "cert.pem",
  "ca-bundle.pem",
  "ca-certificates.pem",
  "tls-ca-bundle.pem",
  "cacerts.pem",
]);
const DOTENV_TEMPLATES: ReadonlySet<string> = new Set(["example", "sample", "template", "dist"]);
const SSH_KEY = /^id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?$/;
const SIMPLE: ReadonlyMap<string, string> = new Map([
  [".npmrc", "npmrc"],
  [".pypirc", "pypirc"],
  [".netrc", "netrc"],
  ["_netrc", "netrc"],
  [".git-credentials", "git-credentials"],
  [".pgpass", "pgpass"],
  [".my.cnf", "mysql-config"],
  [".vault-token", "vault-token"],
  [".htpasswd", "htpasswd"],
  ["credentials.json", "credentials-json"],
]);
const GCLOUD_FILES: ReadonlySet<string> = new Set([
  "credentials.db",
  "access_tokens.db",
  "application_default_credentials.json",
  "adc.json",
]);

/** Extensions (lower case) that name key material; compared without case. */
const EXTENSIONS: readonly (readonly [string, string])[] = [
  ["key", "private-key"],
  ["pem", "pem"],
  ["p12", "pkcs12"],
  ["pfx", "pkcs12"],
  ["jks", "java-keystore"],
  ["keystore", "java-keystore"],
];

/** (It runs for every entry of an image: the extension is compared in place, not cut out and lowered.) */
function extensionKind(base: string): string | undefined {
  const dot = base.lastIndexOf(".");
  if (dot <= 0) return undefined;
  const len = base.length - dot - 1;
  for (let i = 0; i < EXTENSIONS.length; i++) {
    const [ext, kind] = EXTENSIONS[i]!;
    if (ext.length === len && endsWithLower(base, ext)) return kind;
  }
  return undefined;
}

/** Whether `s` ends with `lower` (lower-case ASCII) in any case. */
function endsWithLower(s: string, lower: string): boolean {
  const at = s.length - lower.length;
  for (let i = 0; i < lower.length; i++) {
    let c = s.charCodeAt(at + i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** The names whose kind depends on the directory they are in. */
const BY_PARENT: ReadonlySet<string> = new Set(["credentials", "config.json", "auth.json", "config", "accessTokens.json", "msal_token_cache.json"]);

/** The kind of secret-looking file at `path` (absolute, normalized), or undefined. */
export function secretFileKind(path: string): string | undefined {
  return secretKindOf(path, lastSegment(path));
}

/** `secretFileKind` for a path whose last segment (`lastSegment`) is known. */
export function secretKindOf(path: string, base: string): string | undefined {
  if (base === "") return undefined;

  if (base === ".env") return "dotenv";
  if (base.startsWith(".env.")) {
    return DOTENV_TEMPLATES.has(base.slice(5).toLowerCase()) ? undefined : "dotenv";
  }
  if (BY_PARENT.has(base)) {
    const { parent } = pathTail(path);
    if (parent === ".aws" && base === "credentials") return "aws-credentials";
    if (parent === ".docker" && base === "config.json") return "docker-config";
    if (parent === "containers" && base === "auth.json") return "registry-auth";
    if (parent === ".kube" && base === "config") return "kubeconfig";
    if (parent === ".azure" && (base === "accessTokens.json" || base === "msal_token_cache.json")) {
      return "azure-credentials";
    }
  }
  if (GCLOUD_FILES.has(base) && path.includes("/.config/gcloud/")) return "gcloud-credentials";
  if (SSH_KEY.test(base)) return "ssh-private-key";
  if (path.startsWith("/etc/ssh/") && /^ssh_host_[a-z0-9]+_key$/.test(base)) return "ssh-host-key";
  const simple = SIMPLE.get(base);
  if (simple) return simple;

  const kind = extensionKind(base);
  if (!kind) return undefined;
  if (CA_DIRS.some((dir) => path.startsWith(dir))) return undefined;
  if (CA_FILE_NAMES.has(base.toLowerCase()) || path.includes("/certifi/")) return undefined;
  return kind;
}
