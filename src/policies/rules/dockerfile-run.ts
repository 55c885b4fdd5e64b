/**
 * RUN instructions of a parsed Dockerfile as shell scripts (not a rule, not registered):
 * their simple commands and package manager commands (through the same helpers the
 * history rules use), their --mount flags, the `go` commands they run with the
 * environment each sees, and the `||` / `;` lists that can hide a failure.
 */
import { builtStages } from "../../dockerfile/built-stages.js";
import { substituteAt } from "../../dockerfile/stages.js";
import type { Dockerfile, DockerfileInstruction, DockerfileStage } from "../../dockerfile/types.js";
import { packageCommand, type PackageCommand } from "./package-commands.js";
import { baseNameOf, commandWords, simpleCommands, subcommand, type SimpleCommand } from "./shell-commands.js";

const SHELLS = new Set(["sh", "bash", "ash", "dash", "zsh", "ksh", "mksh"]);
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

/** Quotes a word for the shell, so that commandWords() reads it back as one word. */
const quote = (w: string) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/**
 * The shell script a RUN runs: the shell-form line; an exec-form `["sh", "-c", "…"]`'s
 * script (other exec forms as quoted words); a here-document that is the command
 * (`RUN <<EOF`, `RUN bash <<EOF`) unless its first line names another interpreter.
 */
