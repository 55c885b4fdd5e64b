/**
 * The build steps recorded in `image.history[].createdBy` (not a rule, not registered),
 * read the way dockle reads them. Builders write them differently:
 *
 * - legacy builder, buildah, podman: `/bin/sh -c #(nop)  ENV A=b` for instructions
 *   other than RUN, `/bin/sh -c #(nop) ADD file:<hash> in /dest ` and `COPY dir:<hash>
 *   in /dest` (`multi:` for several sources, a bare hash for a URL), and the shell
 *   command itself for RUN (`/bin/sh -c apt-get update`, `|2 A=1 B=2 /bin/sh -c …`
 *   when build args are set);
 * - BuildKit: the instruction as written, `RUN /bin/sh -c apt-get update # buildkit`,
 *   `ADD --chown=1 app.tar.gz / # buildkit`, `COPY . /app # buildkit`;
 * - kaniko and others: the instruction as written, without the `# buildkit` mark.
 *
 * A step's layer is known when the steps that made a layer are as many as the layers.
 */
import type { Facts, ImageFact } from "../../inspect/facts/types.js";
import type { Location } from "../types.js";

export interface BuildStep {
  /** Index in `image.history`. */
  index: number;
  /** Index of the layer the step made, when the history maps onto the layers. */
  layer?: number;
  emptyLayer: boolean;
  createdBy: string;
  /** RUN, ADD, COPY, ENV…; a step that names no instruction is a RUN. */
  instruction: string;
  /** What follows the instruction, without the `# buildkit` mark. */
  args: string;
  buildkit: boolean;
}

const KEYWORDS = new Set([
  "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL", "MAINTAINER",
  "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
]);
const BUILDKIT_MARK = /\s*#\s*buildkit\s*$/;
const NOP = /^.*?-c\s+#\(nop\)\s*([\s\S]*)$/;

export function parseCreatedBy(createdBy: string): { instruction: string; args: string; buildkit: boolean } {
  let text = createdBy.trim();
  const buildkit = BUILDKIT_MARK.test(text);
  if (buildkit) text = text.replace(BUILDKIT_MARK, "");
  const nop = NOP.exec(text);
  if (nop) text = nop[1]!.trim();
  const m = /^([A-Z]+)(?:\s+([\s\S]*))?$/.exec(text);
  if (m && KEYWORDS.has(m[1]!)) return { instruction: m[1]!, args: (m[2] ?? "").trim(), buildkit };
  return { instruction: "RUN", args: text, buildkit };
}

const stepsOf = new WeakMap<ImageFact, readonly BuildStep[]>();

/**
 * Every history entry that records a command, with its layer where known. Read once
 * per image however many rules ask (a 10,000-step history parsed by each history rule
 * was most of a check's garbage).
 */
export function buildSteps(image: ImageFact): readonly BuildStep[] {
  let steps = stepsOf.get(image);
  if (!steps) stepsOf.set(image, (steps = readSteps(image)));
  return steps;
}

function readSteps(image: ImageFact): BuildStep[] {
  const made = image.history.filter((h) => !h.emptyLayer).length;
  const mapped = made === image.layers.length;
  const steps: BuildStep[] = [];
  let layer = 0;
  image.history.forEach((h, index) => {
    const own = h.emptyLayer ? undefined : layer++;
    if (!h.createdBy?.trim()) return;
    const step: BuildStep = { index, emptyLayer: h.emptyLayer, createdBy: h.createdBy, ...parseCreatedBy(h.createdBy) };
    if (mapped && own !== undefined) step.layer = own;
    steps.push(step);
  });
  return steps;
}

/** Why the history rules cannot judge this image, or undefined when they can. */
export function noHistory(facts: Facts): string | undefined {
  if (facts.image.history.length === 0) return "the image config records no build history";
  if (!facts.image.history.some((h) => h.createdBy?.trim())) return "the image history records no commands (every created_by is empty)";
  return undefined;
}

/**
 * The shell script of a RUN step: without build-arg assignments (`|2 A=1 B=2`), flags
 * (`--mount=…`) and the shell prefix (`/bin/sh -c`, `/bin/bash -o pipefail -c`); the
 * words of an exec-form RUN joined by spaces.
 */
export function runScript(step: BuildStep): string | undefined {
  if (step.instruction !== "RUN") return undefined;
  let s = step.args.trim();
  const argCount = /^\|(\d+)\s+/.exec(s);
  if (argCount) {
    s = s.slice(argCount[0].length);
    for (let k = Number(argCount[1]); k > 0; k--) s = s.replace(/^\S+\s*/, "");
  }
  while (/^--\S+\s/.test(s)) s = s.replace(/^--\S+\s+/, "");
  if (s.startsWith("[")) {
    try {
      const argv = JSON.parse(s) as unknown;
      if (Array.isArray(argv) && argv.every((a) => typeof a === "string")) {
        const c = argv.findIndex((a, i) => i > 0 && /^-[a-zA-Z]*c[a-zA-Z]*$/.test(a));
        return c > 0 && c + 1 < argv.length ? argv.slice(c + 1).join(" ") : argv.join(" ");
      }
    } catch {
      // not JSON: a script that starts with "["
    }
  }
  const shell = /^(?:\S*\/)?(?:ba|da|a|z|k|mk)?sh(?:\s+(?:-[a-zA-Z]*o\s+[a-z]+|[-+][a-zA-Z]+))*?\s+-[a-zA-Z]*c\s+/.exec(s);
  return shell ? s.slice(shell[0].length) : s;
}

/** "history step 7 (layer 3)" */
export function stepName(step: BuildStep): string {
  return step.layer === undefined ? `history step ${step.index}` : `history step ${step.index} (layer ${step.layer + 1})`;
}

export function stepLocation(step: BuildStep): Location {
  const loc: Location = { config: `history[${step.index}]` };
  if (step.layer !== undefined) loc.layer = step.layer;
  return loc;
}

/** The step as recorded, shortened for a message. */
export function stepText(step: BuildStep, max = 200): string {
  const one = step.createdBy.replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
