/**
 * What a parsed Dockerfile builds: the stages the final image is made of, and the
 * USER, ENTRYPOINT, CMD, SHELL, labels and variables in effect, with the builder's
 * rules of inheritance (ENV, USER, LABEL, ENTRYPOINT, CMD carry over `FROM <stage>`;
 * ARG does not; an ARG redeclared in a stage takes the default given before the first
 * FROM; ENV wins over an ARG of the same name; ENTRYPOINT clears a CMD inherited from
 * the stage's base).
 *
 * The final stage is the last one, or the `--target` stage the Dockerfile was parsed with.
 * --build-arg values replace the defaults of the ARGs they name.
 */
import { globalArgValues } from "./parse.js";
import type { BaseImage, Dockerfile, DockerfileInstruction, DockerfileStage } from "./types.js";
import { substitute, type Substituted, type Variables } from "./variables.js";

export const finalStage = (df: Dockerfile): DockerfileStage => df.stages[df.target ?? df.stages.length - 1]!;

/** A stage and the stages it is built FROM, the stage itself first. */
export function stageChain(df: Dockerfile, stage: DockerfileStage): DockerfileStage[] {
  const chain = [stage];
  for (let s = stage; s.from.stage !== undefined && chain.length <= df.stages.length; ) {
    s = df.stages[s.from.stage]!;
    chain.push(s);
  }
  return chain;
}

/** The stages the final image is made of (the last stage and its FROM <stage> ancestors), final first. */
export const finalChain = (df: Dockerfile): DockerfileStage[] => stageChain(df, finalStage(df));

/** Indexes of the stages whose files and settings ship in the final image. */
export const shippedStages = (df: Dockerfile): Set<number> => new Set(finalChain(df).map((s) => s.index));

/** The image a stage is ultimately built on (following FROM <stage>). */
export function rootBase(df: Dockerfile, stage: DockerfileStage): BaseImage {
  const chain = stageChain(df, stage);
  return chain[chain.length - 1]!.from;
}

/** The stage an instruction belongs to. */
export const stageOf = (df: Dockerfile, instr: DockerfileInstruction): DockerfileStage | undefined => df.stages[instr.stage];

/** ENV values set by the end of a stage (its ancestors' included). */
function envAtEnd(df: Dockerfile, stage: DockerfileStage, depth = 0): Map<string, string> {
  const parent = stage.from.stage !== undefined && depth < df.stages.length ? df.stages[stage.from.stage] : undefined;
  const env = parent ? envAtEnd(df, parent, depth + 1) : new Map<string, string>();
  walk(df, stage, undefined, env, new Map());
  return env;
}

/** Applies a stage's ARG and ENV instructions to `env` and `args`, up to (not including) `before`. */
function walk(df: Dockerfile, stage: DockerfileStage, before: DockerfileInstruction | undefined, env: Map<string, string>, args: Map<string, string | undefined>): void {
  const globals = globalArgValues(df);
  for (const instr of stage.instructions) {
    if (instr === before) return;
    if (instr.keyword !== "ARG" && instr.keyword !== "ENV") continue;
    for (const p of instr.properties) {
      const vars = merged(env, args);
      if (instr.keyword === "ENV") env.set(p.name, substitute(p.value ?? "", vars, df.escape).text);
      else if (Object.hasOwn(df.buildArgs, p.name)) args.set(p.name, df.buildArgs[p.name]);
      else args.set(p.name, p.value !== undefined ? substitute(p.value, vars, df.escape).text : globals.get(p.name));
    }
  }
}

function merged(env: ReadonlyMap<string, string>, args: ReadonlyMap<string, string | undefined>): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>(args);
  for (const [k, v] of env) out.set(k, v);
  return out;
}

/**
 * The variables an instruction sees (what a RUN gets in its environment, what USER,
 * LABEL or COPY substitute): inherited and earlier ENV over this stage's earlier ARGs.
 * Before the first FROM: the global ARG defaults.
 */
export function variablesAt(df: Dockerfile, instr: DockerfileInstruction): Variables {
  const stage = stageOf(df, instr);
  if (!stage) return globalArgValues(df);
  const parent = stage.from.stage !== undefined ? df.stages[stage.from.stage] : undefined;
  const env = parent ? envAtEnd(df, parent) : new Map<string, string>();
  const args = new Map<string, string | undefined>();
  walk(df, stage, instr, env, args);
  return merged(env, args);
}

/** `text` with the variables `instr` sees substituted. */
export const substituteAt = (df: Dockerfile, instr: DockerfileInstruction, text: string): Substituted => substitute(text, variablesAt(df, instr), df.escape);

