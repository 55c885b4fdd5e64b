/**
 * File modes as container-structure-test and `ls -l` print them (not a rule, not
 * registered), for IMG-FILE-001's `permissions`.
 */

function rwx(mode: number, ls: boolean): string {
  const bit = (m: number, c: string) => (mode & m ? c : "-");
  const exec = (x: number, special: number, set: string) => {
    if (!ls || !(mode & special)) return bit(x, "x");
    return mode & x ? set : set.toUpperCase();
  };
  return (
    bit(0o400, "r") + bit(0o200, "w") + exec(0o100, 0o4000, "s") +
    bit(0o040, "r") + bit(0o020, "w") + exec(0o010, 0o2000, "s") +
    bit(0o004, "r") + bit(0o002, "w") + exec(0o001, 0o1000, "t")
  );
}

/**
 * Go's `os.FileMode.String()`, which container-structure-test compares `permissions`
 * with: type and special bits as letters ("d", "L", "D", "p", "u", "g", "c", "t" in
 * that order, "-" when none), then rwx: "-rwxr-xr-x", "drwxr-xr-x", "urwxr-xr-x" for
 * setuid, "dtrwxrwxrwx" for a sticky directory.
 */
export function goModeString(type: string | undefined, mode: number): string {
  let s = "";
  if (type === "dir") s += "d";
  if (type === "symlink") s += "L";
  if (type === "block" || type === "char") s += "D";
  if (type === "fifo") s += "p";
  if (mode & 0o4000) s += "u";
  if (mode & 0o2000) s += "g";
  if (type === "char") s += "c";
  if (mode & 0o1000) s += "t";
  return (s || "-") + rwx(mode, false);
}

const LS_TYPE: Record<string, string> = { dir: "d", symlink: "l", char: "c", block: "b", fifo: "p" };

/** `ls -l`: "-rwsr-xr-x", "drwxrwxrwt". */
export function lsModeString(type: string | undefined, mode: number): string {
  return (type === undefined ? "-" : (LS_TYPE[type] ?? (type === "file" || type === "hardlink" ? "-" : "?"))) + rwx(mode, true);
}
