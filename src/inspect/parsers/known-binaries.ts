/**
 * Classifies executables that matter for image hardening policies (shells,
 * package managers, interpreters, network tools) by their path. Only files
 * directly inside one of `BIN_DIRS` count; resolving symlinks (e.g. busybox
 * applets) is up to the caller.
 */

/** Directories on the default PATH of container images. */
export const BIN_DIRS: readonly string[] = [
  "/bin",
  "/sbin",
  "/usr/bin",
  "/usr/sbin",
  "/usr/local/bin",
  "/usr/local/sbin",
];

export type BinaryKind = "shell" | "package-manager" | "interpreter" | "network-tool";

export interface BinaryClass {
  kind: BinaryKind;
  /** The file name as found, e.g. `python3.12`. */
  name: string;
}

const EXACT: ReadonlyMap<string, BinaryKind> = new Map<string, BinaryKind>([
  ...["sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish", "busybox", "pwsh"].map(
    (n) => [n, "shell"] as const,
  ),
  ...[
    "apk", "apt", "apt-get", "aptitude", "dpkg", "yum", "dnf", "dnf5", "microdnf", "tdnf", "rpm",
    "zypper", "pacman", "pip", "pip3", "pipx", "npm", "yarn", "pnpm", "gem",
  ].map((n) => [n, "package-manager"] as const),
  ...[
    "python", "python2", "python3", "perl", "ruby", "node", "nodejs", "php", "lua", "luajit",
    "deno", "bun", "tclsh", "Rscript", "java",
  ].map((n) => [n, "interpreter"] as const),
  ...[
    "curl", "wget", "nc", "ncat", "netcat", "socat", "telnet", "ftp", "tftp", "ssh", "scp", "sftp",
    "nmap",
  ].map((n) => [n, "network-tool"] as const),
]);

/** Versioned names such as `python3.12`, `perl5.36.0`, `pip3.11`, `php8.2`. */
const VERSIONED: readonly { pattern: RegExp; kind: BinaryKind }[] = [
  { pattern: /^pip\d+(?:\.\d+)*$/, kind: "package-manager" },
  { pattern: /^(?:python|perl|ruby|php|lua|node|tclsh)\d+(?:\.\d+)*$/, kind: "interpreter" },
];

/** The class of the executable at `path` (absolute, normalized), or undefined. */
/**
 * What a program is, by its name, when it sits directly in a bin directory: the
 * standard ones, plus `extraDirs` (the image's PATH, e.g. distroless debug's /busybox).
 */
export function classifyBinary(path: string, extraDirs: readonly string[] = []): BinaryClass | undefined {
  const slash = path.lastIndexOf("/");
  if (slash < 0 || slash === path.length - 1) return undefined;
  if (!(inOneOf(path, slash, BIN_DIRS) || inOneOf(path, slash, extraDirs))) return undefined;
  const name = path.slice(slash + 1);
  const exact = EXACT.get(name);
  if (exact) return { kind: exact, name };
  const versioned = VERSIONED.find((v) => v.pattern.test(name));
  return versioned ? { kind: versioned.kind, name } : undefined;
}

/**
 * Whether the path, whose last "/" is at `slash`, lies directly in one of `dirs`. (It runs
 * for every entry of an image: the directory is compared in place, not cut out.)
 */
function inOneOf(path: string, slash: number, dirs: readonly string[]): boolean {
  for (let i = 0; i < dirs.length; i++) {
    const d = dirs[i]!;
    if (d === "/" ? slash === 0 : d.length > 0 && slash === d.length && path.startsWith(d)) return true;
  }
  return false;
}
