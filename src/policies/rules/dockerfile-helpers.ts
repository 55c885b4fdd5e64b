/**
 * What the Dockerfile rules (IMG-DF-*) share (not a rule, not registered): the parsed
 * Dockerfile of the facts (check() parses it once, into facts.dockerfile.model; facts
 * made without it are parsed here, once per facts document), and `Dockerfile:line`
 * locations.
 */
import type { Facts } from "../../inspect/facts/types.js";
import { buildsEveryStage } from "../../dockerfile/built-stages.js";
import { parseDockerfileFact } from "../../dockerfile/dockerfile-fact.js";
import { finalStage } from "../../dockerfile/stages.js";
import type { Dockerfile, DockerfileInstruction } from "../../dockerfile/types.js";
import type { Location } from "../types.js";

export const NO_DOCKERFILE = "no Dockerfile given (use --build or --dockerfile)";

/**
 * Parses of Dockerfile facts that came without one (facts made by hand): every rule of
 * one evaluation reads the same parse. Entries go with the facts document (a WeakMap
 * holds nothing alive).
 */
const parsed = new WeakMap<object, Dockerfile | string>();

/**
 * The facts' Dockerfile, parsed; or why the Dockerfile rules cannot judge it (the skip
 * reason). Its final stage is the build's --target stage when there is one, and the
 * build args replace the defaults of the ARGs they name.
 */
export function dockerfileOf(facts: Facts): Dockerfile | string {
  const given = facts.dockerfile;
  if (!given) return NO_DOCKERFILE;
  let out = given.model ?? given.problem ?? parsed.get(given);
  if (out === undefined) {
    const { fact } = parseDockerfileFact(given);
    out = fact.model ?? fact.problem!;
    parsed.set(given, out);
  }
  return out;
}

/**
 * What the build runs, for messages: "the Dockerfile" when it runs every stage, else
 * "the stages --target runtime builds" (or "the stages the final stage needs").
 */
export function builtScope(df: Dockerfile): string {
  if (buildsEveryStage(df)) return "the Dockerfile";
  const final = finalStage(df);
  return df.target !== undefined && final.name !== undefined ? `the stages --target ${final.name} builds` : "the stages the final stage needs";
}

/** `{ dockerfile: { file, line } }`, with any other location parts given. */
export function at(df: Dockerfile, where: DockerfileInstruction | number, more: Location = {}): Location {
  return { ...more, dockerfile: { file: df.path, line: typeof where === "number" ? where : where.line } };
}

/** An instruction on one line, shortened for a message: `RUN go mod download || true`. */
export function shown(instr: DockerfileInstruction, max = 120): string {
  const flags = instr.flags.map((f) => ` --${f.name}${f.value === undefined ? "" : `=${f.value}`}`).join("");
  const one = `${instr.keyword}${flags} ${instr.args}`.replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** "line 7" */
export const lineOf = (instr: DockerfileInstruction): string => `line ${instr.line}`;

/** The 1-based line of `instr` whose text matches `pattern` (for a finding inside a long RUN); the first line when none does. */
export function lineMatching(instr: DockerfileInstruction, pattern: RegExp): number {
  const i = instr.text.split("\n").findIndex((l) => pattern.test(l));
  return i < 0 ? instr.line : instr.line + i;
}

/** "docker.io/library/golang" → "golang"; other registries unchanged. */
export function repository(name: string): string {
  return name
    .toLowerCase()
    .replace(/^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, "")
    .replace(/^library\//, "");
}
