/**
 * The zsh completion script (`imgpolicy completion zsh`): native zsh, with descriptions.
 * `_imgpolicy_complete CURRENT WORDS…` finds what fits at the cursor (the same walk as the
 * bash script) and leaves it in `reply` ("value:description"), `kind` (files, dirs, none),
 * `eq` (the value follows `--opt=`) and `list` (a comma-separated list); `_imgpolicy`
 * hands that to the completion system. Works from $fpath (autoloaded) or sourced after
 * compinit.
 */
import type { CompletionCommand, ValueKind } from "./spec.js";

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const described = (name: string, description: string) => sq(`${name.replace(/:/g, "\\:")}:${description.replace(/\s+/g, " ")}`);

function caseTable(name: string, params: string, rows: [string, string][]): string[] {
  return [`${name}() {`, `  case ${params} in`, ...rows.map(([pattern, body]) => `    (${pattern}) ${body} ;;`), "    (*) return 1 ;;", "  esac", "}"];
}

const valueVars = (v: ValueKind) => `vals=(${v.words.join(" ")}) kind=${v.files ?? "none"} list=${v.list ? 1 : 0}`;

export function zshScript(program: string, spec: readonly CompletionCommand[]): string {
  const fn = `_${program.replace(/[^A-Za-z0-9_]/g, "_")}`;
  const subRows = spec.filter((c) => c.subcommands.length).map((c): [string, string] => [sq(c.path), `reply=(${c.subcommands.map((s) => described(s.name, s.description)).join(" ")})`]);
  const optRows = spec.map((c): [string, string] => [sq(c.path), `reply=(${c.options.flatMap((o) => o.names.map((n) => described(n, o.description))).join(" ")})`]);
  const valueRows: [string, string][] = [];
  for (const c of spec) {
    for (const o of c.options) if (o.value) valueRows.push([o.names.map((n) => sq(`${c.path}|${n}`)).join("|"), valueVars(o.value)]);
  }
  const argRows = spec.filter((c) => c.args).map((c): [string, string] => [sq(c.path), valueVars(c.args!)]);
  return [
    `#compdef ${program}`,
    `# zsh completion for ${program}: written by \`${program} completion zsh\`.`,
    `#   ${program} completion zsh > "\${fpath[1]}/_${program}"   # then restart zsh (compinit finds it)`,
    `#   source <(${program} completion zsh)                     # this shell, after compinit`,
    "",
    ...caseTable(`${fn}_subcommands`, '"$1"', subRows),
    ...caseTable(`${fn}_options`, '"$1"', optRows),
    "# sets vals, kind (files, dirs or none) and list (1: comma-separated) for an option's value",
    ...caseTable(`${fn}_value`, '"$1|$2"', valueRows),
    "# the same for the command's arguments",
    ...caseTable(`${fn}_args`, '"$1"', argRows),
    `${fn}_complete() {`,
    '  local current=$1; shift',
    '  local -a w; w=("$@")',
    '  local cmd="" skip=0 i word opt="" cur="${w[current]}"',
    "  local -a vals",
    "  reply=() kind=none list=0 eq=0",
    "  for (( i = 2; i < current; i++ )); do",
    '    word="${w[i]}"',
    "    if (( skip )); then skip=0; continue; fi",
    '    case "$word" in',
    "      (--*=*) ;;",
    `      (-*) ${fn}_value "$cmd" "$word" && skip=1 ;;`,
    `      (*) ${fn}_subcommands "$cmd" && (( \${reply[(I)\${word}:*]} )) && cmd="\${cmd:+$cmd }$word" ;;`,
    "    esac",
    "  done",
    "  reply=() kind=none list=0",
    '  if (( skip )); then',
    '    opt="${w[current-1]}"',
    '  elif [[ $cur == --*=* ]]; then',
    '    opt="${cur%%=*}" eq=1',
    "  fi",
    '  if [[ -n $opt ]]; then',
    `    ${fn}_value "$cmd" "$opt" && reply=($vals)`,
    "    return 0",
    "  fi",
    `  if [[ $cur == -* ]]; then ${fn}_options "$cmd"; return 0; fi`,
    `  ${fn}_subcommands "$cmd" && return 0`,
    `  ${fn}_args "$cmd" && reply=($vals)`,
    "  return 0",
    "}",
    `${fn}() {`,
    "  local -a reply; local kind list eq",
    `  ${fn}_complete "$CURRENT" "\${words[@]}"`,
    "  (( eq )) && compset -P '*='",
    "  (( list )) && compset -P '*,'",
    "  local ret=1",
    `  (( \${#reply} )) && _describe -t values '${program}' reply && ret=0`,
    "  case $kind in",
    "    (files) _files && ret=0 ;;",
    "    (dirs) _files -/ && ret=0 ;;",
    "  esac",
    "  return ret",
    "}",
    `if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then`,
    `  ${fn} "$@"`,
    "elif (( $+functions[compdef] )); then",
    `  compdef ${fn} ${program}`,
    "fi",
    "",
  ].join("\n");
}