export interface EffectiveUser {
  instruction: DockerfileInstruction;
  /** After substitution: "65534:65534", "nonroot". */
  user: string;
  unresolved: string[];
}

/** The last USER of the final image's stages, or undefined when they set none (the base image's user applies). */
export function effectiveUser(df: Dockerfile): EffectiveUser | undefined {
  for (const stage of finalChain(df)) {
    const users = stage.instructions.filter((i) => i.keyword === "USER");
    const last = users[users.length - 1];
    if (!last) continue;
    const { text, unresolved } = substituteAt(df, last, last.args);
    return { instruction: last, user: text.trim(), unresolved };
  }
  return undefined;
}

export interface EffectiveCommands {
  /** The ENTRYPOINT in effect, or undefined when the base image's applies. */
  entrypoint?: DockerfileInstruction;
  /** The CMD in effect; "reset" when an ENTRYPOINT cleared an inherited CMD; undefined when the base image's applies. */
  cmd?: DockerfileInstruction | "reset";
  /** The ENTRYPOINT that cleared the inherited CMD. */
  resetBy?: DockerfileInstruction;
  /** The shell a shell-form ENTRYPOINT or CMD runs under (SHELL, default /bin/sh -c). */
  shell: string[];
  /** The SHELL instruction that set it. */
  shellInstruction?: DockerfileInstruction;
}

/** ENTRYPOINT, CMD and SHELL of the final image, as the builder records them. */
export function effectiveCommands(df: Dockerfile): EffectiveCommands {
  const out: EffectiveCommands = { shell: ["/bin/sh", "-c"] };
  for (const stage of finalChain(df).reverse()) {
    let cmdSet = false;
    for (const instr of stage.instructions) {
      if (instr.keyword === "CMD") {
        out.cmd = instr;
        delete out.resetBy;
        cmdSet = true;
      } else if (instr.keyword === "ENTRYPOINT") {
        out.entrypoint = instr;
        if (!cmdSet) {
          out.cmd = "reset";
          out.resetBy = instr;
        }
      } else if (instr.keyword === "SHELL" && instr.argv) {
        out.shell = instr.argv;
        out.shellInstruction = instr;
      }
    }
  }
  return out;
}

/** The argv the image config records for an ENTRYPOINT or CMD: the JSON array, or the shell with the line. */
export function recordedArgv(instr: DockerfileInstruction, shell: readonly string[]): string[] {
  if (instr.form === "exec") return instr.argv ?? [];
  return instr.args === "" ? [] : [...shell, instr.args];
}

export interface EffectiveLabel {
  /** After substitution. */
  value: string;
  /** Variables the value uses without a known value (set with --build-arg, or empty). */
  unresolved: string[];
  line: number;
}

/** Labels the final image's stages set (later ones win), values substituted, with the line that set each. */
export function effectiveLabels(df: Dockerfile): Map<string, EffectiveLabel> {
  const labels = new Map<string, EffectiveLabel>();
  for (const stage of finalChain(df).reverse()) {
    for (const instr of stage.instructions) {
      if (instr.keyword !== "LABEL") continue;
      for (const p of instr.properties) {
        const { text, unresolved } = substituteAt(df, instr, p.value ?? "");
        labels.set(substituteAt(df, instr, p.name).text, { value: text, unresolved, line: p.line });
      }
    }
  }
  return labels;
}

export interface CopySources {
  sources: string[];
  dest: string;
  /** The --from stage or image, when given. */
  from?: string;
}

/** Sources and destination of a COPY or ADD (JSON form included); undefined for other instructions. */
export function copySources(instr: DockerfileInstruction): CopySources | undefined {
  if (instr.keyword !== "COPY" && instr.keyword !== "ADD") return undefined;
  let parts: string[] | undefined;
  if (instr.args.startsWith("[")) {
    try {
      const v = JSON.parse(instr.args) as unknown;
      if (Array.isArray(v) && v.every((x) => typeof x === "string")) parts = v;
    } catch {
      // not JSON: words
    }
  }
  parts ??= instr.args.split(/\s+/).filter(Boolean);
  const out: CopySources = { sources: parts.slice(0, -1), dest: parts[parts.length - 1] ?? "" };
  const from = instr.flags.find((f) => f.name === "from")?.value;
  if (from !== undefined) out.from = from;
  return out;
}

const WHOLE_CONTEXT = new Set([".", "./", "./.", "/", "*", "./*"]);

/** Whether a COPY or ADD copies the whole build context (`COPY . .`, `COPY ./ /app`, `ADD . /src`). */
export function copiesWholeContext(instr: DockerfileInstruction): boolean {
  const c = copySources(instr);
  return !!c && c.from === undefined && c.sources.some((s) => WHOLE_CONTEXT.has(s));
}
