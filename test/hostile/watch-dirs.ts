/**
 * What a run may have written where it should not: the listing of a directory tree
 * (names, types and sizes, never following symlinks, never opening a FIFO) to compare
 * before and after, and the new entries of a directory such as os.tmpdir().
 */
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

/** "path type size" lines of everything under `root`, sorted. */
export async function listing(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const path = join(dir, e.name);
      const st = await lstat(path).catch(() => undefined);
      const type = e.isDirectory() ? "d" : e.isSymbolicLink() ? "l" : e.isFIFO() ? "p" : e.isFile() ? "f" : "o";
      out.push(`${rel}${e.name} ${type} ${type === "f" ? (st?.size ?? -1) : 0}`);
      if (e.isDirectory()) await walk(path, `${rel}${e.name}/`);
    }
  };
  await walk(root, "");
  return out.sort();
}

export async function names(dir: string): Promise<Set<string>> {
  return new Set(await readdir(dir).catch(() => []));
}

/** Entries of `after` not in `before` nor in `ignore`. */
export function added(before: Set<string>, after: Set<string>, ignore: readonly string[] = []): string[] {
  return [...after].filter((n) => !before.has(n) && !ignore.includes(n));
}

/** Lines of `after` that differ from `before` (added or changed), and those gone. */
export function changes(before: readonly string[], after: readonly string[]): string[] {
  const b = new Set(before);
  const a = new Set(after);
  return [...after.filter((l) => !b.has(l)).map((l) => `+${l}`), ...before.filter((l) => !a.has(l)).map((l) => `-${l}`)];
}
