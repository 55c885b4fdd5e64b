/**
 * Where the search for known token formats inside files (secret-contents.ts) does not
 * look by default: directories whose text a distribution's packages ship (documentation,
 * headers, package databases, the standard libraries of Perl, Python and Go). They hold
 * no application's secrets, hold token-shaped examples on purpose, and are most of a
 * Debian image's text (bench, 902 MB Debian image: 145 of its 149 MB of text files).
 * trivy's secret scanner skips more (all of /usr/share, /usr/include, /usr/lib); this
 * list keeps /usr/share/nginx/html and the like, where web bundles are served from.
 *
 * An entry is an absolute directory path ending in "/"; a `*` stands for any characters
 * of one path segment but "/" (`/usr/lib/python3*` covers python3.11). Policies replace
 * the list through IMG-FS-007's `skipDirs`. Plain data: it crosses into scan workers.
 */
export const DEFAULT_TOKEN_SKIP_DIRS: readonly string[] = [
  "/usr/include/",
  "/usr/share/doc/",
  "/usr/share/man/",
  "/usr/share/info/",
  "/usr/share/locale/",
  "/usr/share/i18n/",
  "/usr/share/perl/",
  "/usr/share/perl5/",
  "/usr/share/X11/",
  "/usr/share/zoneinfo/",
  "/usr/share/mime/",
  "/usr/share/cmake*/",
  "/usr/share/go*/",
  "/usr/lib/python3*/",
  "/usr/lib/gcc/",
  "/usr/lib/go*/",
  "/usr/local/go/",
  "/var/lib/dpkg/",
  "/var/lib/apt/",
  "/var/cache/debconf/",
  "/lib/apk/db/",
  "/var/lib/rpm/",
];

/** What a skip-list entry must look like (the policy schema's pattern). */
export const SKIP_DIR_PATTERN = "^/([^/]+/)*$";

/** Whether a path lies in one of the directories (one regular expression: entries are anchored, `*` never crosses a "/"). */
export function skipDirsMatcher(dirs: readonly string[]): (path: string) => boolean {
  const valid = dirs.filter((d) => new RegExp(SKIP_DIR_PATTERN).test(d));
  if (valid.length === 0) return () => false;
  if (valid.includes("/")) return () => true;
  const alt = valid.map((d) => d.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")).join("|");
  const re = new RegExp(`^(?:${alt})`);
  return (path) => re.test(path);
}
