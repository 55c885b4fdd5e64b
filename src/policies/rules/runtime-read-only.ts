/** IMG-RUN-003: the container works with a read-only root; if not, which paths it writes and what to mount. */
import type { RuntimeFacts } from "../../runtime/runtime-types.js";
import { fail, pass, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";
import { listOf, ranOrSkip, ranWell } from "./runtime-helpers.js";

type Options = Record<string, never>;
type Write = NonNullable<RuntimeFacts["writes"]>[number];

/** An absolute path with `.`, `..`, repeated and trailing slashes resolved. */
function clean(p: string): string {
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return `/${out.join("/")}`;
}
const parent = (p: string): string => p.slice(0, p.lastIndexOf("/")) || "/";
const under = (p: string, dir: string): boolean => dir === "/" || p === dir || p.startsWith(`${dir}/`);
const below = (p: string, dir: string): boolean => p !== dir && under(p, dir);
const KIND = { added: "added", changed: "changed", deleted: "deleted" } as const;

/** A directory to make writable and the written paths (leaves) under it. */
interface Mount {
  dir: string;
  writes: Write[];
}

/**
 * Groups the writes into the fewest directories to mount: a directory the process
 * created (added, with entries below it) is mounted itself; any other written path
 * needs its parent directory. Directories changed only because something below them
 * changed are dropped, and nested directories merge into the outer one.
 */
export function mountsFor(writes: readonly Write[], tmpfs: readonly string[]): Mount[] {
  const mounted = tmpfs.map((t) => clean(t.split(":")[0]!));
  const ws = writes.map((w) => ({ ...w, path: clean(w.path) })).filter((w) => w.path !== "/" && !mounted.some((m) => under(w.path, m)));
  const hasBelow = (w: Write) => ws.some((o) => below(o.path, w.path));
  const addedDirs = ws.filter((w) => w.kind === "added" && hasBelow(w)).map((w) => w.path);
  const leaves = ws.filter((w) => !hasBelow(w));
  const dirs = new Map<string, Write[]>();
  for (const w of leaves) {
    // the outermost directory the process created around this path, else the path's parent
    const created = addedDirs.filter((d) => below(w.path, d)).sort((a, b) => a.length - b.length)[0];
    let dir = created ?? parent(w.path);
    if (dir === "/") dir = w.path;
    dirs.set(dir, [...(dirs.get(dir) ?? []), w]);
  }
  const out: Mount[] = [];
  for (const dir of [...dirs.keys()].sort((a, b) => a.length - b.length || a.localeCompare(b))) {
    const outer = out.find((m) => under(dir, m.dir));
    if (outer) outer.writes.push(...dirs.get(dir)!);
    else out.push({ dir, writes: [...dirs.get(dir)!] });
  }
  for (const m of out) m.writes.sort((a, b) => a.path.localeCompare(b.path));
  return out.sort((a, b) => a.dir.localeCompare(b.dir));
}

function failurePhrase(rt: RuntimeFacts): string {
  if (!rt.health?.healthy) return rt.exited ? `exited with code ${rt.exited.exitCode} before it became healthy` : "did not become healthy";
  return "did not stay up";
}

export const rule: Rule<Options> = {
  id: "IMG-RUN-003",
  title: "The container runs with a read-only root filesystem",
  category: "runtime",
  severity: "high",
  cis: "5.12",
  description:
    "Run with a read-only root filesystem and only the tmpfs mounts of `runtime.tmpfs` (default /tmp) writable, the container becomes healthy and stays up. When it does not, imgpolicy runs it again with a writable root (unless `runtime.writeProbe` is false) and lists the paths it writes outside the tmpfs mounts, with the directories to mount writable. Not applicable when the policy sets `runtime.readOnly: false`.",
  rationale:
    "CIS Docker Benchmark 5.12 (Ensure that the container's root filesystem is mounted as read only): a writable root lets an attacker who gets code execution replace binaries and plant files that persist for the container's life, and hides state that should live in a volume. Kubernetes `readOnlyRootFilesystem: true` and most hardened platforms require it, so an image that needs a writable root fails there at deploy time.",
  remediation:
    "Give the process a writable place for each directory the finding names, and keep the rest read-only: in the policy, add it to `runtime.tmpfs` (runtime: { tmpfs: [/tmp, /var/cache/app] }); with Docker, `docker run --read-only --tmpfs /tmp --tmpfs /var/cache/app`; in Kubernetes, an `emptyDir` volume mounted there. State that must survive a restart belongs in a real volume. Better still, make the program write only to /tmp or a configured directory (a flag or environment variable for its cache, PID or lock file). Never mount over the directory that holds the program itself.",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const { rt, outcome } = ranOrSkip(facts);
    if (!rt) return outcome;
    if (rt.profile?.readOnly === false) return skip("the policy runs the container with a writable root (runtime.readOnly: false)");
    if (ranWell(rt)) return pass();
    if (rt.writableRun && !rt.writableRun.healthy) {
      const how = rt.writableRun.detail ?? (rt.writableRun.exitCode !== undefined ? `exit code ${rt.writableRun.exitCode}` : "not healthy");
      return skip(`the container fails with a writable root too (${how}), so the read-only root is not what stops it (IMG-RUN-001 reports the failure)`);
    }
    if (!rt.writes) {
      return skip("the container failed under the read-only profile, and it was not run again with a writable root (runtime.writeProbe: false), so whether it writes to the root is not known");
    }
    const tmpfs = rt.profile?.tmpfs ?? [];
    const mounts = mountsFor(rt.writes, tmpfs);
    // Nothing written outside the tmpfs mounts: the read-only root is not what stops it (IMG-RUN-001/002 say what does).
    if (!mounts.length) return pass();
    const writable = rt.writableRun?.healthy ? "with a writable root it became healthy and" : "run with a writable root it";
    const program = facts.entrypoint.resolved?.path ?? facts.entrypoint.program;
    const allTmpfs = [...tmpfs.map((t) => t.split(":")[0]!), ...mounts.map((m) => m.dir)].map((d) => JSON.stringify(d)).join(", ");
    return fail(
      ...mounts.map((m): Finding => {
        const paths = m.writes.map((w) => w.path);
        const hidesProgram = program !== undefined && program.startsWith("/") && below(clean(program), m.dir);
        const topLevel = paths.length === 1 && paths[0] === m.dir;
        const advice = hidesProgram
          ? ` ${m.dir} also holds the program ${program}, so a mount there would hide it: make the program write elsewhere (a flag or environment variable for the path) and mount that instead.`
          : topLevel
            ? ` If ${m.dir} is a directory, mount it writable (runtime.tmpfs, or a volume); a file directly under / cannot get a mount of its own, so make the program write it under /tmp instead.`
            : ` Mount ${m.dir} writable: add it to runtime.tmpfs, or use a volume.`;
        return {
          message: `With a read-only root the container ${failurePhrase(rt)}; ${writable} wrote ${topLevel ? m.dir : `${listOf(paths, 5)} under ${m.dir}`}.${advice}`,
          location: { path: m.dir },
          expected: `${m.dir} writable: in the policy runtime: { tmpfs: [${allTmpfs}] }; with Docker --read-only --tmpfs ${m.dir}; or a volume (Kubernetes emptyDir) at ${m.dir}`,
          found: listOf(m.writes.map((w) => `${KIND[w.kind] ?? "?"} ${w.path}`), 8),
        };
      }),
    );
  },
};
