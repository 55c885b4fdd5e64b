/**
 * What a run wrote, created or removed on the filesystem, from `strace -f -y` of its
 * file system calls: a precise account of "nothing written outside the sandbox", which
 * a snapshot of os.tmpdir() cannot give on a machine where other test runs create
 * entries there at the same time. Used when strace is installed.
 *
 * Each successful call that creates, opens for writing, truncates, links, renames or
 * removes gives its path: an open's from the descriptor strace resolves (`= 5</path>`),
 * the others' from their arguments (joined to their `dirfd</dir>`, or to the working
 * directory for a relative path). Calls split by threads (`<unfinished ...>`, then
 * `<... name resumed>`) are joined first.
 */
import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";

export const STRACE = "/usr/bin/strace";
export const haveStrace = (): boolean => existsSync(STRACE);

const CALLS = ["open", "openat", "creat", "mkdir", "mkdirat", "mknod", "mknodat", "symlink", "symlinkat", "link", "linkat", "rename", "renameat", "renameat2", "unlink", "unlinkat", "rmdir", "truncate"];

/** strace's arguments, to go before the command. */
export function straceArgs(out: string): string[] {
  return [STRACE, "-f", "-qq", "--seccomp-bpf", "-s", "8192", "-y", "-e", `trace=${CALLS.join(",")}`, "-o", out];
}

/** Complete calls, "name(args) = ret", joined across <unfinished ...> / <... resumed>. */
function calls(text: string): string[] {
  const pending = new Map<string, string>();
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [, pid, rest] = m as unknown as [string, string, string];
    if (rest.endsWith("<unfinished ...>")) {
      pending.set(pid, rest.slice(0, -"<unfinished ...>".length));
      continue;
    }
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(rest);
    if (resumed) {
      out.push((pending.get(pid) ?? "") + resumed[1]);
      pending.delete(pid);
    } else out.push(rest);
  }
  return out;
}

/** The quoted string arguments of a call and the dirfds before them ("3</dir>", or AT_FDCWD). */
function pathArgs(args: string): { dir?: string; path: string }[] {
  const out: { dir?: string; path: string }[] = [];
  const re = /(?:(AT_FDCWD|\d+<([^>]*)>),\s*)?"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(args); m; m = re.exec(args)) out.push({ ...(m[2] !== undefined ? { dir: m[2] } : {}), path: m[3]! });
  return out;
}

/** Paths written, created or removed, absolute. */
export function writtenPaths(trace: string, cwd: string): string[] {
  const paths: string[] = [];
  for (const call of calls(trace)) {
    const m = /^(\w+)\((.*)\)\s+=\s+(-?\d+)(?:<([^>]*)>)?/.exec(call);
    if (!m) continue;
    const [, name, args, ret, fdPath] = m as unknown as [string, string, string, string, string | undefined];
    if (Number(ret) < 0 || !CALLS.includes(name)) continue;
    if (name === "open" || name === "openat") {
      if (!/O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/.test(args)) continue;
      paths.push(fdPath ?? pathArgs(args)[0]?.path ?? "?");
      continue;
    }
    // a symlink's target and a hardlink's existing name are not written
    const skipFirst = name.startsWith("symlink") || name.startsWith("link");
    pathArgs(args).forEach(({ dir, path }, i) => {
      if (!(skipFirst && i === 0)) paths.push(isAbsolute(path) ? path : join(dir ?? cwd, path));
    });
  }
  return paths;
}

/** Paths outside every allowed root. */
export function outside(paths: readonly string[], allowed: readonly string[]): string[] {
  return [...new Set(paths)].filter((p) => !allowed.some((root) => p === root || p.startsWith(root.endsWith("/") ? root : `${root}/`)));
}
