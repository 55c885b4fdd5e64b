import { describe, expect, it } from "vitest";
import { createdSteps, shortId } from "./build-cleanup.js";

const ids = (log: string[]) => createdSteps(log).map((s) => (s.unprinted ? `${s.id}+${s.unprinted}` : s.id));

describe("createdSteps", () => {
  it("takes each step's result, not FROM's base nor cached steps", () => {
    const log = [
      "Step 1/5 : FROM imgpolicy-base/golang:1.19 AS build",
      " ---> 1111111111aa",
      "Step 2/5 : WORKDIR /src",
      " ---> Using cache",
      " ---> 2222222222bb",
      "Step 3/5 : RUN go build",
      " ---> Running in 3333333333cc",
      "Removing intermediate container 3333333333cc",
      " ---> 4444444444dd",
      "Step 4/5 : FROM scratch",
      " ---> ",
      "Step 5/5 : COPY --from=build /out /out",
      " ---> 5555555555ee",
      "Successfully built 5555555555ee",
    ];
    expect(ids(log)).toEqual(["4444444444dd", "5555555555ee"]);
  });

  it("a step's own output that looks like a result is not one; a stage FROM names an image made earlier (not again)", () => {
    const log = [
      "Step 1/4 : FROM base AS one",
      " ---> 1111111111aa",
      "Step 2/4 : RUN echo ' ---> Using cache'",
      " ---> Running in 3333333333cc",
      " ---> Using cache ",
      "Removing intermediate container 3333333333cc",
      " ---> 2222222222bb",
      "Step 3/4 : FROM one",
      " ---> 2222222222bb",
      "Step 4/4 : LABEL imgpolicy.test=1",
      " ---> Running in 4444444444cc",
      " ---> 5555555555ee",
    ];
    expect(ids(log)).toEqual(["2222222222bb", "5555555555ee"]);
  });

  // as Debian's docker.io 20.10 prints a base's ONBUILD triggers: no base, one result for them all
  it("ONBUILD triggers: the fresh ones made the result and the parents it does not print", () => {
    const fresh = ["Step 1/2 : FROM onbuild-base", "# Executing 2 build triggers", " ---> Running in aaaaaaaaaaaa", "Removing intermediate container aaaaaaaaaaaa", " ---> Running in bbbbbbbbbbbb", "Removing intermediate container bbbbbbbbbbbb", " ---> 9dc2e5706882", "Step 2/2 : RUN echo x", " ---> Running in cccccccccccc", " ---> 20faab1d4518"];
    expect(ids(fresh)).toEqual(["9dc2e5706882+1", "20faab1d4518"]);
    const half = ["Step 1/2 : FROM onbuild-base", "# Executing 2 build triggers", " ---> Using cache", " ---> Running in 6280bd568971", "Removing intermediate container 6280bd568971", " ---> 8b2b2567a710", "Step 2/2 : RUN echo x", " ---> Using cache", " ---> 7f63a675464e"];
    expect(ids(half)).toEqual(["8b2b2567a710"]);
    const cached = ["Step 1/2 : FROM onbuild-base", "# Executing 1 build trigger", " ---> Using cache", " ---> 9dc2e5706882", "Step 2/2 : RUN echo x", " ---> Using cache", " ---> 20faab1d4518"];
    expect(ids(cached)).toEqual([]);
  });

  it("a failed build: the steps before the failure", () => {
    const log = ["Step 1/3 : FROM base", " ---> 1111111111aa", "Step 2/3 : RUN true", " ---> Running in 2222222222aa", " ---> 3333333333aa", "Step 3/3 : RUN false", " ---> Running in 4444444444aa"];
    expect(ids(log)).toEqual(["3333333333aa"]);
  });
});

describe("shortId", () => {
  it("is the first 12 hex digits, with or without sha256:", () => {
    expect(shortId("sha256:0123456789abcdef")).toBe("0123456789ab");
    expect(shortId("0123456789abcdef")).toBe("0123456789ab");
  });
});
