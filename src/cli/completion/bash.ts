/**
 * The bash completion script (`imgpolicy completion bash`): one function, _imgpolicy,
 * registered with `complete -F`. It walks the words before the cursor to find the
 * command (skipping options and their values, `--opt=value` as bash splits it too), then
 * offers what fits there: subcommands, options, an option's values (a comma-separated
 * list for --ignore; file names after `FORMAT=` for --format), file or directory names.
 * Needs no bash-completion package.
 */
import type { CompletionCommand, ValueKind } from "./spec.js";

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function caseTable(name: string, params: string, rows: [string, string][], fallback: string): string[] {
  return [`${name}() {`, `  case ${params} in`, ...rows.map(([pattern, body]) => `    ${pattern}) ${body} ;;`), `    *) ${fallback} ;;`, "  esac", "}"];
}

/** `words='…' kind=… list=…` for _imgpolicy_reply. */
const valueVars = (v: ValueKind) => `words=${sq(v.words.join(" "))} kind=${v.files ?? "none"} list=${v.list ? 1 : 0} after=${v.fileAfter ? 1 : 0}`;

export function bashScript(program: string, spec: readonly CompletionCommand[]): string {
  const fn = `_${program.replace(/[^A-Za-z0-9_]/g, "_")}`;
  const subRows = spec.filter((c) => c.subcommands.length).map((c): [string, string] => [sq(c.path), `echo ${sq(c.subcommands.map((s) => s.name).join(" "))}`]);
  const optRows = spec.map((c): [string, string] => [sq(c.path), `echo ${sq(c.options.flatMap((o) => o.names).join(" "))}`]);
  const valueRows: [string, string][] = [];
  for (const c of spec) {
    for (const o of c.options) {
      if (!o.value) continue;
      valueRows.push([o.names.map((n) => sq(`${c.path}|${n}`)).join("|"), valueVars(o.value)]);
    }
  }
  const argRows = spec.filter((c) => c.args).map((c): [string, string] => [sq(c.path), valueVars(c.args!)]);
  return [
    `# bash completion for ${program}: written by \`${program} completion bash\`.`,
    `#   source <(${program} completion bash)            # this shell`,
    `#   ${program} completion bash > ~/.local/share/bash-completion/completions/${program}   # every shell (bash-completion)`,
    "",
    ...caseTable(`${fn}_subcommands`, '"$1"', subRows, "return 1"),
    ...caseTable(`${fn}_options`, '"$1"', optRows, "return 1"),
    "# sets words, kind (files, dirs or none), list (1: comma-separated) and after (1: WORD=FILE) for an option's value",
    ...caseTable(`${fn}_value`, '"$1|$2"', valueRows, "return 1"),
    "# the same for the command's arguments",
    ...caseTable(`${fn}_args`, '"$1"', argRows, "return 1"),
    `${fn}_reply() {`,
    '  local cur="$1" pre="" w',
    '  if [[ $list == 1 && $cur == *,* ]]; then pre="${cur%,*},"; cur="${cur##*,}"; fi',
    "  # WORD=FILE in one word (an = not in COMP_WORDBREAKS): file names after the =",
    '  if [[ $after == 1 && $cur == *=* ]]; then pre="${cur%%=*}="; cur="${cur#*=}" words="" kind=files; fi',
    "  COMPREPLY=()",
    '  for w in $(compgen -W "$words" -- "$cur"); do COMPREPLY+=("$pre$w"); done',
    '  if [[ $kind == files || $kind == dirs ]]; then',
    '    local flag=-f; [[ $kind == dirs ]] && flag=-d',
    '    while IFS= read -r w; do [[ -n $w ]] && COMPREPLY+=("$pre$w"); done < <(compgen $flag -- "$cur")',
    "    compopt -o filenames 2>/dev/null",
    "  fi",
    '  if [[ $list == 1 && ${#COMPREPLY[@]} -gt 0 ]]; then compopt -o nospace 2>/dev/null; fi',
    "  return 0",
    "}",
    `${fn}() {`,
    '  local cur="${COMP_WORDS[COMP_CWORD]}" cmd="" w i skip=0 opt="" at=0 words kind list after=0',
    "  COMPREPLY=()",
    "  for ((i = 1; i < COMP_CWORD; i++)); do",
    '    w="${COMP_WORDS[i]}"',
    "    if ((skip)); then skip=0; continue; fi",
    '    case "$w" in',
    "      =) skip=1 ;;",
    `      -*) ${fn}_value "$cmd" "$w" >/dev/null && skip=1 ;;`,
    `      *) if [[ " $(${fn}_subcommands "$cmd") " == *" $w "* ]]; then cmd="\${cmd:+$cmd }$w"; fi ;;`,
    "    esac",
    "  done",
    "  # the value of an option: `--opt VALUE`, `--opt=VALUE` (bash splits it at the =)",
    '  if [[ $cur == = ]]; then',
    '    at=$((COMP_CWORD - 1)) cur=""',
    '  elif ((COMP_CWORD >= 3)) && [[ ${COMP_WORDS[COMP_CWORD-1]} == = ]]; then',
    '    at=$((COMP_CWORD - 2))',
    '  elif ((skip)); then',
    '    at=$((COMP_CWORD - 1))',
    "  fi",
    "  if ((at > 0)); then",
    '    opt="${COMP_WORDS[at]}"',
    "    # `--format FORMAT=FILE` as bash splits it (FORMAT, =, FILE): opt is FORMAT, the option is before it",
    '    if [[ $opt != -* ]]; then',
    '      opt="${COMP_WORDS[at-1]}"',
    '      [[ $opt == = ]] && ((at >= 3)) && opt="${COMP_WORDS[at-2]}"',
    `      if [[ $opt == -* ]] && ${fn}_value "$cmd" "$opt" && [[ $after == 1 ]]; then`,
    '        words="" kind=files list=0',
    `        ${fn}_reply "$cur"`,
    "      fi",
    "      return 0",
    "    fi",
    `    ${fn}_value "$cmd" "$opt" && ${fn}_reply "$cur"`,
    "    return 0",
    "  fi",
    '  if [[ $cur == -* ]]; then',
    `    words="$(${fn}_options "$cmd")" kind=none list=0 after=0`,
    `    ${fn}_reply "$cur"`,
    "    return 0",
    "  fi",
    `  if words="$(${fn}_subcommands "$cmd")"; then`,
    "    kind=none list=0 after=0",
    `  elif ! ${fn}_args "$cmd"; then`,
    "    return 0",
    "  fi",
    `  ${fn}_reply "$cur"`,
    "}",
    `complete -F ${fn} ${program}`,
    "",
  ].join("\n");
}
