/**
 * What shell completion knows, read from the commander program itself (so it cannot
 * drift from the CLI): each command path with its subcommands, options and what their
 * values are (fixed words, files, directories, comma-separated lists of rule ids), and
 * what the command's arguments are. bash.ts and zsh.ts write scripts from it.
 */
import type { Command, Option } from "commander";
import { FORMATS } from "../../policies/report/index.js";
import { SEVERITIES } from "../../policies/types.js";

/** What a value (of an option or an argument) may be. */
export interface ValueKind {
  words: string[];
  /** Also complete file names, or directory names. */
  files?: "files" | "dirs";
  /** A comma-separated list: complete the part after the last comma. */
  list?: boolean;
  /** `WORD=FILE` (`--format json=out.json`): after the `=`, complete file names. */
  fileAfter?: boolean;
}

export interface CompletionOption {
  /** "-p", "--policy". */
  names: string[];
  description: string;
  /** Present when the option takes a value. */
  value?: ValueKind;
}

export interface CompletionCommand {
  /** "" for the program, "check", "policy validate". */
  path: string;
  description: string;
  subcommands: { name: string; description: string }[];
  options: CompletionOption[];
  /** Present when the command takes arguments. */
  args?: ValueKind;
}

export interface CompletionData {
  program: string;
  policyNames: string[];
  ruleIds: string[];
}

/** Only words a shell needs no quoting for go into the scripts. */
const SAFE = /^[A-Za-z0-9._/@+-]+$/;
const safe = (words: readonly string[]) => words.filter((w) => SAFE.test(w));

function optionValue(cmdPath: string, o: Option, d: CompletionData): ValueKind | undefined {
  if (!o.required && !o.optional) return undefined;
  if (o.argChoices?.length) return { words: safe(o.argChoices) };
  const policies = { words: safe(d.policyNames), files: "files" as const };
  switch (o.long) {
    case "--policy":
      return policies;
    case "--policy-name":
      return { words: safe(d.policyNames) };
    case "--format":
      return { words: cmdPath === "rules" ? ["text", "json"] : [...FORMATS], ...(/=file\]?>/.test(o.flags) ? { fileAfter: true } : {}) };
    case "--fail-on":
      return { words: [...SEVERITIES] };
    case "--ignore":
      return { words: safe(d.ruleIds), list: true };
    case "--from":
    case "--output":
    case "--file":
    case "--dockerfile":
    case "--ca-cert":
      return { words: [], files: "files" };
    case "--build":
    case "--cache-dir":
      return { words: [], files: "dirs" };
    default:
      return { words: [] };
  }
}

function argsOf(path: string, cmd: Command, d: CompletionData): ValueKind | undefined {
  if (cmd.registeredArguments.length === 0) return undefined;
  switch (path) {
    case "rules":
      return { words: safe(d.ruleIds) };
    case "policy validate":
    case "policy show":
      return { words: safe(d.policyNames), files: "files" };
    case "completion":
      return { words: ["bash", "zsh"] };
    default:
      return { words: [], files: "files" };
  }
}

const HELP: CompletionOption = { names: ["-h", "--help"], description: "display help for command" };

/** Every command of the program, the program itself first (path ""). */
export function completionSpec(program: Command, data: CompletionData): CompletionCommand[] {
  const out: CompletionCommand[] = [];
  const walk = (cmd: Command, path: string) => {
    const subs = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
    const options: CompletionOption[] = cmd.options
      .filter((o) => !o.hidden)
      .map((o) => {
        const value = optionValue(path, o, data);
        return { names: [o.short, o.long].filter((n): n is string => !!n), description: o.description, ...(value ? { value } : {}) };
      });
    const args = argsOf(path, cmd, data);
    out.push({
      path,
      description: cmd.description(),
      subcommands: subs.map((c) => ({ name: c.name(), description: c.description() })),
      options: [...options, HELP],
      ...(args ? { args } : {}),
    });
    for (const c of subs) walk(c, path ? `${path} ${c.name()}` : c.name());
  };
  walk(program, "");
  return out;
}
