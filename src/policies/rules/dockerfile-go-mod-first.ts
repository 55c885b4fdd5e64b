/** IMG-DF-003: go.mod/go.sum copied and `go mod download` run before the sources are copied. */
import { builtStages } from "../../dockerfile/built-stages.js";
import { copiesWholeContext, copySources, stageChain } from "../../dockerfile/stages.js";
import type { Dockerfile, DockerfileInstruction, DockerfileStage } from "../../dockerfile/types.js";
import { failIf, skip, type Finding, type Rule, NO_OPTIONS } from "../types.js";
import { at, builtScope, dockerfileOf, shown } from "./dockerfile-helpers.js";
import { downloadsModules, goCommands, mounts, runs, type GoCommand } from "./dockerfile-run.js";

type Options = Record<string, never>;

/** A COPY source pattern (`go.mod`, `go.*`, `go.sum*`) that matches go.mod. */
function matchesGoMod(source: string): boolean {
  const base = source.slice(source.lastIndexOf("/") + 1);
  const re = new RegExp(`^${base.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return re.test("go.mod");
}

const bindsGoMod = (instr: DockerfileInstruction) =>
  mounts(instr).some((m) => m.type === "bind" && [m.source, m.src, m.target, m.dst, m.destination].some((p) => p !== undefined && matchesGoMod(p)));

const vendored = (g: GoCommand) => g.args.some((a) => a === "-mod=vendor") || /-mod=vendor/.test(g.scriptEnv.get("GOFLAGS") ?? "");

/** What happens in a stage (and the stages it is built FROM) before `before`. */
function preparedBefore(df: Dockerfile, stage: DockerfileStage, before: DockerfileInstruction): { goMod?: DockerfileInstruction; download?: DockerfileInstruction } {
  const out: { goMod?: DockerfileInstruction; download?: DockerfileInstruction } = {};
  const chain = new Set(stageChain(df, stage).map((s) => s.index));
  for (const instr of df.instructions) {
    if (instr === before) break;
    if (!chain.has(instr.stage)) continue;
    if (copySources(instr)?.sources.some(matchesGoMod) && !copySources(instr)?.from) out.goMod ??= instr;
  }
  for (const run of runs(df, chain)) {
    if (run.instr.line >= before.line) break;
    if (goCommands(run).some(downloadsModules)) {
      out.download ??= run.instr;
      if (bindsGoMod(run.instr)) out.goMod ??= run.instr;
    }
  }
  return out;
}

export const rule: Rule<Options> = {
  id: "IMG-DF-003",
  title: "Go modules downloaded before the sources are copied",
  category: "dockerfile",
  severity: "low",
  description:
    "In a stage the build runs (the final or `--target` stage, or one it uses) that runs the go command after copying the whole build context (`COPY . .`), go.mod (and go.sum) are copied first, or bind-mounted, and `go mod download` runs before that COPY. Stages that bind-mount the sources instead of copying them, and vendored builds (`-mod=vendor`), are not judged.",
  rationale:
    "Every change to any source file invalidates `COPY . .` and every layer after it. When the modules are downloaded after it, each edit re-downloads every dependency; copied first, the download layer is rebuilt only when go.mod or go.sum change (the seeds' course: the 'Copy go.mod and go.sum before source code' step).",
  remediation:
    "Copy the module files and download before the sources:\n" +
    "  COPY go.mod go.sum ./\n" +
    "  RUN go mod download\n" +
    "  COPY . .\n" +
    "  RUN go build -o /out/app .\n" +
    "With BuildKit, bind-mount them instead: `RUN --mount=type=bind,source=go.mod,target=go.mod --mount=type=bind,source=go.sum,target=go.sum go mod download`.",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts) {
    const df = dockerfileOf(facts);
    if (typeof df === "string") return skip(df);
    const all = runs(df).flatMap(goCommands);
    if (all.length === 0) return skip(`no RUN in ${builtScope(df)} runs the go command`);
    const findings: Finding[] = [];
    const built = builtStages(df);
    for (const stage of df.stages) {
      if (!built.has(stage.index)) continue;
      const copy = stage.instructions.find(copiesWholeContext);
      if (!copy) continue;
      const after = all.filter((g) => g.run.stage === stage && g.run.instr.line > copy.line && g.sub !== "env" && g.sub !== "version");
      if (after.length === 0 || after.some(vendored)) continue;
      const { goMod, download } = preparedBefore(df, stage, copy);
      if (goMod && download) continue;
      const go = after[0]!;
      const missing = !goMod && !download ? "go.mod and go.sum are not copied and `go mod download` does not run" : !download ? `go.mod is copied (line ${goMod!.line}) but \`go mod download\` does not run` : "go.mod is not copied";
      findings.push({
        message: `${shown(copy, 60)} copies the sources before the modules are downloaded: ${missing} before it, so every source change downloads every module again (${shown(go.run.instr, 60)}, line ${go.run.instr.line}).`,
        location: at(df, copy),
        expected: "COPY go.mod go.sum ./ and RUN go mod download before COPY . .",
        found: `${shown(copy)}, before which ${missing}`,
      });
    }
    return failIf(findings);
  },
};