export function runScript(instr: DockerfileInstruction): string {
  if (instr.form === "exec" && instr.argv) {
    const argv = instr.argv;
    const c = argv.findIndex((a, i) => i > 0 && /^-[a-zA-Z]*c[a-zA-Z]*$/.test(a));
    if (SHELLS.has(baseNameOf(argv[0] ?? "")) && c > 0 && argv[c + 1] !== undefined) return argv[c + 1]!;
    return argv.map(quote).join(" ");
  }
  if (!instr.heredocs.length) return instr.args;
  const line = instr.args.replace(/<<-?(["']?)([A-Za-z0-9_.-]+)\1/g, "").trim();
  const first = line.split(/\s+/)[0] ?? "";
  const shellBody = line === "" || (SHELLS.has(baseNameOf(first)) && !/\s-[a-zA-Z]*c/.test(line));
  if (!shellBody) return line;
  const bodies = instr.heredocs.filter((h) => !/^#!(?!.*\b(?:ba|da|a|z|k)?sh\b)/.test(h.content)).map((h) => h.content);
  return [line === "" ? "" : line, ...bodies].filter(Boolean).join("\n");
}

export interface Run {
  instr: DockerfileInstruction;
  stage: DockerfileStage;
  script: string;
  /** The words of each simple command as written, assignments included. */
  words: string[][];
  commands: SimpleCommand[];
  packages: PackageCommand[];
}

/** The RUN instructions of the given stages (by default the stages the build runs: builtStages), in order. */
export function runs(df: Dockerfile, stages: ReadonlySet<number> = builtStages(df)): Run[] {
  const out: Run[] = [];
  for (const stage of df.stages) {
    if (!stages.has(stage.index)) continue;
    for (const instr of stage.instructions) {
      if (instr.keyword !== "RUN") continue;
      const script = runScript(instr);
      const commands = simpleCommands(script);
      out.push({ instr, stage, script, words: commandWords(script), commands, packages: commands.map(packageCommand).filter((p): p is PackageCommand => p !== undefined) });
    }
  }
  return out;
}

/** The options of each `--mount` of an instruction: [{ type: "cache", target: "/go/pkg/mod" }]. */
export function mounts(instr: DockerfileInstruction): Record<string, string>[] {
  return instr.flags.filter((f) => f.name === "mount").map((f) => ({ type: "bind", ...f.options }));
}

const normal = (p: string) => (p.replace(/\/+$/, "") || "/").replace(/\/+/g, "/");

/** Whether a `--mount` of `type` (default any) puts `path` inside its target (`target=/go` covers /go/pkg/mod). */
export function mountCovers(instr: DockerfileInstruction, path: string, type?: string): boolean {
  const want = normal(path);
  return mounts(instr).some((m) => {
    if (type && m.type !== type) return false;
    const target = m.target ?? m.dst ?? m.destination;
    if (!target) return false;
    const t = normal(target);
    return want === t || want.startsWith(t === "/" ? "/" : `${t}/`);
  });
}

export interface GoCommand {
  run: Run;
  /** "build", "install", "mod" (with `mod` the next word says what: "download", "tidy"), "env", "test"… */
  sub: string;
  /** Arguments after `go`. */
  args: string[];
  /** Environment the command sees from the script: `CGO_ENABLED=0 go build`, `env X=1 go build`, an earlier `export X=1`. */
  scriptEnv: Map<string, string>;
}

/** The `go` commands a RUN runs, each with the variables its script sets for it. */
export function goCommands(run: Run): GoCommand[] {
  const out: GoCommand[] = [];
  const exported = new Map<string, string>();
  for (const words of run.words) {
    if (words[0] === "export") {
      for (const w of words.slice(1)) {
        const m = ASSIGNMENT.exec(w);
        if (m) exported.set(m[1]!, m[2]!);
      }
      continue;
    }
    const cmds = simpleCommands(words.map(quote).join(" ")).filter((c) => c.program === "go");
    for (const cmd of cmds) {
      const sub = subcommand(cmd, ["-C"]);
      if (!sub) continue;
      const scriptEnv = new Map(exported);
      const goAt = words.findIndex((w) => baseNameOf(w) === "go");
      for (const w of words.slice(0, goAt < 0 ? 0 : goAt)) {
        const m = ASSIGNMENT.exec(w);
        if (m) scriptEnv.set(m[1]!, m[2]!);
      }
      out.push({ run, sub: sub.name, args: cmd.args, scriptEnv });
    }
  }
  return out;
}

/** Whether a go command compiles: build, install, test, run, vet. */
export const compiles = (g: GoCommand): boolean => ["build", "install", "test", "run", "vet"].includes(g.sub);

/** `go mod download` */
export const downloadsModules = (g: GoCommand): boolean => g.sub === "mod" && subWord(g) === "download";

/** The word after the subcommand: "download" in `go mod download`. */
function subWord(g: GoCommand): string | undefined {
  const i = g.args.indexOf(g.sub);
  return g.args.slice(i + 1).find((a) => !a.startsWith("-"));
}

/**
 * A variable's value for a go command, by the go command's own precedence: the script's
 * assignments, then the environment from ENV and ARG, then `go env -w` in an earlier RUN
 * of the same stages. Undefined when nothing sets it.
 */
export function goSetting(df: Dockerfile, g: GoCommand, name: string, chain: readonly DockerfileStage[]): { value: string; how: string } | undefined {
  const inline = g.scriptEnv.get(name);
  if (inline !== undefined) return { value: inline, how: `${name}=${inline} in the RUN` };
  const v = substituteAt(df, g.run.instr, `\${${name}}`);
  if (v.unresolved.length === 0) {
    const where = definedAt(df, g.run.instr, name, new Set(chain.map((s) => s.index)));
    const how = !where ? "" : where.buildArg ? ` (--build-arg ${name}, ARG at line ${where.line})` : ` (line ${where.line})`;
    return { value: v.text, how: `${name}=${v.text}${how}` };
  }
  let found: { value: string; how: string } | undefined;
  const stages = new Set(chain.map((s) => s.index));
  for (const run of runs(df, stages)) {
    if (run.instr.line >= g.run.instr.line && run.stage === g.run.stage) break;
    for (const e of goCommands(run)) {
      if (e.sub !== "env" || !e.args.includes("-w")) continue;
      for (const a of e.args) {
        const m = ASSIGNMENT.exec(a);
        if (m && m[1] === name) found = { value: m[2]!, how: `go env -w ${a} (line ${run.instr.line})` };
      }
    }
  }
  return found;
}

/** The last ENV or ARG before `instr` (in its stages) that gives `name` a value: its line, and whether a build arg gave it. */
function definedAt(df: Dockerfile, instr: DockerfileInstruction, name: string, stages: ReadonlySet<number>): { line: number; buildArg: boolean } | undefined {
  let out: { line: number; buildArg: boolean } | undefined;
  for (const i of df.instructions) {
    if (i === instr) break;
    if (i.stage >= 0 && !stages.has(i.stage)) continue;
    if (i.keyword !== "ENV" && i.keyword !== "ARG") continue;
    if (!i.properties.some((p) => p.name === name)) continue;
    const buildArg = i.keyword === "ARG" && Object.hasOwn(df.buildArgs, name);
    if (buildArg || i.properties.some((p) => p.name === name && p.value !== undefined)) out = { line: i.line, buildArg };
  }
  return out;
}

export interface ListItem {
  /** The operator before this command: "" for the first, ";", "\n", "&&", "||", "|", "&". */
  op: string;
  /** The command's words (its first simple command). */
  words: string[];
}

/**
 * The top-level list of a script: each command with the operator that joins it to the
 * one before. Quotes, `$( … )`, backquotes and parentheses are kept inside one item.
 */
export function shellList(script: string): ListItem[] {
  const items: ListItem[] = [];
  let op = "";
  let start = 0;
  let depth = 0;
  const push = (end: number, next: string) => {
    const words = commandWords(script.slice(start, end))[0] ?? [];
    if (words.length === 0) {
      // nothing between two operators: `a ||` + newline + `b` is still `a || b`
      if (!["&&", "||", "|"].includes(op)) op = items.length ? next : "";
      return;
    }
    items.push({ op, words });
    op = next;
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "'" || c === '"' || c === "`") {
      const close = closing(script, i, c);
      i = close < 0 ? script.length : close;
      continue;
    }
    if (c === "#" && (i === 0 || /\s/.test(script[i - 1]!))) {
      const nl = script.indexOf("\n", i);
      i = (nl < 0 ? script.length : nl) - 1;
      continue;
    }
    if (c === "(") depth++;
    else if (c === ")") depth = Math.max(0, depth - 1);
    if (depth > 0) continue;
    const two = script.slice(i, i + 2);
    if (two === "&&" || two === "||" || two === ";;") {
      push(i, two);
      start = i + 2;
      i++;
    } else if (c === ";" || c === "\n" || c === "|" || (c === "&" && script[i - 1] !== ">" && script[i + 1] !== ">")) {
      push(i, c);
      start = i + 1;
    }
  }
  push(script.length, "");
  return items;
}

function closing(s: string, open: number, q: string): number {
  for (let j = open + 1; j < s.length; j++) {
    if (s[j] === "\\" && q !== "'") j++;
    else if (s[j] === q) return j;
  }
  return -1;
}

/** The `go build` and `go install` commands that build the module itself (not `go install tool@version`), in the stages the build runs. */
export function goBuilds(df: Dockerfile): GoCommand[] {
  return runs(df)
    .flatMap(goCommands)
    .filter((g) => g.sub === "build" || (g.sub === "install" && !g.args.some((a) => !a.startsWith("-") && a.includes("@"))));
}
