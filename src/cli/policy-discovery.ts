/** Finds the policy to use when none is named: .imgpolicy.yaml in the working directory or above. */
import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";

export const CONFIG_NAMES = [".imgpolicy.yaml", ".imgpolicy.yml", ".imgpolicy.json"];

export async function discoverPolicy(from: string): Promise<string | undefined> {
  let dir = from;
  for (;;) {
    for (const name of CONFIG_NAMES) {
      const p = join(dir, name);
      if (await stat(p).then((s) => s.isFile(), () => false)) return p;
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}
