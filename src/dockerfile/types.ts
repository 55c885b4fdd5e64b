/**
 * The Dockerfile model the lint rules read (IMG-DF-*): stages, their base images and
 * their instructions, with 1-based line numbers. Built once by `parseDockerfile`
 * (parse.ts) from dockerfile-ast's syntax tree; nothing here refers to the tree.
 */

/** A flag written before an instruction's arguments: `--from=build`, `--mount=type=cache,target=/go/pkg/mod`. */
export interface DockerfileFlag {
  /** Without the leading `--`: "mount", "from", "chown", "platform". */
  name: string;
  /** What follows `=`; undefined for a bare flag (`--link`). */
  value?: string;
  /** The comma-separated `key=value` options of the value (for `--mount`): { type: "cache", target: "/go/pkg/mod" }. */
  options: Record<string, string>;
}

/** A here-document of a RUN, COPY or ADD: `RUN <<EOF … EOF`. */
export interface DockerfileHeredoc {
  /** The delimiter: "EOF". */
  name: string;
  /** The body, without the delimiter line; leading tabs removed for `<<-`. */
  content: string;
  /** 1-based line of the body's first line. */
  line: number;
}

/** A `name=value` pair of ENV, ARG or LABEL, as written (quotes and escapes removed, variables not substituted). */
export interface DockerfileProperty {
  name: string;
  /** Undefined for an ARG without a default. */
  value?: string;
  /** 1-based line the name is on. */
  line: number;
}

export interface DockerfileInstruction {
  /** Upper case: "RUN", "FROM", "COPY"… */
  keyword: string;
  /** 1-based line the instruction starts on. */
  line: number;
  /** 1-based last line, here-document bodies included. */
  endLine: number;
  /** The instruction as written (every line of it, here-documents included). */
  text: string;
  /**
   * The arguments after the keyword and flags, with line continuations joined and the
   * comment and blank lines inside them dropped, as the builder reads them; without
   * here-document bodies.
   */
  args: string;
  flags: DockerfileFlag[];
  /** RUN, CMD, ENTRYPOINT, SHELL: exec form (a JSON array of strings) or shell form. */
  form?: "exec" | "shell";
  /** The JSON array of an exec-form instruction. */
  argv?: string[];
  heredocs: DockerfileHeredoc[];
  /** ENV, ARG and LABEL pairs. */
  properties: DockerfileProperty[];
  /** Index of the stage the instruction belongs to; -1 for an ARG before the first FROM. */
  stage: number;
}

/** The image a stage starts from. */
export interface BaseImage {
  /** As written in the FROM line: "golang:${GO_VERSION}-alpine". */
  written: string;
  /** After substituting the ARGs declared before the first FROM (their defaults). */
  image: string;
  /** Variables the FROM line uses that have no default (the base depends on --build-arg). */
  unresolved: string[];
  /** `FROM scratch`. */
  scratch: boolean;
  /** Index of the earlier stage this FROM names (`FROM build AS test`), when it names one. */
  stage?: number;
  /** Repository without tag and digest: "golang", "gcr.io/distroless/static-debian12". */
  name: string;
  tag?: string;
  /** "sha256:…" */
  digest?: string;
  /** The --platform flag, when given. */
  platform?: string;
}

export interface DockerfileStage {
  index: number;
  /** The `AS` name, lower-cased as the builder does. */
  name?: string;
  /** 1-based line of the FROM instruction. */
  line: number;
  from: BaseImage;
  fromInstruction: DockerfileInstruction;
  /** The stage's instructions after FROM, in order. */
  instructions: DockerfileInstruction[];
}

export interface Dockerfile {
  /** The path the Dockerfile was read from, as the user gave it (findings point at it). */
  path: string;
  /** The escape character (`\` unless a `# escape=` directive sets another). */
  escape: string;
  /** Parser directives: { syntax: "docker/dockerfile:1" }. */
  directives: Record<string, string>;
  /** --build-arg values the build was given: they replace the defaults of the ARGs they name. */
  buildArgs: Record<string, string>;
  /** Index of the stage a `--target` build stops at; undefined: the last stage. */
  target?: number;
  /** ARG instructions before the first FROM (the only variables a FROM line can use). */
  globalArgs: DockerfileInstruction[];
  stages: DockerfileStage[];
  /** Every instruction, in order. */
  instructions: DockerfileInstruction[];
}
