/**
 * Paths for checking a path classifier against its plain definition: random
 * absolute and odd paths made of the names and pieces the classifiers look for.
 * (Test helper.)
 */
const PIECES = [
  "", ".", "..", "a", "usr", "var", "cache", "lib", "apt", "lists", "lock", "partial", "apk", "yum", "dnf", "zypp", "packages",
  "pacman", "pkg", "archives", "x.deb", "pkgcache.bin", ".git", ".gitx", ".svn", ".hg", "__MACOSX", ".cache", "go-build", "go",
  "mod", "modules", ".npm", "_cacache", "pip", "pipe", "yarn", "__pycache__", "Dockerfile", "Dockerfile.prod", "api.Dockerfile",
  "x.dockerfile", "Containerfile", "compose.yaml", "docker-compose.override.yml", "compose.json", ".dockerignore", ".DS_Store",
  "Thumbs.db", ".main.go.swp", ".x.swz", "#notes#", "#", ".#x", "x~", "~", ".env", ".env.local", ".env.example", ".environment",
  ".aws", "credentials", ".docker", "config.json", "containers", "auth.json", ".kube", "config", ".config", "gcloud", "adc.json",
  "credentials.db", ".azure", "accessTokens.json", "id_rsa", "id_ed25519_sk", "id_rsa.pub", "etc", "ssh", "ssh_host_rsa_key",
  ".npmrc", "_netrc", ".my.cnf", "credentials.json", "server.key", "x.PEM", "cert.pem", "c.p12", "c.pfx", "k.jks", "k.keystore",
  "ssl", "certs", "pki", "certifi", "share", "ca-certificates", "bin", "sh", "python3.12",
  // whole runs, so that deep rules are met often
  "var/cache/apk", "var/lib/apt/lists", "var/cache/apt", "var/cache/apt/archives", "var/cache/yum", "var/cache/dnf",
  "var/cache/zypp/packages", "var/cache/pacman/pkg", "go/pkg/mod", ".cache/go-build", ".cache/pip", ".cache/yarn", ".npm/_cacache",
  "etc/ssl/certs", ".config/gcloud", "usr/share/zoneinfo", "usr/lib/zoneinfo", "usr/share/lib/zoneinfo", "Europe", "Paris",
];

export function fuzzPaths(count: number, seed = 1): string[] {
  let s = seed;
  const rand = (n: number) => ((s = (s * 1103515245 + 12345) & 0x7fffffff) % n);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = rand(7);
    const parts: string[] = [];
    for (let j = 0; j < n; j++) parts.push(PIECES[rand(PIECES.length)]!);
    const lead = rand(10) === 0 ? "" : "/";
    const trail = rand(10) === 0 ? "/" : "";
    out.push(lead + parts.join("/") + trail);
  }
  return out;
}
