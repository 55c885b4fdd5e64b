/**
 * A failed build as one line: where in the Dockerfile (file:line), which step, what
 * the builder said, and the last line the step printed. The whole output stays on the
 * error (`log`) for --debug.
 */
import { EngineError } from "../errors.js";
import type { BuildError } from "../engine/client.js";
import { oneLine } from "../engine/one-line.js";
import { builderStep, firstLine, pulledBase } from "../dockerfile/build-steps.js";
import type { Dockerfile } from "../dockerfile/types.js";

export class ImageBuildError extends EngineError {
  constructor(
    message: string,
    /** Every line of build output. */
    readonly log: readonly string[],
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}

export interface FailureContext {
  /** The context as the user gave it. */
  context: string;
  /** The Dockerfile as the user gave it. */
  dockerfile: string;
  /** The Dockerfile's parse (the build's one), which maps the builder's step back to its line; absent when it does not parse. */
  model?: Dockerfile;
}

/** What the builder said after "failed at step N/M (…): ", split from the step's last output. */
function splitDetail(err: BuildError): { detail: string; lastOutput?: string } {
  let rest = err.message;
  if (err.step !== undefined) {
    const where = `failed at step ${err.step} (${oneLine(err.instruction ?? "", 120)}): `;
    const at = rest.indexOf(where);
    if (at >= 0) rest = rest.slice(at + where.length);
  } else {
    rest = rest.replace(/^cannot build (?:image '[^']*'|an image): (?:failed: )?/, "");
  }
  const marker = "; last output: ";
  const cut = rest.lastIndexOf(marker);
  if (cut < 0) return { detail: rest };
  return { detail: rest.slice(0, cut), lastOutput: rest.slice(cut + marker.length) };
}

const PULL_FAILURE = /pull access denied|repository does not exist|manifest unknown|manifest for .* not found|no such host|dial tcp|registry|unauthorized|connection refused|i\/o timeout|TLS handshake/i;

export function describeBuildFailure(err: BuildError, ctx: FailureContext): string {
  const { detail, lastOutput } = splitDetail(err);
  const prefix = `cannot build ${ctx.context}`;

  const parse = /dockerfile parse error line (\d+): (.*)$/i.exec(detail);
  if (parse) return `${prefix}: ${ctx.dockerfile}:${parse[1]}: ${parse[2]} (the Dockerfile does not parse)`;
  if (err.step === undefined) return `${prefix}: ${detail}`;

  const step = ctx.model ? builderStep(ctx.model, err.step, err.instruction) : undefined;
  const where = step ? `${ctx.dockerfile}:${step.line}` : ctx.dockerfile;
  const instruction = oneLine(err.instruction ?? (step ? firstLine(step) : ""), 100);
  const keyword = instruction.split(" ", 1)[0]?.toUpperCase();

  if (keyword === "FROM" && PULL_FAILURE.test(detail)) {
    const base = (ctx.model && step ? pulledBase(ctx.model, step.line) : undefined) ?? instruction.replace(/^FROM\s+(--\S+\s+)*/i, "").split(/\s+/)[0];
    const hint = base?.startsWith("imgpolicy-base/") ? " (imgpolicy's own bases are built by scripts/build-bases.sh)" : "";
    return `${prefix}: ${where}: base image '${base}' is not in the local engine and could not be pulled: ${oneLine(detail, 200)}${hint}`;
  }

  const exit = /^The command '.*' returned a non-zero code: (\d+)$/.exec(detail);
  const what = exit ? `failed with exit code ${exit[1]}` : `failed: ${oneLine(detail, 240)}`;
  const last = lastOutput ? `; last output: ${oneLine(lastOutput, 200)}` : "";
  return `${prefix}: ${where}: step ${err.step} '${instruction}' ${what}${last}`;
}
