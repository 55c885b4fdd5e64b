import { describe, expect, it } from "vitest";
import { outlineDockerfile, stepAt } from "./dockerfile-steps.js";

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

describe("outlineDockerfile", () => {
  it("numbers the instructions as the classic builder does, global ARGs included", () => {
    const o = outlineDockerfile(DOCKERFILE);
    expect(o.steps.map((s) => `${s.line} ${s.keyword}`)).toEqual([
      "2 ARG", "3 ARG", "4 FROM", "5 WORKDIR", "6 RUN", "9 FROM", "10 RUN", "12 FROM", "13 COPY", "14 ENTRYPOINT",
    ]);
    expect(o.stages).toEqual(["build", "test", ""]);
  });

  it("lists the base images, variables substituted, stages and scratch left out", () => {
    expect(outlineDockerfile(DOCKERFILE).bases).toEqual([{ image: "imgpolicy-base/golang:1.19", line: 4 }]);
    const o = outlineDockerfile(DOCKERFILE, { BASE: "other/go:1", RUNTIME: "imgpolicy-base/static:nonroot" });
    expect(o.bases).toEqual([
      { image: "other/go:1", line: 4 },
      { image: "imgpolicy-base/static:nonroot", line: 12 },
    ]);
  });

  it("maps 'Step N/M' to the Dockerfile line, not the LABEL steps added for labels", () => {
    const o = outlineDockerfile(DOCKERFILE);
    expect(stepAt(o, "5/12", "RUN go build     -o /out/app .")?.line).toBe(6);
    expect(stepAt(o, "11/12", "LABEL imgpolicy.test=1")).toBeUndefined();
    expect(stepAt(o, "4/12", "COPY x y")).toBeUndefined(); // keywords disagree
    expect(stepAt(o, undefined, undefined)).toBeUndefined();
  });
});
