import { describe, expect, it } from "vitest";
import { builderStep, firstLine, pulledBase } from "./build-steps.js";
import { parseDockerfile } from "./parse.js";

const DOCKERFILE = `# syntax comment
ARG BASE=imgpolicy-base/golang:1.19
ARG RUNTIME
FROM \${BASE} AS build
WORKDIR /src
RUN go build \\
    -o /out/app .

FROM build AS test
RUN go vet ./...

FROM \${RUNTIME:-scratch}
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
`;

describe("the model read back from the builder's steps", () => {
  it("numbers the instructions as the classic builder does, global ARGs included", () => {
    const df = parseDockerfile(DOCKERFILE);
    expect(df.instructions.map((s) => `${s.line} ${s.keyword}`)).toEqual([
      "2 ARG", "3 ARG", "4 FROM", "5 WORKDIR", "6 RUN", "9 FROM", "10 RUN", "12 FROM", "13 COPY", "14 ENTRYPOINT",
    ]);
    expect(df.stages.map((s) => s.name ?? "")).toEqual(["build", "test", ""]);
  });

  it("names the base images a FROM pulls, variables substituted, stages and scratch left out", () => {
    const df = parseDockerfile(DOCKERFILE);
    expect([4, 9, 12].map((line) => pulledBase(df, line))).toEqual(["imgpolicy-base/golang:1.19", undefined, undefined]);
    const given = parseDockerfile(DOCKERFILE, "Dockerfile", { buildArgs: { BASE: "other/go:1", RUNTIME: "imgpolicy-base/static:nonroot" } });
    expect([4, 9, 12].map((line) => pulledBase(given, line))).toEqual(["other/go:1", undefined, "imgpolicy-base/static:nonroot"]);
    expect(pulledBase(df, 5)).toBeUndefined(); // no FROM there
  });

  it("maps 'Step N/M' to the Dockerfile line, not the LABEL steps added for labels", () => {
    const df = parseDockerfile(DOCKERFILE);
    const step = builderStep(df, "5/12", "RUN go build     -o /out/app .");
    expect(step?.line).toBe(6);
    expect(firstLine(step!)).toBe("RUN go build \\");
    expect(builderStep(df, "11/12", "LABEL imgpolicy.test=1")).toBeUndefined();
    expect(builderStep(df, "4/12", "COPY x y")).toBeUndefined(); // keywords disagree
    expect(builderStep(df, undefined, undefined)).toBeUndefined();
  });
});
