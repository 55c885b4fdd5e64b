import { describe, expect, it } from "vitest";
import { builtStages, buildsEveryStage, isBuilt, stageDependencies, stageNamed } from "./built-stages.js";
import { parseDockerfile, type ParseOptions } from "./parse.js";

const D = (opts: ParseOptions, ...lines: string[]) => parseDockerfile(lines.join("\n") + "\n", "Dockerfile", opts);
const built = (df: ReturnType<typeof D>) => [...builtStages(df)].sort();

const MULTI = [
  "ARG GO=1.22", // 1
  "FROM golang:${GO} AS deps", // 2  stage 0
  "RUN go mod download", // 3
  "FROM deps AS build", // 4  stage 1
  "RUN go build -o /out/app .", // 5
  "FROM alpine:3.19 AS certs", // 6  stage 2
  "RUN apk add --no-cache ca-certificates", // 7
  "FROM golang:${GO} AS lint", // 8  stage 3
  "RUN --mount=type=bind,from=build,source=/out,target=/out go vet ./...", // 9
  "FROM scratch AS runtime", // 10 stage 4
  "COPY --from=build /out/app /app", // 11
  "COPY --from=CERTS /etc/ssl/certs /etc/ssl/certs", // 12
  "FROM runtime AS debug", // 13 stage 5
  "COPY --from=lint /go/bin /bin", // 14
];

describe("the stages a build runs", () => {
  it("without --target: the last stage and what it reaches through FROM, COPY --from and RUN --mount=from", () => {
    const df = D({}, ...MULTI);
    expect(built(df)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(buildsEveryStage(df)).toBe(true);
  });

  it("with --target: only the target and the stages it needs (stage names in any case)", () => {
    const df = D({ target: "Runtime" }, ...MULTI);
    expect(built(df)).toEqual([0, 1, 2, 4]); // not lint (3), not debug (5)
    expect(buildsEveryStage(df)).toBe(false);
    expect(built(D({ target: "lint" }, ...MULTI))).toEqual([0, 1, 3]); // through the --mount=from
    expect(built(D({ target: "certs" }, ...MULTI))).toEqual([2]);
  });

  it("leaves out a stage nothing uses, even without --target", () => {
    const df = D({}, "FROM golang:1.22 AS build", "RUN go build -o /app .", "FROM alpine:3.19 AS test", "RUN false", "FROM scratch", "COPY --from=build /app /app");
    expect(built(df)).toEqual([0, 2]);
    const [testRun, buildRun] = [df.stages[1]!.instructions[0]!, df.stages[0]!.instructions[0]!];
    expect([isBuilt(df, testRun), isBuilt(df, buildRun)]).toEqual([false, true]);
    const globals = D({ target: "build" }, "ARG X=1", "FROM alpine AS build", "FROM scratch");
    expect(isBuilt(globals, globals.globalArgs[0]!)).toBe(true); // an ARG before the first FROM belongs to every build
  });

  it("reads --from as a stage index, or as an image when it names no earlier stage", () => {
    const df = D({}, "FROM alpine:3.19", "RUN touch /x", "FROM alpine:3.19 AS later", "FROM scratch", "COPY --from=0 /x /x", "COPY --from=nginx:1.25 /etc/nginx /etc/nginx");
    expect(built(df)).toEqual([0, 2]);
    expect(stageNamed(df, "0", 2)?.index).toBe(0);
    expect(stageNamed(df, "LATER", 2)?.index).toBe(1);
    expect(stageNamed(df, "later", 1)).toBeUndefined(); // not before stage 1
    expect(stageNamed(df, "nginx:1.25", 2)).toBeUndefined();
  });

  it("substitutes variables in --from, with the build args", () => {
    const lines = ["ARG FLAVOUR=musl", "FROM alpine:3.19 AS musl", "FROM debian:12 AS glibc", "FROM scratch", "ARG FLAVOUR", "COPY --from=${FLAVOUR} /lib /lib"];
    expect(built(D({}, ...lines))).toEqual([0, 2]);
    expect(built(D({ buildArgs: { FLAVOUR: "glibc" } }, ...lines))).toEqual([1, 2]);
    const df = D({ buildArgs: { FLAVOUR: "glibc" } }, ...lines);
    expect(stageDependencies(df, df.stages[2]!).map((s) => s.name)).toEqual(["glibc"]);
  });
});
