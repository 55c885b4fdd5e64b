import { describe, expect, it } from "vitest";
import { parseDockerfile, UnknownTargetError } from "./parse.js";
import {
  copiesWholeContext,
  copySources,
  effectiveCommands,
  effectiveLabels,
  effectiveUser,
  finalChain,
  recordedArgv,
  rootBase,
  shippedStages,
  substituteAt,
  variablesAt,
} from "./stages.js";
import { substitute } from "./variables.js";

const D = (...lines: string[]) => parseDockerfile(lines.join("\n") + "\n");

describe("substitute", () => {
  const vars = new Map<string, string | undefined>([
    ["GO", "1.22"],
    ["EMPTY", ""],
    ["NODEFAULT", undefined],
  ]);
  it.each([
    ["golang:${GO}-alpine", "golang:1.22-alpine", []],
    ["golang:$GO", "golang:1.22", []],
    ["${NODEFAULT}", "", ["NODEFAULT"]],
    ["${UNDECLARED}x", "x", ["UNDECLARED"]],
    ["${NODEFAULT:-1.21}", "1.21", []],
    ["${EMPTY:-fallback}", "fallback", []],
    ["${EMPTY-fallback}", "", []],
    ["${GO:+set}", "set", []],
    ["${EMPTY:+set}", "", []],
    ["${NODEFAULT:+set}", "", ["NODEFAULT"]],
    ["${NODEFAULT:-${GO}}", "1.22", []],
    ["\\$GO stays", "$GO stays", []],
    ["cost: $5", "cost: $5", []],
  ])("%s → %s", (text, want, unresolved) => {
    expect(substitute(text, vars)).toEqual({ text: want, unresolved });
  });
});

describe("variablesAt", () => {
  const df = D(
    "ARG GO=1.22", // 1
    "ARG ONLY_GLOBAL=g", // 2
    "FROM golang:${GO} AS build", // 3
    "ARG GO", // 4
    "ENV CGO_ENABLED=0 GOFLAGS=-trimpath", // 5
    "ARG CGO_ENABLED=1", // 6
    "RUN go build", // 7
    "FROM build AS second", // 8
    "RUN go build", // 9
  );
  const [build, second] = df.stages;
  it("gives a stage its ARGs (a redeclared global with the global default) under the ENV", () => {
    const v = variablesAt(df, build!.instructions[3]!);
    expect(v.get("GO")).toBe("1.22");
    expect(v.get("CGO_ENABLED")).toBe("0"); // ENV wins over an ARG of the same name
    expect(v.has("ONLY_GLOBAL")).toBe(false);
  });
  it("carries ENV, not ARG, across FROM <stage>", () => {
    const v = variablesAt(df, second!.instructions[0]!);
    expect(v.get("CGO_ENABLED")).toBe("0");
    expect(v.get("GOFLAGS")).toBe("-trimpath");
    expect(v.has("GO")).toBe(false);
    expect(substituteAt(df, second!.instructions[0]!, "${GO:-none}").text).toBe("none");
  });
});

describe("stages", () => {
  const df = D(
    "FROM golang:1.22 AS build", // 1
    "USER 1000", // 2
    "FROM alpine:3.19 AS base", // 3
    'LABEL org.opencontainers.image.version="1.0" a=b', // 4
    "USER app", // 5
    'CMD ["/bin/sh"]', // 6
    "FROM base", // 7
    "ARG REV", // 8
    'LABEL org.opencontainers.image.revision="$REV" a=c', // 9
    'ENTRYPOINT ["/app"]', // 10
  );
  it("follows FROM <stage> to the final image's stages", () => {
    expect(finalChain(df).map((s) => s.index)).toEqual([2, 1]);
    expect([...shippedStages(df)]).toEqual([2, 1]);
    expect(rootBase(df, df.stages[2]!).image).toBe("alpine:3.19");
  });
  it("finds the USER in effect, inherited from the stage it is built FROM", () => {
    expect(effectiveUser(df)).toMatchObject({ user: "app", unresolved: [], instruction: { line: 5 } });
    expect(effectiveUser(D("FROM scratch", "COPY a /a"))).toBeUndefined();
    expect(effectiveUser(D("FROM alpine", "ARG UID=10001", "USER ${UID}:${UID}"))).toMatchObject({ user: "10001:10001" });
    expect(effectiveUser(D("FROM alpine", "ARG UID", "USER $UID"))).toMatchObject({ user: "", unresolved: ["UID"] });
  });
  it("clears a CMD inherited from the base stage when ENTRYPOINT is set, as the builder does", () => {
    const c = effectiveCommands(df);
    expect(c.entrypoint?.line).toBe(10);
    expect(c.cmd).toBe("reset");
    expect(c.resetBy?.line).toBe(10);
    const same = effectiveCommands(D("FROM alpine", 'CMD ["--help"]', 'ENTRYPOINT ["/app"]'));
    expect(same.cmd).toMatchObject({ line: 2 });
    expect(effectiveCommands(D("FROM alpine", "RUN true")).entrypoint).toBeUndefined();
  });
  it("records shell form under the SHELL in effect", () => {
    const d = D("FROM alpine", 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]', "ENTRYPOINT exec /app --port 8080");
    const c = effectiveCommands(d);
    expect(recordedArgv(c.entrypoint!, c.shell)).toEqual(["/bin/bash", "-o", "pipefail", "-c", "exec /app --port 8080"]);
    expect(recordedArgv(D("FROM a", 'CMD ["x", "y"]').stages[0]!.instructions[0]!, ["/bin/sh", "-c"])).toEqual(["x", "y"]);
  });
  it("collects the labels of the final image's stages, later ones winning", () => {
    const labels = effectiveLabels(df);
    expect(labels.get("a")).toEqual({ value: "c", unresolved: [], line: 9 });
    expect(labels.get("org.opencontainers.image.version")).toMatchObject({ value: "1.0", line: 4 });
    expect(labels.get("org.opencontainers.image.revision")).toEqual({ value: "", unresolved: ["REV"], line: 9 });
  });
  it("reads COPY sources and tells a copy of the whole context", () => {
    const d = D("FROM a", "COPY --from=build /out/app /app", "COPY go.mod go.sum ./", "COPY . .", 'COPY ["./", "/src/"]', "ADD . /src");
    const [fromStage, mods, all, json, add] = d.stages[0]!.instructions;
    expect(copySources(fromStage!)).toEqual({ sources: ["/out/app"], dest: "/app", from: "build" });
    expect(copySources(mods!)).toEqual({ sources: ["go.mod", "go.sum"], dest: "./" });
    expect([fromStage, mods, all, json, add].map((i) => copiesWholeContext(i!))).toEqual([false, false, true, true, true]);
  });
});

