/**
 * Files that should not ship in an image (dockle DKL-LI-0003 "Only put
 * necessary files", CIS 4.x hygiene). `strayFileKind(path)` returns one of:
 *
 * Source-control and build leftovers (the directory and everything under it):
 * - `git-directory`: a `.git` path component
 * - `vcs-directory`: a `.svn` or `.hg` path component
 * Build files copied in with the sources (by file name):
 * - `dockerfile`: `Dockerfile`, `Containerfile`, `Dockerfile.*`, `*.Dockerfile`
 * - `compose-file`: `docker-compose.yml`, `compose.yaml`, `docker-compose.*.yml`, ...
 * - `dockerignore`: `.dockerignore`
 * Operating system and editor litter:
 * - `os-metadata`: `.DS_Store`, `Thumbs.db`, `__MACOSX` components
 * - `editor-temp`: vim swap files (`.name.swp`, `.swo`, ...), emacs
 *   autosave/lock files (`#name#`, `.#name`), backups ending in `~`
 * Package manager caches (entries inside the directory, not the directory):
 * - `apk-cache`: `/var/cache/apk/*`
 * - `apt-lists`: `/var/lib/apt/lists/*` except `lock`, `partial`, `auxfiles`
 * - `apt-cache`: `/var/cache/apt/*.bin`, `/var/cache/apt/archives/*.deb`
 * - `yum-cache`, `dnf-cache`: `/var/cache/yum/*`, `/var/cache/dnf/*`
 * - `zypper-cache`: `/var/cache/zypp/packages/*`
 * - `pacman-cache`: `/var/cache/pacman/pkg/*`
 * Language toolchain caches (the directory and everything under it, in any home):
 * - `go-build-cache`: `.cache/go-build`
 * - `go-module-cache`: `go/pkg/mod` (e.g. `/root/go/pkg/mod`, `/go/pkg/mod`)
 * - `npm-cache`: `.npm/_cacache`
 * - `pip-cache`: `.cache/pip`
 * - `yarn-cache`: `.cache/yarn`
 * - `python-bytecode-cache`: `__pycache__` (common in Python images; policies
 *   will usually treat it as informational)
 */

import { lastSegment } from "./path-tail.js";

interface PrefixRule {
  prefix: string;
  kind: string;
  accept?: (rest: string) => boolean;
}

const APT_LISTS_KEEP: ReadonlySet<string> = new Set(["lock", "partial", "auxfiles"]);

/** (Every prefix starts with "/var/": `strayFileKind` looks no further for other paths.) */
const PREFIX_RULES: readonly PrefixRule[] = [
  { prefix: "/var/cache/apk/", kind: "apk-cache" },
  { prefix: "/var/lib/apt/lists/", kind: "apt-lists", accept: (rest) => !APT_LISTS_KEEP.has(rest) },
  {
    prefix: "/var/cache/apt/",
    kind: "apt-cache",
    accept: (rest) => /^[^/]+\.bin$/.test(rest) || /^archives\/[^/]+\.deb$/.test(rest),
  },
  { prefix: "/var/cache/yum/", kind: "yum-cache" },
  { prefix: "/var/cache/dnf/", kind: "dnf-cache" },
  { prefix: "/var/cache/zypp/packages/", kind: "zypper-cache" },
  { prefix: "/var/cache/pacman/pkg/", kind: "pacman-cache" },
];

const SEGMENT_RULES: readonly { segments: readonly string[]; kind: string }[] = [
  { segments: [".git"], kind: "git-directory" },
  { segments: [".svn"], kind: "vcs-directory" },
  { segments: [".hg"], kind: "vcs-directory" },
  { segments: ["__MACOSX"], kind: "os-metadata" },
  { segments: [".cache", "go-build"], kind: "go-build-cache" },
  { segments: ["go", "pkg", "mod"], kind: "go-module-cache" },
  { segments: [".npm", "_cacache"], kind: "npm-cache" },
  { segments: [".cache", "pip"], kind: "pip-cache" },
  { segments: [".cache", "yarn"], kind: "yarn-cache" },
  { segments: ["__pycache__"], kind: "python-bytecode-cache" },
];

function containsRun(parts: readonly string[], run: readonly string[]): boolean {
  for (let i = 0; i + run.length <= parts.length; i++) {
    let j = 0;
    while (j < run.length && parts[i + j] === run[j]) j++;
    if (j === run.length) return true;
  }
  return false;
}

function fileNameKind(base: string): string | undefined {
  if (/^(?:Dockerfile|Containerfile)(?:\.[^/]+)?$/.test(base) || /\.(?:Dockerfile|dockerfile|Containerfile)$/.test(base)) {
    return "dockerfile";
  }
  if (/^(?:docker-)?compose(?:\.[\w-]+)?\.ya?ml$/.test(base)) return "compose-file";
  if (base === ".dockerignore") return "dockerignore";
  if (base === ".DS_Store" || base === "Thumbs.db") return "os-metadata";
  if (/^\..+\.sw[a-p]$/.test(base)) return "editor-temp";
  if (/^#.+#$/.test(base) || base.startsWith(".#") || (base.length > 1 && base.endsWith("~"))) {
    return "editor-temp";
  }
  return undefined;
}

/**
 * Whether `fileNameKind` may find something in a name: every pattern it has needs a
 * name starting with "." or "#", ending in "~", or holding one of these words.
 * (The classifiers run for every entry of an image: most names are ruled out here.)
 */
function mayBeNamed(base: string): boolean {
  const c = base.charCodeAt(0);
  return (
    c === 0x2e ||
    c === 0x23 ||
    base.endsWith("~") ||
    base.includes("ockerfile") ||
    base.includes("Containerfile") ||
    base.includes("compose") ||
    base === "Thumbs.db"
  );
}

/** A path segment equal to the last segment of some SEGMENT_RULES run: without one, no run can match. */
const SEGMENT_HINT = new RegExp(
  `(?:^|/)(?:${[...new Set(SEGMENT_RULES.map((r) => r.segments[r.segments.length - 1]!))].map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})(?:/|$)`,
);

/** The kind of unnecessary file at `path` (absolute, normalized), or undefined. */
export function strayFileKind(path: string): string | undefined {
  return strayKindOf(path, lastSegment(path));
}

/** `strayFileKind` for a path whose last segment (`lastSegment`) is known. */
export function strayKindOf(path: string, base: string): string | undefined {
  if (base === "") return undefined;
  if (SEGMENT_HINT.test(path)) {
    const parts = path.split("/").filter((p) => p !== "");
    for (const rule of SEGMENT_RULES) {
      if (containsRun(parts, rule.segments)) return rule.kind;
    }
  }
  if (path.startsWith("/var/")) {
    for (const rule of PREFIX_RULES) {
      if (!path.startsWith(rule.prefix)) continue;
      const rest = path.slice(rule.prefix.length);
      if (rest !== "" && (rule.accept?.(rest) ?? true)) return rule.kind;
    }
  }
  return mayBeNamed(base) ? fileNameKind(base) : undefined;
}
