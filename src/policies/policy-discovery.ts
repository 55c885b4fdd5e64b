/**
 * Finds the policy to use when none is named: .imgpolicy.yaml (or .yml, .json) in the
 * working directory or above, up to the repository root (the directory holding .git,
 * a directory or a worktree's file): a policy of a checkout is the checkout's, never one
 * of a directory that happens to hold it. Two of those names in one directory is an
 * error naming both, rather than a silent choice.
 *
 * Whatever is there under such a name is the policy, whatever its kind: a FIFO, a
 * directory or a dangling symlink is reported by the loader (policy-reader.ts) as one
 * that cannot be read, rather than skipped for a policy further up or for 'base' — a
 * check must not quietly run under another policy than the checkout's. Nothing is
 * opened here (lstat and stat only).
 *
 * A policy found is used only when it is the user's own or root's (the file, and what a
 * symlink there points at), as git takes a repository only from its owner: a directory
 * others can write to (/tmp, a shared one, any directory above a checkout-less working
 * directory) could otherwise hand a check a policy that turns rules off. One of another
 * owner is an error naming it and its owner; `--policy FILE` uses it on purpose.
 *
 * The path returned is relative to `from` (the working directory), as the report records
 * it: `.imgpolicy.yaml`, `../.imgpolicy.yaml`.
 */
import { lstat, stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { PolicyError } from "../errors.js";
import { shownText } from "./policy-types.js";

export const CONFIG_NAMES = [".imgpolicy.yaml", ".imgpolicy.yml", ".imgpolicy.json"];

const exists = (p: string) => lstat(p).then(() => true, () => false);

export async function discoverPolicy(from: string): Promise<string | undefined> {
  let dir = from;
  for (;;) {
    const found: string[] = [];
    for (const name of CONFIG_NAMES) if (await exists(join(dir, name))) found.push(relative(from, join(dir, name)));
    if (found.length > 1) {
      throw new PolicyError(`${found.map((f) => shownText(f, 200, false)).join(" and ")} are both policies of ${shownText(dir, 200, false)}: keep one, or name it with --policy`);
    }
    if (found.length === 1) {
      await mustBeTrusted(join(from, found[0]!), found[0]!);
      return found[0];
    }
    if (await exists(join(dir, ".git"))) return undefined;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** Refuses a found policy that is neither the user's nor root's (no check where there are no uids). */
async function mustBeTrusted(path: string, shown: string, uid = process.getuid?.()): Promise<void> {
  if (uid === undefined) return;
  const owners = [(await lstat(path)).uid];
  // (what a symlink points at is what is read; a dangling one the loader reports)
  const target = await stat(path).catch(() => undefined);
  if (target) owners.push(target.uid);
  const other = owners.find((o) => o !== uid && o !== 0);
  if (other !== undefined) {
    throw new PolicyError(
      `${shownText(shown, 200, false)} belongs to uid ${other}, neither you (uid ${uid}) nor root: a policy another user could have put there is not used unnamed; name it with --policy to use it`,
    );
  }
}
