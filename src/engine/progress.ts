/**
 * The engine's JSON progress streams (build, load): one JSON object per line,
 * output text in `stream`, failures in `error`/`errorDetail`, results in `aux`.
 */
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { EngineError } from "../errors.js";
import { oneLine } from "./one-line.js";

export interface JsonMessage {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: { ID?: string; [key: string]: unknown };
  message?: string;
}

/** The messages of a progress stream; a line that is not JSON comes through as `stream` text. */
export async function* jsonMessages(stream: Readable): AsyncGenerator<JsonMessage> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  const parse = (line: string): JsonMessage | undefined => {
    const text = line.replace(/\r$/, "");
    if (text.trim() === "") return undefined;
    try {
      const value = JSON.parse(text) as unknown;
      if (value !== null && typeof value === "object") return value as JsonMessage;
    } catch {
      // fall through: plain text
    }
    return { stream: `${text}\n` };
  };
  for await (const chunk of stream) {
    pending += typeof chunk === "string" ? chunk : decoder.write(chunk as Buffer);
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const msg = parse(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      if (msg) yield msg;
    }
  }
  pending += decoder.end();
  const last = parse(pending);
  if (last) yield last;
}

/** Output text split into lines, whatever the chunking of `stream` fields. */
class LineCollector {
  readonly lines: string[] = [];
  #partial = "";
  constructor(private readonly onLine?: (line: string) => void) {}

  push(text: string): string[] {
    // RUN output on stderr comes wrapped in terminal colour codes.
    this.#partial += text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
    const parts = this.#partial.split(/\r?\n/);
    this.#partial = parts.pop() ?? "";
    for (const line of parts) this.#emit(line);
    return parts;
  }

  flush(): void {
    if (this.#partial !== "") this.#emit(this.#partial);
    this.#partial = "";
  }

  #emit(line: string): void {
    this.lines.push(line);
    this.onLine?.(line);
  }
}

/** A failed build: the step that failed and the whole log. */
export class BuildError extends EngineError {
  constructor(
    message: string,
    readonly log: string[],
    readonly step?: string,
    readonly instruction?: string,
  ) {
    super(message);
  }
}

const STEP = /^Step (\d+\/\d+) : (.*)$/;
const NOISE = /^( ---> |Removing intermediate container |Successfully (built|tagged) )/;

/**
 * Follows a classic-builder output stream to its end; resolves with the image ID,
 * throws a BuildError naming the failing step when the build fails.
 */
export async function followBuild(
  stream: Readable,
  what: string,
  onOutput?: (line: string) => void,
): Promise<{ id?: string; log: string[] }> {
  const out = new LineCollector(onOutput);
  let step: string | undefined;
  let instruction: string | undefined;
  let lastOutput: string | undefined;
  let id: string | undefined;
  let shortId: string | undefined;

  for await (const msg of jsonMessages(stream)) {
    if (typeof msg.stream === "string") {
      for (const line of out.push(msg.stream)) {
        const m = STEP.exec(line);
        if (m) {
          step = m[1];
          instruction = m[2];
          lastOutput = undefined;
        } else if (line.startsWith("Successfully built ")) {
          shortId = line.slice("Successfully built ".length).trim();
        } else if (line.trim() !== "" && !NOISE.test(line)) {
          lastOutput = line.trim();
        }
      }
    }
    if (msg.aux && typeof msg.aux.ID === "string") id = msg.aux.ID;
    if (msg.error !== undefined || msg.errorDetail !== undefined) {
      out.flush();
      const detail = oneLine(msg.errorDetail?.message ?? msg.error ?? "unknown error");
      const where = step ? ` at step ${step} (${oneLine(instruction ?? "", 120)})` : "";
      const tail = lastOutput && lastOutput !== detail ? `; last output: ${oneLine(lastOutput, 200)}` : "";
      throw new BuildError(`cannot build ${what}: failed${where}: ${detail}${tail}`, out.lines, step, instruction);
    }
  }
  out.flush();
  return { id: id ?? shortId, log: out.lines };
}

/** Follows an image-load stream; resolves with the loaded references. */
export async function followLoad(stream: Readable, what: string): Promise<{ loaded: string[]; log: string[] }> {
  const out = new LineCollector();
  const loaded: string[] = [];
  for await (const msg of jsonMessages(stream)) {
    if (typeof msg.stream === "string") {
      for (const line of out.push(msg.stream)) {
        const m = /^Loaded image(?: ID)?: (.+)$/.exec(line.trim());
        if (m) loaded.push(m[1]);
      }
    }
    if (msg.error !== undefined || msg.errorDetail !== undefined) {
      throw new EngineError(`cannot ${what}: ${oneLine(msg.errorDetail?.message ?? msg.error ?? "unknown error")}`);
    }
  }
  out.flush();
  return { loaded, log: out.lines };
}
