import { describe, expect, it } from "vitest";
import { SourceError } from "../errors.js";
import { dockerfileError, DockerfileSyntaxError, parseDockerfile, splitReference } from "./parse.js";
import { SEED_DOCKERFILES } from "./seed-dockerfiles.fixture.js";

const D = (...lines: string[]) => lines.join("\n") + "\n";

describe("parseDockerfile: the model", () => {
  const df = parseDockerfile(
    D(
      "# syntax=docker/dockerfile:1", // 1
      "ARG GO=1.22", // 2
      "ARG BASE", // 3
      "FROM --platform=$BUILDPLATFORM golang:${GO}-alpine AS Build", // 4
      "RUN --mount=type=cache,target=/go/pkg/mod \\", // 5
      "  # a comment inside the continuation", // 6
      "  --mount=type=bind,source=go.mod,target=go.mod \\", // 7
      "    go mod download \\", // 8
      "", // 9 (blank line inside a continuation: the builder skips it)
      "    -x", // 10
      "COPY --from=build --chown=1:1 /a /b", // 11
      'ENV A=1 B="two words" \\', // 12
      "    C=3", // 13
      "ARG TOKEN", // 14
      'LABEL org.opencontainers.image.source="https://example.test/app"', // 15
      "RUN <<EOF", // 16
      "apk add --no-cache curl", // 17
      "EOF", // 18
      'CMD ["/app", "--port", "8080"]', // 19
      "ENTRYPOINT /app --x", // 20
      "CMD [\"a\", 'b']", // 21
      "FROM build AS test", // 22
      "FROM scratch", // 23
    ),
    "build/Dockerfile",
  );

  it("reads directives, global ARGs and stages", () => {
    expect(df.path).toBe("build/Dockerfile");
    expect(df.directives).toEqual({ syntax: "docker/dockerfile:1" });
    expect(df.globalArgs.map((a) => a.properties)).toEqual([[{ name: "GO", value: "1.22", line: 2 }], [{ name: "BASE", line: 3 }]]);
    expect(df.stages.map((s) => [s.index, s.name, s.line])).toEqual([
      [0, "build", 4],
      [1, "test", 22],
      [2, undefined, 23],
    ]);
    expect(df.instructions).toHaveLength(14);
  });

  it("substitutes the global ARG defaults in FROM and splits the reference", () => {
    expect(df.stages[0]!.from).toEqual({
      written: "golang:${GO}-alpine",
      image: "golang:1.22-alpine",
      unresolved: [],
      scratch: false,
      name: "golang",
      tag: "1.22-alpine",
      platform: "$BUILDPLATFORM",
    });
    expect(df.stages[1]!.from).toMatchObject({ image: "build", stage: 0 });
    expect(df.stages[2]!.from).toMatchObject({ image: "scratch", scratch: true });
  });

  it("joins continuations as the builder does, without comment and blank lines, and reads flags", () => {
    const run = df.stages[0]!.instructions[0]!;
    expect(run).toMatchObject({ keyword: "RUN", line: 5, endLine: 10, form: "shell", args: "go mod download     -x" });
    expect(run.flags).toEqual([
      { name: "mount", value: "type=cache,target=/go/pkg/mod", options: { type: "cache", target: "/go/pkg/mod" } },
      { name: "mount", value: "type=bind,source=go.mod,target=go.mod", options: { type: "bind", source: "go.mod", target: "go.mod" } },
    ]);
    const copy = df.stages[0]!.instructions[1]!;
    expect(copy).toMatchObject({ keyword: "COPY", line: 11, args: "/a /b" });
    expect(copy.flags).toEqual([
      { name: "from", value: "build", options: {} },
      { name: "chown", value: "1:1", options: {} },
    ]);
  });

  it("reads ENV, ARG and LABEL pairs with their lines", () => {
    const [env, arg, label] = df.stages[0]!.instructions.slice(2, 5);
    expect(env!.properties).toEqual([
      { name: "A", value: "1", line: 12 },
      { name: "B", value: "two words", line: 12 },
      { name: "C", value: "3", line: 13 },
    ]);
    expect(arg!.properties).toEqual([{ name: "TOKEN", line: 14 }]);
    expect(label!.properties).toEqual([{ name: "org.opencontainers.image.source", value: "https://example.test/app", line: 15 }]);
  });

  it("reads here-documents, and exec form only from a valid JSON array", () => {
    const [heredoc, cmd, entrypoint, bad] = df.stages[0]!.instructions.slice(5);
    expect(heredoc).toMatchObject({ keyword: "RUN", line: 16, endLine: 18, args: "<<EOF", form: "shell" });
    expect(heredoc!.heredocs).toEqual([{ name: "EOF", content: "apk add --no-cache curl", line: 17 }]);
    expect(cmd).toMatchObject({ form: "exec", argv: ["/app", "--port", "8080"], line: 19 });
    expect(entrypoint).toMatchObject({ form: "shell", args: "/app --x", line: 20 });
    expect(bad).toMatchObject({ form: "shell", args: "[\"a\", 'b']" });
    expect(bad!.argv).toBeUndefined();
  });

  it("keeps an ARG without a default unresolved in FROM, and honours the escape directive", () => {
    const a = parseDockerfile(D("ARG REGISTRY", "FROM ${REGISTRY}/alpine:3.19"));
    expect(a.stages[0]!.from).toMatchObject({ image: "/alpine:3.19", unresolved: ["REGISTRY"], tag: "3.19" });
    const b = parseDockerfile(D("# escape=`", "FROM mcr.microsoft.com/windows/servercore:ltsc2022", "RUN echo a `", "  b"));
    expect(b.escape).toBe("`");
    expect(b.stages[0]!.instructions[0]).toMatchObject({ args: "echo a   b", line: 3, endLine: 4 });
  });

  it("strips leading tabs of <<- here-documents", () => {
    const df2 = parseDockerfile("FROM alpine:3.19\nRUN <<-EOT\n\techo hi\n\tEOT\n");
    expect(df2.stages[0]!.instructions[0]!.heredocs).toEqual([{ name: "EOT", content: "echo hi", line: 3 }]);
  });

  it("parses every seed Dockerfile", () => {
    for (const [name, text] of Object.entries(SEED_DOCKERFILES)) expect(dockerfileError(text, name), name).toBeUndefined();
  });
});

