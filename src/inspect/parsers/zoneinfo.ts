/**
 * Time zone database (tzdata) helpers: find zone files in an image and check
 * whether a `TZ` environment value will resolve inside it.
 */

/** Directories where libc implementations look for zone files. */
export const ZONEINFO_ROOTS: readonly string[] = [
  "/usr/share/zoneinfo",
  "/usr/lib/zoneinfo",
  "/usr/share/lib/zoneinfo",
];

/**
 * Files tzdata installs beside the zones that are not zones themselves.
 * `posixrules` is a real TZif file, but it is the default DST rule set that
 * libc applies to POSIX TZ strings without rules, not a zone anyone selects,
 * so it is excluded too. `localtime` (a link some distributions add back to
 * /etc/localtime) is excluded for the same reason. Zones in the `posix/` and
 * `right/` subtrees are kept: `TZ=right/UTC` is a valid setting.
 */
const NOT_ZONES: ReadonlySet<string> = new Set([
  "zone.tab",
  "zone1970.tab",
  "zonenow.tab",
  "iso3166.tab",
  "tzdata.zi",
  "leapseconds",
  "leap-seconds.list",
  "+VERSION",
  "SECURITY",
  "README",
  "posixrules",
  "localtime",
]);

const ROOT_DIRS = ZONEINFO_ROOTS.map((root) => root + "/");

/** (It runs for every entry of an image: every root is under /usr/, so most paths stop at the first test.) */
function rootOf(path: string): string | undefined {
  if (!path.startsWith("/usr/")) return undefined;
  for (let i = 0; i < ROOT_DIRS.length; i++) if (path.startsWith(ROOT_DIRS[i]!)) return ZONEINFO_ROOTS[i];
  return undefined;
}

/** True when the path lies under one of the zoneinfo roots. */
export function isZoneinfoPath(path: string): boolean {
  return rootOf(path) !== undefined;
}

/**
 * The zone name (e.g. `Europe/Paris`) for a file under a zoneinfo root, or
 * undefined for paths outside the roots and for the non-zone files above.
 */
export function zoneName(path: string): string | undefined {
  const root = rootOf(path);
  if (!root) return undefined;
  const name = path.slice(root.length + 1).replace(/\/+$/, "");
  if (name === "") return undefined;
  const parts = name.split("/");
  const base = parts[parts.length - 1];
  if (NOT_ZONES.has(base) || base.endsWith(".tab")) return undefined;
  if (parts.some((p) => p === "" || p.startsWith("."))) return undefined;
  return name;
}

/** True when the bytes start with the TZif magic. */
export function isTzif(first: Uint8Array): boolean {
  return first.length >= 4 && first[0] === 0x54 && first[1] === 0x5a && first[2] === 0x69 && first[3] === 0x66;
}

export interface TzCheck {
  tz: string | undefined;
  /**
   * none: TZ unset or empty (libc uses /etc/localtime, else UTC);
   * zone: a zone name looked up in the zoneinfo database;
   * posix: a POSIX TZ rule string that needs no file;
   * path: an absolute path to a zone file.
   */
  kind: "none" | "zone" | "posix" | "path";
  /** The data this TZ needs is present (always true for none and posix). */
  exists: boolean;
  problem?: string;
}

// POSIX TZ: std offset [dst [offset] [,start[/time],end[/time]]]
const NAME = "(?:[A-Za-z]{3,}|<[A-Za-z0-9+-]{3,}>)";
const OFFSET = "[+-]?\\d{1,3}(?::\\d{1,2}){0,2}";
const DATE = "(?:J\\d{1,3}|\\d{1,3}|M\\d{1,2}\\.\\d\\.\\d)";
const RULE = `${DATE}(?:/${OFFSET})?`;
const POSIX_TZ = new RegExp(`^${NAME}${OFFSET}(?:${NAME}(?:${OFFSET})?(?:,${RULE},${RULE})?)?$`);

/** True when the string is a POSIX TZ rule such as `UTC0` or `EST5EDT,M3.2.0,M11.1.0`. */
export function isPosixTz(tz: string): boolean {
  return POSIX_TZ.test(tz);
}

/**
 * Checks a TZ value against the zone names found in the image. `zones` holds
 * zone names as returned by `zoneName`; it may also hold absolute paths,
 * which are consulted for `TZ=/some/path` values outside the zoneinfo roots.
 *
 * glibc and musl try a file first and fall back to parsing the value as a
 * POSIX string, so a value that is both (e.g. `EST5EDT`) is a zone when the
 * file exists and posix otherwise. Bare `UTC` and `GMT` are treated as posix:
 * both libcs fall back to UTC under that name when no file exists (with or
 * without a leading `:`). Otherwise a leading `:` means "a file" (POSIX leaves
 * it implementation-defined), so `:EST5EDT` needs the zone file.
 */
export function checkTz(tz: string | undefined, zones: ReadonlySet<string>): TzCheck {
  if (tz === undefined || tz === "") return { tz, kind: "none", exists: true };
  const forced = tz.startsWith(":");
  const value = forced ? tz.slice(1) : tz;
  if (value === "") return { tz, kind: "none", exists: true };

  if (value.startsWith("/")) {
    const name = zoneName(value);
    const exists = zones.has(value) || (name !== undefined && zones.has(name));
    return exists
      ? { tz, kind: "path", exists }
      : { tz, kind: "path", exists, problem: `TZ file '${value}' is not in the image` };
  }
  if (zones.has(value)) return { tz, kind: "zone", exists: true };
  if (value === "UTC" || value === "GMT" || (!forced && isPosixTz(value))) {
    return { tz, kind: "posix", exists: true };
  }
  const problem =
    zones.size === 0
      ? `image has no time zone database (tzdata) for TZ '${value}'`
      : `time zone '${value}' is not in the image's zoneinfo`;
  return { tz, kind: "zone", exists: false, problem };
}
