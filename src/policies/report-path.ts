/**
 * A file as reports name it: relative to the working directory, with `/` separators,
 * when it lies inside it (`ci/policy.yaml`), else absolute. The policies of a release
 * gate's list and the sources of waivers are named so, so that reports of runs from
 * two checkouts of one repository (the shards of a gate on two runners) agree.
 */
import { isAbsolute, relative, resolve, sep } from "node:path";

export function reportPath(file: string, cwd = process.cwd()): string {
  const abs = resolve(cwd, file);
  const rel = relative(resolve(cwd), abs);
  if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return abs;
  return rel.split(sep).join("/");
}
