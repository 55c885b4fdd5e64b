/**
 * parseDockerfile(): a Dockerfile's text → the model in types.ts, parsed once with
 * dockerfile-ast. dockerfile-ast is an editor's parser and accepts anything; the
 * mistakes the builder refuses are checked here and thrown as a DockerfileSyntaxError
 * whose message is one line, `Dockerfile:12: unknown instruction COPPY (did you mean COPY?)`.
 */
import { createRequire } from "node:module";
import type { From, Flag, Heredoc, Instruction } from "dockerfile-ast";
import { SourceError } from "../errors.js";
import type { BaseImage, Dockerfile, DockerfileFlag, DockerfileHeredoc, DockerfileInstruction, DockerfileProperty, DockerfileStage } from "./types.js";
import { substitute } from "./variables.js";

/** A Dockerfile the builder would refuse; `line` is 1-based. */
export class DockerfileSyntaxError extends SourceError {
  constructor(
    readonly file: string,
    readonly line: number,
    what: string,
  ) {
    super(`${file}:${line}: ${what}`);
  }
}

/** A `--target` that names no stage of the Dockerfile; the message lists the stage names. */
export class UnknownTargetError extends SourceError {
  constructor(
    readonly file: string,
    readonly target: string,
    /** The `AS` names of the stages, in order. */
    readonly stageNames: string[],
  ) {
    super(
      `--target ${target}: ${file} has no stage of that name (${stageNames.length ? `its stages are ${stageNames.join(", ")}` : "none of its stages is named: FROM <image> AS <name>"})`,
    );
  }
}

export const KEYWORDS: ReadonlySet<string> = new Set([
  "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
  "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
]);
/** Instructions whose leading `--name[=value]` words are flags. */
const FLAGGED = new Set(["FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"]);
/** Instructions that may be written as a JSON array. */
const JSON_FORM = new Set(["RUN", "CMD", "ENTRYPOINT", "SHELL"]);
const NEEDS_ARGS = new Set(["ENV", "LABEL", "ARG", "EXPOSE", "USER", "WORKDIR", "VOLUME", "STOPSIGNAL", "MAINTAINER", "ONBUILD", "HEALTHCHECK", "SHELL"]);
const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

type Position = { line: number; character: number };
type Range = { start: Position; end: Position };

export interface ParseOptions {
  /** --build-arg values: they replace the defaults of the ARGs they name. */
  buildArgs?: Record<string, string>;
  /** --target: the stage the build stops at (its `AS` name, in any case); it is then the final stage. */
  target?: string;
}

/** dockerfile-ast, loaded on the first parse: a check without a Dockerfile never loads it. */
let loaded: typeof import("dockerfile-ast").DockerfileParser | undefined;
function parser(): typeof import("dockerfile-ast").DockerfileParser {
  loaded ??= (createRequire(import.meta.url)("dockerfile-ast") as typeof import("dockerfile-ast")).DockerfileParser;
  return loaded;
}

/**
 * Parses `text`, read from `path` (the name findings and errors carry). Throws
 * DockerfileSyntaxError, or UnknownTargetError when `opts.target` names no stage.
 */
export function parseDockerfile(text: string, path = "Dockerfile", opts: ParseOptions = {}): Dockerfile {
  const ast = parser().parse(text);
  const lines = text.split(/\r\n|\r|\n/);
  const escape = ast.getEscapeCharacter();
  const directives: Record<string, string> = {};
  for (const d of ast.getDirectives()) directives[d.getName().toLowerCase()] = d.getValue();
  const error = (line: number, what: string) => new DockerfileSyntaxError(path, line, what);

  const df: Dockerfile = { path, escape, directives, buildArgs: { ...opts.buildArgs }, globalArgs: [], stages: [], instructions: [] };
  for (const node of ast.getInstructions()) {
    const instr = readInstruction(node, lines, escape, df.stages.length - 1);
    check(instr, error);
    df.instructions.push(instr);
    if (instr.keyword === "FROM") {
      df.stages.push(stage(node as From, instr, df, error));
    } else if (df.stages.length === 0) {
      if (instr.keyword !== "ARG") throw error(instr.line, `${instr.keyword} before the first FROM (only ARG may come before it)`);
      df.globalArgs.push(instr);
    } else {
      df.stages[df.stages.length - 1]!.instructions.push(instr);
    }
  }
  if (df.stages.length === 0) throw error(lastLine(lines), "no FROM instruction: a Dockerfile must start a stage with FROM");
  if (opts.target !== undefined) {
    // stage names are case-insensitive, as the builder reads them
    const target = df.stages.find((s) => s.name === opts.target!.toLowerCase());
    if (!target) throw new UnknownTargetError(path, opts.target, df.stages.flatMap((s) => (s.name === undefined ? [] : [s.name])));
    df.target = target.index;
  }
  return df;
}

/** The parse error as one line, or undefined when the text parses. */
export function dockerfileError(text: string, path = "Dockerfile"): string | undefined {
  try {
    parseDockerfile(text, path);
    return undefined;
  } catch (err) {
    if (err instanceof DockerfileSyntaxError) return err.message;
    throw err;
  }
}

