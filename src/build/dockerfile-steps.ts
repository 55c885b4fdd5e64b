/**
 * From the classic builder's "Step N/M : INSTRUCTION" back to the Dockerfile line: the
 * builder numbers every instruction in file order (ARGs before the first FROM included;
 * the stages after a --target are dropped from the end), then adds one LABEL step per
 * `labels` entry after the last one. Parsed with dockerfile-ast.
 */
import { DockerfileParser, type Arg, type From } from "dockerfile-ast";

export interface DockerfileStep {
  /** 1-based line where the instruction starts. */
  line: number;
  /** Upper-case keyword: "RUN", "COPY"… */
  keyword: string;
  /** The instruction's text on its first line, trimmed. */
  text: string;
}

export interface BaseImageRef {
  /** The image as the builder resolves it (variables from ARG defaults and build args substituted). */
  image: string;
  line: number;
}

export interface DockerfileOutline {
  steps: DockerfileStep[];
  /** FROM lines that name an image (not `scratch`, not an earlier stage). */
  bases: BaseImageRef[];
  /** Stage names, in order (`AS name`). */
  stages: string[];
}

function substitute(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (whole, braced, bare) => {
    const name = (braced ?? bare) as string;
    const value = vars.get(name);
    if (value !== undefined) return value;
    const dflt = /^\$\{[A-Za-z_][A-Za-z0-9_]*:?-(.*)\}$/.exec(whole);
    return dflt ? dflt[1]! : "";
  });
}

/** Outlines a Dockerfile's text: its steps in the builder's order and the base images its stages start from. */
export function outlineDockerfile(text: string, buildArgs: Readonly<Record<string, string>> = {}): DockerfileOutline {
  const ast = DockerfileParser.parse(text);
  const lines = text.split(/\r\n|\r|\n/);
  const steps: DockerfileStep[] = [];
  const bases: BaseImageRef[] = [];
  const stages: string[] = [];
  const globals = new Map<string, string>();
  let seenFrom = false;
  for (const instr of ast.getInstructions()) {
    const line = instr.getRange().start.line;
    const keyword = instr.getKeyword().toUpperCase();
    steps.push({ line: line + 1, keyword, text: (lines[line] ?? "").trim() });
    if (keyword === "ARG" && !seenFrom) {
      const prop = (instr as Arg).getProperty();
      if (prop) {
        const value = buildArgs[prop.getName()] ?? prop.getValue() ?? undefined;
        if (value !== undefined) globals.set(prop.getName(), value);
      }
    }
    if (keyword !== "FROM") continue;
    seenFrom = true;
    const from = instr as From;
    const raw = from.getImage();
    const stage = from.getBuildStage();
    if (raw) {
      const image = substitute(raw, globals);
      const isStage = stages.some((s) => s.toLowerCase() === image.toLowerCase());
      if (!isStage && image.toLowerCase() !== "scratch") bases.push({ image, line: line + 1 });
    }
    stages.push(stage ?? "");
  }
  return { steps, bases, stages };
}

/**
 * The Dockerfile step for "Step N/M" (`step` is "N/M"): the N-th instruction, when its
 * keyword matches the one the builder printed; undefined for the LABEL steps the builder
 * adds for `labels`, or when the two disagree.
 */
export function stepAt(outline: DockerfileOutline, step: string | undefined, instruction: string | undefined): DockerfileStep | undefined {
  if (!step) return undefined;
  const n = Number.parseInt(step, 10);
  const s = outline.steps[n - 1];
  if (!s) return undefined;
  const keyword = instruction?.trim().split(/\s+/, 1)[0]?.toUpperCase();
  return keyword === undefined || keyword === s.keyword ? s : undefined;
}