describe("splitReference", () => {
  it.each([
    ["alpine", { name: "alpine" }],
    ["alpine:3.19", { name: "alpine", tag: "3.19" }],
    ["localhost:5000/app", { name: "localhost:5000/app" }],
    ["localhost:5000/app:1.2", { name: "localhost:5000/app", tag: "1.2" }],
    ["golang:1.22@sha256:abc", { name: "golang", tag: "1.22", digest: "sha256:abc" }],
    ["alpine@sha256:abc", { name: "alpine", digest: "sha256:abc" }],
  ])("%s", (ref, want) => expect(splitReference(ref)).toEqual(want));
});

describe("parseDockerfile: what the builder refuses is one line, with the line", () => {
  it.each([
    ["an unknown instruction, with a suggestion", "FROM alpine:3.19\nCOPPY a b\n", "Dockerfile:2: unknown instruction COPPY (did you mean COPY?)"],
    ["an unknown instruction", "FROM alpine:3.19\nRUN x\nFROOBLE y\n", "Dockerfile:3: unknown instruction FROOBLE"],
    ["an empty FROM", "FROM alpine:3.19\nFROM\n", "Dockerfile:2: FROM names no image"],
    ["FROM with only flags", "FROM --platform=linux/amd64\n", "Dockerfile:1: FROM names no image"],
    ["FROM with stray words", "FROM alpine 3.19\n", 'Dockerfile:1: FROM takes an image and optionally AS <name>, not "alpine 3.19"'],
    ["an invalid stage name", "FROM alpine AS 1st\n", 'Dockerfile:1: invalid stage name "1st": it must start with a letter and hold only letters, digits, "-", "_" and "."'],
    ["a duplicate stage name", "FROM alpine AS a\nFROM alpine AS A\n", 'Dockerfile:2: duplicate stage name "a"'],
    ["an instruction before FROM", "ARG V=1\nRUN echo\nFROM alpine\n", "Dockerfile:2: RUN before the first FROM (only ARG may come before it)"],
    ["no FROM", "# nothing\nARG V=1\n", "Dockerfile:2: no FROM instruction: a Dockerfile must start a stage with FROM"],
    ["an empty file", "", "Dockerfile:1: no FROM instruction: a Dockerfile must start a stage with FROM"],
    ["a FROM whose ARG has no default", "ARG BASE\nFROM ${BASE}\n", "Dockerfile:2: FROM ${BASE} names no image (BASE has no default)"],
    ["COPY without a destination", "FROM alpine\nCOPY app\n", "Dockerfile:2: COPY requires a source and a destination"],
    ["SHELL in shell form", "FROM alpine\nSHELL /bin/bash -c\n", 'Dockerfile:2: SHELL must be a JSON array, e.g. SHELL ["/bin/bash", "-o", "pipefail", "-c"]'],
    ["ENV without a value", "FROM alpine\nENV A=1 \\\n  B\n", "Dockerfile:3: ENV B has no value (write ENV B=value)"],
    ["an empty USER", "FROM alpine\nUSER\n", "Dockerfile:2: USER requires at least one argument"],
    ["ONBUILD FROM", "FROM alpine\nONBUILD FROM x\n", "Dockerfile:2: FROM is not allowed as an ONBUILD trigger"],
    ["an unterminated here-document", "FROM alpine\nRUN <<EOF\necho hi\n", "Dockerfile:2: here-document <<EOF is never closed (no line EOF)"],
  ])("%s", (_name, text, message) => {
    expect(dockerfileError(text)).toBe(message);
    expect(message).not.toContain("\n");
  });

  it("throws a SourceError carrying the file and line", () => {
    let err: unknown;
    try {
      parseDockerfile("FROM alpine\nFOO bar\n", "svc/Dockerfile.prod");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DockerfileSyntaxError);
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toMatchObject({ file: "svc/Dockerfile.prod", line: 2, message: "svc/Dockerfile.prod:2: unknown instruction FOO (did you mean FROM?)" });
  });

  it("accepts lower-case instructions and a stage that names an earlier one", () => {
    expect(dockerfileError("from alpine:3.19 as base\nrun echo\nfrom base\n")).toBeUndefined();
  });
});
