/** The program the container runs: Entrypoint + Cmd, resolved through PATH and symlinks. */
import type { FileTree } from "../fs/file-tree.js";
import { joinInRoot } from "../fs/image-path.js";
import type { ContainerConfig } from "../image.js";
import { redactArgv } from "../parsers/redact-text.js";
import { commandForm } from "./config-facts.js";
import { envValue } from "./interest.js";
import type { EntrypointFact } from "./types.js";

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function entrypointFact(tree: FileTree, cfg: ContainerConfig | undefined): EntrypointFact {
  const entry = cfg?.Entrypoint ?? [];
  const cmd = cfg?.Cmd ?? [];
  const argv = [...entry, ...cmd];
  // the fact shows the arguments with their credentials redacted; the program is found from the raw ones
  const shown = redactArgv(argv);
  if (argv.length === 0) return { argv: shown, viaShell: false, found: false, problem: "the image sets neither ENTRYPOINT nor CMD" };
  const viaShell = commandForm(entry.length ? entry : cmd, cfg?.Shell) === "shell";
  // shell form runs argv[0], the shell, first: without it nothing starts (`FROM scratch` + `ENTRYPOINT /app`)
  if (viaShell) {
    const shell = argv[0]!;
    const r = tree.resolve(joinInRoot(cfg?.WorkingDir || "/", shell));
    if (!r.ok || r.record.type !== "file") {
      return { argv: shown, program: shell, viaShell, found: false, problem: `${shell}, the shell that runs the shell-form command, is not in the image` };
    }
  }
  // shell form: judge the command the shell runs, when its first word is a plain program name
  const script = viaShell ? argv[argv.length - 1 - (entry.length && cmd.length ? cmd.length : 0)] : undefined;
  const first = script ? /^\s*(?:exec\s+)?([\w./+-]+)(?=\s|$)/.exec(script)?.[1] : undefined;
  const program = first ?? argv[0]!;
  const f: EntrypointFact = { argv: shown, program, viaShell, found: false };
  const candidates: string[] = [];
  if (program.includes("/")) {
    candidates.push(joinInRoot(cfg?.WorkingDir || "/", program));
  } else {
    const path = envValue(cfg?.Env, "PATH") ?? DEFAULT_PATH;
    for (const dir of path.split(":")) if (dir.startsWith("/")) candidates.push(joinInRoot(dir, program));
  }
  for (const c of candidates) {
    const r = tree.resolve(c);
    if (r.ok && r.record.type === "file") {
      f.found = true;
      f.resolved = { path: r.path, layer: r.record.layer };
      f.executable = (r.record.mode & 0o111) !== 0;
      if (r.record.elf) {
        f.elf = r.record.elf;
        // a dynamic binary whose loader is absent cannot start (a cgo binary in scratch)
        if (r.record.elf.interpreter) f.interpreterPresent = tree.resolve(r.record.elf.interpreter).ok;
      }
      if (!f.executable) f.problem = `${r.path} is not executable (mode ${r.record.mode.toString(8).padStart(4, "0")})`;
      return f;
    }
    if (!r.ok && r.reason === "loop") {
      f.problem = `${c}: too many levels of symbolic links`;
      return f;
    }
    // (the engine's exec of a directory or a device fails with "permission denied")
    if (r.ok && program.includes("/")) {
      f.problem = `${r.path} is a ${r.record.type === "dir" ? "directory" : `${r.record.type} file`}, not a program`;
      return f;
    }
  }
  f.problem = program.includes("/")
    ? `${candidates[0]} does not exist in the image`
    : `'${program}' is not found in PATH (${candidates.map((c) => c.slice(0, c.lastIndexOf("/")) || "/").join(":")})`;
  return f;
}
