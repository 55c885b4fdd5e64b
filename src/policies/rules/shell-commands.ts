/**
 * Simple commands of a RUN script (not a rule, not registered): enough of the POSIX
 * shell grammar to tell `apt-get update` the command from "apt-get update" in an
 * echo, and `sudo make` from `apt-get install sudo`.
 *
 * The script is split on unquoted `;`, `&`, `|`, newlines, parentheses and backticks;
 * quotes and backslashes are removed from words; comments and redirections are
 * dropped. In each simple command, leading `NAME=value` assignments, reserved words
 * (`if`, `then`, `do`, `!`, `{` …) and wrappers (`sudo`, `env`, `xargs`, `nohup`,
 * `eatmydata` …, with their options) are skipped to find the program. `sh -c 'script'`
 * is read as the script it runs.
 */

export interface SimpleCommand {
  /** Base name of the program run: "apt-get" for `/usr/bin/apt-get`. */
  program: string;
  args: string[];
  /** Wrappers the program runs under, outermost first: ["sudo"]. */
  wrappers: string[];
}

const RESERVED = new Set(["if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "case", "esac", "!", "{", "}", "in"]);

/** Wrappers and their options that take a value as the next word. */
const WRAPPERS: ReadonlyMap<string, { valueOptions: readonly string[]; positionals?: number }> = new Map([
  ["sudo", { valueOptions: ["-u", "-g", "-p", "-C", "-D", "-h", "-r", "-t", "-U", "-T", "--user", "--group", "--prompt", "--chdir", "--host", "--role", "--type", "--other-user", "--command-timeout", "--close-from"] }],
  ["doas", { valueOptions: ["-u", "-C"] }],
  ["env", { valueOptions: ["-u", "-C", "-S", "--unset", "--chdir", "--split-string"] }],
  ["exec", { valueOptions: ["-a"] }],
  ["nohup", { valueOptions: [] }],
  ["time", { valueOptions: ["-f", "-o", "--format", "--output"] }],
  ["command", { valueOptions: [] }],
  ["builtin", { valueOptions: [] }],
  ["nice", { valueOptions: ["-n", "--adjustment"] }],
  ["ionice", { valueOptions: ["-c", "-n", "-p", "-P", "-u"] }],
  ["stdbuf", { valueOptions: ["-i", "-o", "-e"] }],
  ["eatmydata", { valueOptions: [] }],
  ["fakeroot", { valueOptions: ["-i", "-s", "-l", "-b"] }],
  ["xargs", { valueOptions: ["-I", "-i", "-n", "-P", "-L", "-l", "-d", "-E", "-e", "-s", "-a", "--arg-file", "--delimiter", "--max-args", "--max-procs", "--max-lines", "--replace", "--eof", "--max-chars"] }],
  ["timeout", { valueOptions: ["-s", "-k", "--signal", "--kill-after"], positionals: 1 }],
  ["chroot", { valueOptions: ["--userspec", "--groups"], positionals: 1 }],
  ["gosu", { valueOptions: [], positionals: 1 }],
  ["su-exec", { valueOptions: [], positionals: 1 }],
  ["setpriv", { valueOptions: ["--reuid", "--regid", "--groups", "--inh-caps", "--bounding-set"] }],
]);

const SHELLS = new Set(["sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "busybox"]);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

export function baseNameOf(word: string): string {
  return word.slice(word.lastIndexOf("/") + 1);
}

/** The words of each simple command, in order. */
export function commandWords(script: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | undefined;
  let dropNext = false;
  const endWord = () => {
    if (word === undefined) return;
    if (dropNext) dropNext = false;
    else words.push(word);
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    dropNext = false;
    if (words.length) commands.push(words);
    words = [];
  };
  const n = script.length;
  for (let i = 0; i < n; i++) {
    const c = script[i]!;
    if (c === "\\") {
      if (script[i + 1] === "\n") i++;
      else if (i + 1 < n) word = (word ?? "") + script[++i];
      continue;
    }
    if (c === "'") {
      const end = script.indexOf("'", i + 1);
      const stop = end < 0 ? n : end;
      word = (word ?? "") + script.slice(i + 1, stop);
      i = stop;
      continue;
    }
    if (c === '"') {
      let s = "";
      let j = i + 1;
      for (; j < n && script[j] !== '"'; j++) {
        if (script[j] === "\\" && j + 1 < n && '"\\$`\n'.includes(script[j + 1]!)) {
          if (script[j + 1] !== "\n") s += script[j + 1];
          j++;
        } else s += script[j];
      }
      word = (word ?? "") + s;
      i = j;
      continue;
    }
    if (c === "#" && word === undefined) {
      const nl = script.indexOf("\n", i);
      i = nl < 0 ? n : nl - 1;
      continue;
    }
    if (c === ">" || c === "<") {
      if (word !== undefined && /^\d+$/.test(word)) word = undefined; // a file descriptor: 2>&1
      endWord();
      while (script[i + 1] === ">" || script[i + 1] === "<" || script[i + 1] === "-") i++;
      if (script[i + 1] === "&") {
        i++;
        while (i + 1 < n && /[\d-]/.test(script[i + 1]!)) i++;
      } else if (script[i + 1] === "|") i++;
      else dropNext = true;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      endWord();
      continue;
    }
    if ("\n;&|()`".includes(c)) {
      endCommand();
      continue;
    }
    if (c === "$" && script[i + 1] === "(") {
      endCommand();
      i++;
      continue;
    }
    word = (word ?? "") + c;
  }
  endCommand();
  return commands;
}

function unwrap(words: string[], depth: number): SimpleCommand[] {
  const wrappers: string[] = [];
  let i = 0;
  while (i < words.length) {
    const w = words[i]!;
    if (RESERVED.has(w) || ASSIGNMENT.test(w)) {
      i++;
      continue;
    }
    const wrapper = WRAPPERS.get(baseNameOf(w));
    if (!wrapper) break;
    wrappers.push(baseNameOf(w));
    i++;
    let positionals = wrapper.positionals ?? 0;
    while (i < words.length) {
      const a = words[i]!;
      if (a === "--") {
        i++;
        break;
      }
      if (a.startsWith("-") && a.length > 1) {
        i += wrapper.valueOptions.includes(a) ? 2 : 1;
        continue;
      }
      if (ASSIGNMENT.test(a) && baseNameOf(w) === "env") {
        i++;
        continue;
      }
      if (positionals > 0) {
        positionals--;
        i++;
        continue;
      }
      break;
    }
  }
  if (i >= words.length) return wrappers.length ? [{ program: wrappers[wrappers.length - 1]!, args: [], wrappers: wrappers.slice(0, -1) }] : [];
  const program = baseNameOf(words[i]!);
  const args = words.slice(i + 1);
  const out: SimpleCommand[] = [{ program, args, wrappers }];
  const dashC = args.findIndex((a) => /^-[a-zA-Z]*c[a-zA-Z]*$/.test(a));
  if (SHELLS.has(program) && dashC >= 0 && args[dashC + 1] !== undefined && depth < 4) {
    for (const inner of simpleCommands(args[dashC + 1]!, depth + 1)) out.push({ ...inner, wrappers: [...wrappers, ...inner.wrappers] });
  }
  return out;
}

/** Every simple command the script runs, nested `sh -c` scripts included. */
export function simpleCommands(script: string, depth = 0): SimpleCommand[] {
  return commandWords(script).flatMap((words) => unwrap(words, depth));
}

/** The first argument that is not an option, skipping the values of `valueOptions`. */
export function subcommand(cmd: SimpleCommand, valueOptions: readonly string[] = []): { name: string; operands: string[] } | undefined {
  for (let i = 0; i < cmd.args.length; i++) {
    const a = cmd.args[i]!;
    if (a.startsWith("-")) {
      if (valueOptions.includes(a)) i++;
      continue;
    }
    return { name: a, operands: cmd.args.slice(i + 1).filter((x) => !x.startsWith("-")) };
  }
  return undefined;
}
