/**
 * Where the search for known token formats inside files (secret-contents.ts) does not
 * look by default: directories whose text a distribution's packages ship (documentation,
 * headers, package databases, the standard libraries of Perl, Python and Go). They hold
 * no application's secrets, hold token-shaped examples on purpose, and are most of a
 * Debian image's text (bench, 902 MB Debian image: 145 of its 149 MB of text files).
 * trivy's secret scanner skips more (all of /usr/share, /usr/include, /usr/lib); this
 * list keeps /usr/share/nginx/html and the like, where web bundles are served from, and
 * the site-packages where Alpine's pip installs applications.
 *
 * An entry is an absolute directory path ending in "/"; a `*` stands for any characters
 * within one path segment (`/usr/lib/python3.*` covers python3.11); an entry that starts
 * with "!" is an exception: what it matches is searched even inside a skipped directory.
 * Matched segment by segment, without regular expressions, in time linear in the path
 * for each entry. Policies replace the list through IMG-FS-007's `skipDirs`. Plain data:
 * it crosses into scan workers.
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
  "/usr/share/cmake-*/",
  "/usr/share/go-*/",
  "/usr/lib/python3.*/",
  "!/usr/lib/python3.*/site-packages/",
  "/usr/lib/gcc/",
  "/usr/lib/go-*/",
  "/usr/local/go/",
  "/var/lib/dpkg/",
  "/var/lib/apt/",
  "/var/cache/debconf/",
  "/lib/apk/db/",
  "/var/lib/rpm/",
];

/** What a skip-list entry must look like (the policy schema's pattern): "!"?, then "/", segments each ending in "/". */
export const SKIP_DIR_PATTERN = "^!?/([^/]+/)*$";

/** Whether one path segment matches a segment pattern where `*` is any run of characters (greedy with one backtrack point: linear). */
function segmentMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] === text[t] && pattern[p] !== "*") {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      mark = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

/** The segments of a directory entry: "/usr/lib/" gives ["usr", "lib"]. */
const segmentsOf = (dir: string): string[] => dir.split("/").filter((s) => s !== "");

/** Whether the path lies inside the directory the segments name. */
function inside(segments: readonly string[], path: readonly string[]): boolean {
  if (path.length <= segments.length) return false;
  for (let i = 0; i < segments.length; i++) if (!segmentMatches(segments[i]!, path[i]!)) return false;
  return true;
}

/** Directories whose answer is remembered (a layer's files come directory by directory; a hostile one cannot grow it past this). */
const REMEMBERED = 4096;

/**
 * Whether a path lies in one of the directories and in none of the exceptions ("!" entries).
 * Malformed entries are ignored (the schema refuses them in policies). The answer depends
 * on the path's directory only: it is remembered per directory (bench, 902 MB Debian image:
 * 22 ms of the scan, the matcher run for each of its 22,000 files).
 */
export function skipDirsMatcher(dirs: readonly string[]): (path: string) => boolean {
  const re = new RegExp(SKIP_DIR_PATTERN);
  const valid = dirs.filter((d) => re.test(d));
  const skip = valid.filter((d) => !d.startsWith("!")).map(segmentsOf);
  const keep = valid.filter((d) => d.startsWith("!")).map((d) => segmentsOf(d.slice(1)));
  if (skip.length === 0) return () => false;
  const byDir = new Map<string, boolean>();
  let lastDir = "";
  let last = false;
  return (path) => {
    const cut = path.lastIndexOf("/") + 1;
    // (the files of a directory come one after another: the last answer, without a new string)
    if (cut === lastDir.length && path.startsWith(lastDir)) return last;
    const dir = path.slice(0, cut);
    let answer = byDir.get(dir);
    if (answer === undefined) {
      // (the directory and a name in it: `inside` asks for a path below the entry)
      const parts = (dir + "f").split("/").filter((s) => s !== "");
      answer = skip.some((s) => inside(s, parts)) && !keep.some((k) => inside(k, parts));
      if (byDir.size >= REMEMBERED) byDir.clear();
      byDir.set(dir, answer);
    }
    lastDir = dir;
    last = answer;
    return answer;
  };
}