describe("--target and --build-arg", () => {
  const text = ["ARG ALPINE=3.19", "FROM alpine:${ALPINE} AS runtime", "ARG UID=1000", "USER ${UID}", "FROM runtime AS debug", "USER root"].join("\n");
  it("the target stage is the final one", () => {
    const df = parseDockerfile(text, "Dockerfile", { target: "Runtime" });
    expect(df.target).toBe(0);
    expect(finalChain(df).map((s) => s.index)).toEqual([0]);
    expect(effectiveUser(df)).toMatchObject({ user: "1000" });
    expect(effectiveUser(parseDockerfile(text))).toMatchObject({ user: "root" });
  });
  it("build args replace ARG defaults, in FROM and in the stage", () => {
    const df = parseDockerfile(text, "Dockerfile", { target: "runtime", buildArgs: { ALPINE: "3.20", UID: "10001" } });
    expect(df.stages[0]!.from.image).toBe("alpine:3.20");
    expect(effectiveUser(df)).toMatchObject({ user: "10001" });
  });
  it("build args replace global ARG defaults, also where a stage redeclares the ARG, and ARG defaults built from them", () => {
    const lines = ["ARG BASE=alpine", "ARG TAG=3.19", "FROM ${BASE}:${TAG}", "ARG TAG", "ARG UID=1000", "ARG GID=${UID}", "ENV TAG_ENV=$TAG", "USER ${UID}:${GID}"];
    const plain = parseDockerfile(lines.join("\n"));
    const given = parseDockerfile(lines.join("\n"), "Dockerfile", { buildArgs: { TAG: "3.20", UID: "10001", UNUSED: "x" } });
    expect([plain.stages[0]!.from.image, given.stages[0]!.from.image]).toEqual(["alpine:3.19", "alpine:3.20"]);
    expect([effectiveUser(plain)?.user, effectiveUser(given)?.user]).toEqual(["1000:1000", "10001:10001"]);
    const user = given.stages[0]!.instructions.at(-1)!;
    expect(variablesAt(given, user).get("TAG_ENV")).toBe("3.20");
    expect(variablesAt(given, user).has("UNUSED")).toBe(false); // a build arg no ARG declares is not a variable
    expect(variablesAt(given, user).has("BASE")).toBe(false); // a global ARG not redeclared in the stage is not either
  });

  it("a build arg gives an ARG without a default its value; ENV still wins over an ARG of the same name", () => {
    const text = ["FROM alpine:3.19", "ARG REV", "ENV MODE=prod", "ARG MODE=dev", 'LABEL rev="$REV" mode="$MODE"'].join("\n");
    const labels = effectiveLabels(parseDockerfile(text, "Dockerfile", { buildArgs: { REV: "abc123", MODE: "debug" } }));
    expect(labels.get("rev")).toMatchObject({ value: "abc123", unresolved: [] });
    expect(labels.get("mode")).toMatchObject({ value: "prod" });
    expect(effectiveLabels(parseDockerfile(text)).get("rev")).toMatchObject({ value: "", unresolved: ["REV"] });
  });

  it("a target that is not a stage is an error", () => {
    expect(() => parseDockerfile(text, "Dockerfile", { target: "prod" })).toThrow(new UnknownTargetError("Dockerfile", "prod", ["runtime", "debug"]));
    expect(() => parseDockerfile(text, "Dockerfile", { target: "prod" })).toThrow("--target prod: Dockerfile has no stage of that name (its stages are runtime, debug)");
    expect(() => parseDockerfile("FROM alpine\nFROM scratch\n", "build/Dockerfile", { target: "x" })).toThrow(
      "--target x: build/Dockerfile has no stage of that name (none of its stages is named: FROM <image> AS <name>)",
    );
  });
});
