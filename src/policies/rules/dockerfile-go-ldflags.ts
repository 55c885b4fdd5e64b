/** IMG-DF-006: `go build` strips the binary with `-ldflags "-s -w"`. */
import { rootBase, stageChain, variablesAt } from "../../dockerfile/stages.js";
import type { BaseImage } from "../../dockerfile/types.js";
import { substitute } from "../../dockerfile/variables.js";
import { failIf, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";
import { at, builtScope, dockerfileOf, lineMatching, repository, shown } from "./dockerfile-helpers.js";
import { goBuilds, goSetting, type GoCommand } from "./dockerfile-run.js";

type Options = Record<string, never>;

/** The last -ldflags value of a go command (a later one replaces an earlier one). */
export function ldflagsOf(args: readonly string[]): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const m = /^--?ldflags(?:=([\s\S]*))?$/.exec(args[i]!);
    if (!m) continue;
    value = m[1] ?? args[++i];
  }
  return value;
}

/** The linker's -s and -w as the value sets them (a later one wins; `-w=0` turns -w off). */
export function linkerFlags(ldflags: string): { s?: boolean; w?: boolean } {
  const out: { s?: boolean; w?: boolean } = {};
  for (const t of ldflags.split(/\s+/)) {
    const m = /^--?([sw])(?:=(.*))?$/.exec(t.replace(/^["']|["']$/g, ""));
    if (m) out[m[1] as "s" | "w"] = m[2] === undefined || /^(?:1|t|true)$/i.test(m[2]);
  }
  return out;
}

/** Whether the stage's Go makes -s imply -w (Go 1.22 and later; an untagged golang image is the latest). */
function sImpliesW(base: BaseImage): boolean | undefined {
  const repo = repository(base.name);
  if (repo !== "golang" && repo !== "cgr.dev/chainguard/go") return undefined;
  const v = /^(\d+)\.(\d+)/.exec(base.tag ?? "");
  if (!v) return /^(?:latest|alpine[\d.]*|bookworm|bullseye|trixie)?$/.test(base.tag ?? "") ? true : undefined;
  return Number(v[1]) > 1 || Number(v[2]) >= 22;
}

export const rule: Rule<Options> = {
  id: "IMG-DF-006",
  title: 'Go built with -ldflags "-s -w"',
  category: "dockerfile",
  severity: "low",
  description:
    'Every `go build` and `go install` of the module in the stages the build runs (the final or `--target` stage and the stages it uses) passes the linker -s (no symbol table) and -w (no DWARF), in -ldflags on the command line or in GOFLAGS: `-ldflags="-s -w"`, `-ldflags=\'-w -s -extldflags "-static"\'`. From Go 1.22 -s implies -w, so -s alone passes when the stage\'s golang image is 1.22 or later.',
  rationale:
    "Symbols and DWARF are not needed to run a Go program and make up a quarter to a third of the binary; they also hand an attacker a map of the code. Panics still print full stack traces without them (the runtime keeps its own tables). IMG-BIN-003 checks the binary that came out.",
  remediation: 'Strip at link time:\n  RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/app .',
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const df = dockerfileOf(facts);
    if (typeof df === "string") return skip(df);
    const builds = goBuilds(df);
    if (builds.length === 0) return skip(`no RUN in ${builtScope(df)} runs \`go build\` or \`go install\` of the module`);
    const findings: Finding[] = [];
    for (const g of builds) {
      const problem = judge(df, g);
      if (!problem) continue;
      findings.push({
        message: `${shown(g.run.instr, 80)} ${problem.text}.`,
        location: at(df, lineMatching(g.run.instr, problem.ldflags === undefined ? new RegExp(`\\bgo\\s.*\\b${g.sub}\\b`) : /-ldflags/)),
        expected: '-ldflags="-s -w"',
        found: problem.ldflags === undefined ? "no -ldflags" : `-ldflags=${JSON.stringify(problem.ldflags)}`,
      });
    }
    return failIf(findings);
  },
};

function judge(df: Parameters<typeof goSetting>[0], g: GoCommand): { text: string; ldflags?: string } | undefined {
  let written = ldflagsOf(g.args);
  if (written === undefined) {
    const goflags = goSetting(df, g, "GOFLAGS", stageChain(df, g.run.stage))?.value ?? "";
    const parts = [...goflags.matchAll(/(?:^|\s)--?ldflags=(\S+)/g)].map((m) => m[1]!);
    if (parts.length) written = parts.join(" ");
  }
  if (written === undefined) return { text: "passes no -ldflags: the binary keeps its symbol table and DWARF debug information" };
  const vars = new Map(variablesAt(df, g.run.instr));
  for (const [k, v] of g.scriptEnv) vars.set(k, v);
  const { text: ldflags, unresolved } = substitute(written, vars);
  if (unresolved.length) return undefined; // -ldflags="$LDFLAGS" from --build-arg: cannot tell
  const { s, w } = linkerFlags(ldflags);
  const implied = sImpliesW(rootBase(df, g.run.stage));
  if (s && (w || (w === undefined && implied))) return undefined;
  if (!s && !w) return { text: `passes -ldflags "${ldflags}" with neither -s nor -w: the binary keeps its symbol table and DWARF`, ldflags };
  if (!s) return { text: `passes -ldflags "${ldflags}" with -w but not -s: the symbol table stays`, ldflags };
  const base = rootBase(df, g.run.stage);
  const why = w === false ? "-w=0 keeps DWARF" : implied === false ? `${base.image} is older than Go 1.22, where -s does not imply -w` : `the Go version of ${base.scratch ? "the stage" : base.image} is not known, and -s implies -w only from Go 1.22`;
  return { text: `passes -ldflags "${ldflags}" with -s but not -w: ${why}`, ldflags };
}