function lastLine(lines: readonly string[]): number {
  let n = lines.length;
  while (n > 1 && lines[n - 1]!.trim() === "") n--;
  return Math.max(1, n);
}

function check(instr: DockerfileInstruction, error: (line: number, what: string) => DockerfileSyntaxError): void {
  const k = instr.keyword;
  if (!KEYWORDS.has(k)) {
    const near = closest(k);
    throw error(instr.line, `unknown instruction ${k}${near ? ` (did you mean ${near}?)` : ""}`);
  }
  const empty = instr.args.trim() === "" && instr.heredocs.length === 0;
  if (NEEDS_ARGS.has(k) && empty) throw error(instr.line, `${k} requires at least one argument`);
  if (k === "ENV") {
    const bare = instr.properties.find((p) => p.value === undefined);
    if (bare) throw error(bare.line, `ENV ${bare.name} has no value (write ENV ${bare.name}=value)`);
  }
  if ((k === "COPY" || k === "ADD") && words(instr.args).length < 2) {
    throw error(instr.line, `${k} requires a source and a destination`);
  }
  if (k === "SHELL" && instr.form !== "exec") throw error(instr.line, 'SHELL must be a JSON array, e.g. SHELL ["/bin/bash", "-o", "pipefail", "-c"]');
  if (k === "ONBUILD") {
    const trigger = words(instr.args)[0]?.toUpperCase() ?? "";
    if (["ONBUILD", "FROM", "MAINTAINER"].includes(trigger)) throw error(instr.line, `${trigger} is not allowed as an ONBUILD trigger`);
  }
  for (const h of instr.heredocs) {
    if (h.line < 0) throw error(instr.line, `here-document <<${h.name} is never closed (no line ${h.name})`);
  }
}

