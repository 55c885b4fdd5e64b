/**
 * The model read back from the classic builder's output: "Step N/M : INSTRUCTION" is the
 * N-th instruction in file order (ARGs before the first FROM included; the stages after a
 * --target are dropped from the end), then one LABEL step per `labels` entry after the
 * last one. And the base images a build pulls, for a FROM step that fails.
 */
import type { Dockerfile, DockerfileInstruction } from "./types.js";

/**
 * The instruction of "Step N/M" (`step` is "N/M"), when its keyword is the one the builder
 * printed; undefined for the LABEL steps the builder adds for `labels`, or when the two
 * disagree.
 */
export function builderStep(df: Dockerfile, step: string | undefined, instruction: string | undefined): DockerfileInstruction | undefined {
  if (!step) return undefined;
  const instr = df.instructions[Number.parseInt(step, 10) - 1];
  if (!instr) return undefined;
  const keyword = instruction?.trim().split(/\s+/, 1)[0]?.toUpperCase();
  return keyword === undefined || keyword === instr.keyword ? instr : undefined;
}

/** An instruction's first line, trimmed, as the builder's step shows it. */
export const firstLine = (instr: DockerfileInstruction): string => (instr.text.split("\n", 1)[0] ?? "").trim();

/** The image a FROM line names (variables substituted with the ARG defaults and build args); undefined for scratch or an earlier stage. */
export function pulledBase(df: Dockerfile, line: number): string | undefined {
  const stage = df.stages.find((s) => s.line === line);
  if (!stage || stage.from.scratch || stage.from.stage !== undefined) return undefined;
  return stage.from.image;
}
