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
 * opened here (lstat only).
 *
 * The path returned is relative to `from` (the working directory), as the report records
 * it: `.imgpolicy.yaml`, `../.imgpolicy.yaml`.
 */
import { lstat } from "node:fs/promises";
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
    if (found.length === 1) return found[0];
    if (await exists(join(dir, ".git"))) return undefined;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}