/** The keyword a mistyped one was probably meant to be (edit distance ≤ 2). */
function closest(word: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of KEYWORDS) {
    const d = distance(word, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

const words = (s: string) => s.split(/\s+/).filter(Boolean);

function stage(node: From, instr: DockerfileInstruction, df: Dockerfile, error: (line: number, what: string) => DockerfileSyntaxError): DockerfileStage {
  const w = words(instr.args);
  if (w.length === 0) throw error(instr.line, "FROM names no image");
  if (w.length !== 1 && !(w.length === 3 && w[1]!.toLowerCase() === "as")) {
    throw error(instr.line, `FROM takes an image and optionally AS <name>, not "${instr.args}"`);
  }
  const index = df.stages.length;
  let name: string | undefined;
  if (w.length === 3) {
    name = w[2]!.toLowerCase();
    if (!STAGE_NAME.test(name)) throw error(instr.line, `invalid stage name "${w[2]}": it must start with a letter and hold only letters, digits, "-", "_" and "."`);
    if (df.stages.some((s) => s.name === name)) throw error(instr.line, `duplicate stage name "${name}"`);
  }
  const written = node.getImage() ?? w[0]!;
  const { text: image, unresolved } = substitute(written, globalArgValues(df), df.escape);
  if (image.trim() === "") throw error(instr.line, `FROM ${written} names no image (${unresolved.join(", ")} has no default)`);
  const from: BaseImage = { written, image, unresolved, scratch: image.toLowerCase() === "scratch", ...splitReference(image) };
  const earlier = df.stages.find((s) => s.name !== undefined && s.name === image.toLowerCase());
  if (earlier) from.stage = earlier.index;
  const platform = instr.flags.find((f) => f.name === "platform")?.value;
  if (platform !== undefined) from.platform = platform;
  const out: DockerfileStage = { index, line: instr.line, from, fromInstruction: instr, instructions: [] };
  if (name !== undefined) out.name = name;
  return out;
}

/** The ARGs declared before the first FROM: their --build-arg value, else their default (substituted). */
export function globalArgValues(df: Dockerfile): Map<string, string | undefined> {
  const vars = new Map<string, string | undefined>();
  for (const a of df.globalArgs) {
    for (const p of a.properties) {
      const given = Object.hasOwn(df.buildArgs, p.name) ? df.buildArgs[p.name] : undefined;
      vars.set(p.name, given ?? (p.value === undefined ? undefined : substitute(p.value, vars, df.escape).text));
    }
  }
  return vars;
}

/** NAME[:TAG][@DIGEST]; the tag follows the last ":" after the last "/" (a registry port comes before a "/"). */
export function splitReference(ref: string): { name: string; tag?: string; digest?: string } {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) [rest, digest] = [rest.slice(0, at), rest.slice(at + 1)];
  const colon = rest.lastIndexOf(":");
  const out: { name: string; tag?: string; digest?: string } = { name: rest };
  if (colon > rest.lastIndexOf("/")) [out.name, out.tag] = [rest.slice(0, colon), rest.slice(colon + 1)];
  if (digest !== undefined) out.digest = digest;
  return out;
}

function readInstruction(node: Instruction, lines: readonly string[], escape: string, stageIndex: number): DockerfileInstruction {
  const range = node.getRange() as Range;
  const keyword = node.getKeyword().toUpperCase();
  const astFlags: Flag[] = FLAGGED.has(keyword) && "getFlags" in node ? (node as unknown as { getFlags(): Flag[] }).getFlags() : [];
  const heredocs = readHeredocs(node, lines);
  const bodyStart = heredocs.reduce((min, h) => Math.min(min, h.firstLine), range.end.line + 1);
  // the arguments start after the keyword, or after the last flag
  let start: Position = (node.getInstructionRange() as Range).end;
  for (const f of astFlags) {
    const end = (f.getRange() as Range).end;
    if (end.line > start.line || (end.line === start.line && end.character > start.character)) start = end;
  }
  const args = joinContinuations(lines, start, Math.min(range.end.line, bodyStart - 1), escape);
  const instr: DockerfileInstruction = {
    keyword,
    line: range.start.line + 1,
    endLine: range.end.line + 1,
    text: lines.slice(range.start.line, range.end.line + 1).join("\n"),
    args,
    flags: astFlags.map(readFlag),
    heredocs: heredocs.map((h) => h.heredoc),
    properties: readProperties(node, keyword),
    stage: keyword === "FROM" ? stageIndex + 1 : stageIndex,
  };
  if (JSON_FORM.has(keyword)) {
    const argv = heredocs.length ? undefined : jsonArray(args);
    instr.form = argv ? "exec" : "shell";
    if (argv) instr.argv = argv;
  }
  return instr;
}

/**
 * The builder's reading of continued lines: an escape character at the end of a line
 * (trailing blanks allowed) joins it to the next; blank and comment lines inside a
 * continued instruction are dropped.
 */
function joinContinuations(lines: readonly string[], start: Position, lastLine: number, escape: string): string {
  const continued = new RegExp(`${escape.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")}[ \\t]*$`);
  let out = "";
  for (let n = start.line; n <= lastLine; n++) {
    const line = n === start.line ? lines[n]!.slice(start.character) : lines[n]!;
    if (n > start.line && /^\s*(?:#.*)?$/.test(line)) continue;
    const m = continued.exec(line);
    if (!m) return (out + line).trim();
    out += line.slice(0, m.index);
  }
  return out.trim();
}

function readFlag(f: Flag): DockerfileFlag {
  const value = f.getValue();
  const options: Record<string, string> = {};
  // key=value lists (--mount, --secret); a plain value (--from=build, --chown=1:1) has no options
  if (value && /^[\w-]+=/.test(value)) {
    for (const part of value.split(",")) {
      const eq = part.indexOf("=");
      if (eq > 0) options[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim();
      else if (part.trim()) options[part.trim().toLowerCase()] = "";
    }
  }
  const out: DockerfileFlag = { name: f.getName().toLowerCase(), options };
  if (value !== null) out.value = value;
  return out;
}

function readHeredocs(node: Instruction, lines: readonly string[]): { heredoc: DockerfileHeredoc; firstLine: number }[] {
  const getter = (node as unknown as { getHeredocs?: () => Heredoc[] }).getHeredocs;
  if (typeof getter !== "function") return [];
  const header = lines[(node.getRange() as Range).start.line] ?? "";
  return getter.call(node).map((h) => {
    const content = h.getContentRange() as Range | null;
    const delimiter = h.getDelimiterRange() as Range | null;
    const first = content?.start.line ?? delimiter?.start.line ?? (node.getRange() as Range).end.line + 1;
    let body = content ? lines.slice(content.start.line, content.end.line + 1).join("\n") : "";
    if (new RegExp(`<<-["']?${h.getName().replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")}`).test(header)) body = body.replace(/^\t+/gm, "");
    // an unterminated here-document runs to the end of the file: line -1 marks it for check()
    const heredoc: DockerfileHeredoc = { name: h.getName(), content: body, line: delimiter ? first + 1 : -1 };
    return { heredoc, firstLine: first };
  });
}

function readProperties(node: Instruction, keyword: string): DockerfileProperty[] {
  if (keyword !== "ENV" && keyword !== "ARG" && keyword !== "LABEL") return [];
  const props = (node as unknown as { getProperties(): { getName(): string; getValue(): string | null; getRange(): Range }[] }).getProperties();
  return props.map((p) => {
    const out: DockerfileProperty = { name: p.getName(), line: p.getRange().start.line + 1 };
    const v = p.getValue();
    if (v !== null) out.value = v;
    return out;
  });
}

/** The strings of a JSON array of strings, or undefined (then the builder reads the line as shell form). */
function jsonArray(args: string): string[] | undefined {
  if (!args.startsWith("[")) return undefined;
  try {
    const v = JSON.parse(args) as unknown;
    return Array.isArray(v) && v.every((x) => typeof x === "string") ? v : undefined;
  } catch {
    return undefined;
  }
}
