/**
 * Finds the policy to use when none is named: .imgpolicy.yaml in the working directory
 * or above. Whatever is there under that name is the policy, whatever its kind: a FIFO,
 * a directory or a dangling symlink is reported by the loader (policy-reader.ts) as one
 * that cannot be read, rather than skipped for a policy further up or for 'base' — a
 * check must not quietly run under another policy than the checkout's. Nothing is opened
 * here (lstat only).
 */
import { lstat } from "node:fs/promises";
import { dirname, join } from "node:path";

export const CONFIG_NAMES = [".imgpolicy.yaml", ".imgpolicy.yml", ".imgpolicy.json"];

export async function discoverPolicy(from: string): Promise<string | undefined> {
  let dir = from;
  for (;;) {
    for (const name of CONFIG_NAMES) {
      const p = join(dir, name);
      if (await lstat(p).then(() => true, () => false)) return p;
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}
