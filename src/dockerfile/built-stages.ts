/**
 * Which stages a build runs: the final stage (the last one, or the `--target` stage) and
 * every stage it reaches through `FROM <stage>`, `COPY --from=<stage>` and
 * `RUN --mount=from=<stage>`, as BuildKit does. (The classic builder also runs the
 * stages before the target that nothing uses, but nothing of theirs reaches the image.)
 * The rules that judge build stages judge these, not every stage of the file.
 */
import { finalStage, substituteAt } from "./stages.js";
import type { Dockerfile, DockerfileInstruction, DockerfileStage } from "./types.js";

/**
 * The stage a `--from` value names, among the stages before `before`: an `AS` name (in
 * any case, as the builder reads it) or a stage index ("0"). Undefined when the value
 * names an image.
 */
export function stageNamed(df: Dockerfile, ref: string, before: number): DockerfileStage | undefined {
  const r = ref.trim().toLowerCase();
  const stage = /^\d+$/.test(r) ? df.stages[Number(r)] : df.stages.find((s) => s.name === r);
  return stage && stage.index < before ? stage : undefined;
}

/** The `--from` values of an instruction: COPY's, and those of RUN's `--mount`s. */
function fromValues(instr: DockerfileInstruction): string[] {
  if (instr.keyword === "COPY") return instr.flags.filter((f) => f.name === "from" && f.value !== undefined).map((f) => f.value!);
  if (instr.keyword === "RUN") return instr.flags.filter((f) => f.name === "mount" && f.options.from !== undefined).map((f) => f.options.from!);
  return [];
}

/** The stages a stage uses directly: the one it is built FROM, and those it copies or mounts from. */
export function stageDependencies(df: Dockerfile, stage: DockerfileStage): DockerfileStage[] {
  const out = new Set<DockerfileStage>();
  if (stage.from.stage !== undefined) out.add(df.stages[stage.from.stage]!);
  for (const instr of stage.instructions) {
    for (const value of fromValues(instr)) {
      const ref = value.includes("$") ? substituteAt(df, instr, value).text : value;
      const used = stageNamed(df, ref, stage.index);
      if (used) out.add(used);
    }
  }
  return [...out];
}

const cache = new WeakMap<Dockerfile, ReadonlySet<number>>();

/** Indexes of the stages the build runs: the final stage and every stage it needs, directly or not. */
export function builtStages(df: Dockerfile): ReadonlySet<number> {
  let out = cache.get(df);
  if (out) return out;
  const seen = new Set<number>();
  const todo = [finalStage(df)];
  while (todo.length) {
    const stage = todo.pop()!;
    if (seen.has(stage.index)) continue;
    seen.add(stage.index);
    todo.push(...stageDependencies(df, stage));
  }
  out = seen;
  cache.set(df, out);
  return out;
}

/** Whether the build runs an instruction: it is in a built stage, or an ARG before the first FROM. */
export const isBuilt = (df: Dockerfile, instr: DockerfileInstruction): boolean => instr.stage < 0 || builtStages(df).has(instr.stage);

/** Whether the build runs every stage of the file. */
export const buildsEveryStage = (df: Dockerfile): boolean => builtStages(df).size === df.stages.length;
