/**
 * The Dockerfile rules judge what the build built: the --target stage as the final one,
 * the stages it needs (not the others), and ARG values with the build's --build-arg
 * values over their defaults.
 */
import { expect, it } from "vitest";
import { rule as basePinned } from "./dockerfile-base-pinned.js";
import { rule as dockerignore } from "./dockerfile-dockerignore.js";
import { rule as entrypointMatches } from "./dockerfile-entrypoint-matches.js";
import { withBuild } from "./dockerfile-facts.fixture.js";
import { rule as goCgo } from "./dockerfile-go-cgo.js";
import { rule as maskedFailures } from "./dockerfile-masked-failures.js";
import { rule as secrets } from "./dockerfile-secrets.js";
import { rule as userMatches } from "./dockerfile-user-matches.js";
import { rule as user } from "./dockerfile-user.js";
import { run, userFacts } from "./test-facts.js";
import { table } from "./test-rule-table.js";

const D = (...lines: string[]) => lines.join("\n") + "\n";
const at = (line: number, config?: string) => ({ ...(config ? { config } : {}), dockerfile: { file: "Dockerfile", line } });

/** runtime: non-root only when UID is given; debug, built FROM it, is root and runs a shell. */
const TWO_TARGETS = D(
  "FROM alpine:3.19 AS runtime", // 1
  "ARG UID=0", // 2
  "USER ${UID}", // 3
  'ENTRYPOINT ["/app"]', // 4
  "FROM runtime AS debug", // 5
  "USER root", // 6
  'ENTRYPOINT ["/bin/sh"]', // 7
  "RUN apk add --no-cache strace || true", // 8
);

table(user, [
  { name: "no --target: the last stage", facts: withBuild(TWO_TARGETS, {}), status: "fail", text: /The final USER is 'root' \(line 6\)/, location: at(6) },
  { name: "--target runtime, ARG default", facts: withBuild(TWO_TARGETS, { target: "runtime" }), status: "fail", text: /The final USER is '0' \(line 3\)/, location: at(3) },
  { name: "--target runtime --build-arg UID=10001", facts: withBuild(TWO_TARGETS, { target: "runtime", buildArgs: { UID: "10001" } }), status: "pass" },
  { name: "--target in another case", facts: withBuild(TWO_TARGETS, { target: "RunTime", buildArgs: { UID: "10001" } }), status: "pass" },
  { name: "a build arg, no --target", facts: withBuild(TWO_TARGETS, { buildArgs: { UID: "10001" } }), status: "fail", location: at(6) },
  {
    name: "a --target that names no stage",
    facts: withBuild(TWO_TARGETS, { target: "prod" }),
    status: "skip",
    text: "--target prod: Dockerfile has no stage of that name (its stages are runtime, debug)",
  },
]);

const built10001 = userFacts("10001", [{ name: "app", uid: 10001, gid: 10001 }]);

table(userMatches, [
  { name: "the runtime image checked against the last stage's USER", facts: withBuild(TWO_TARGETS, {}, built10001), status: "fail", text: /final USER is 'root' \(line 6\)/ },
  { name: "the runtime image checked against its --target stage", facts: withBuild(TWO_TARGETS, { target: "runtime", buildArgs: { UID: "10001" } }, built10001), status: "pass" },
  { name: "--target without the build arg", facts: withBuild(TWO_TARGETS, { target: "runtime" }, built10001), status: "fail", text: /final USER is '0' \(line 3\)/ },
]);

const runsApp = { config: { entrypoint: ["/app"], entrypointForm: "exec" as const } };
table(entrypointMatches, [
  { name: "no --target", facts: withBuild(TWO_TARGETS, {}, runsApp), status: "fail", location: at(7, "Entrypoint") },
  { name: "--target runtime", facts: withBuild(TWO_TARGETS, { target: "runtime" }, runsApp), status: "pass" },
]);

table(maskedFailures, [
  { name: "no --target: the debug stage is built", facts: withBuild(TWO_TARGETS, {}), status: "fail", location: at(8) },
  { name: "--target runtime: the debug stage is not", facts: withBuild(TWO_TARGETS, { target: "runtime" }), status: "pass" },
]);

/** tools is used by debug only; the FROM lines take their tags from ARGs. */
const TOOLS = D(
  "ARG ALPINE=3.19", // 1
  "FROM golang AS tools", // 2
  "RUN go install example.test/tool@v1", // 3
  "FROM alpine:${ALPINE} AS runtime", // 4
  "COPY . /srv", // 5
  "FROM runtime AS debug", // 6
  "COPY --from=tools /go/bin/tool /bin/tool", // 7
);

table(basePinned, [
  { name: "no --target: the tools stage is built", facts: withBuild(TOOLS, {}), status: "fail", findings: 1, location: at(2) },
  { name: "--target runtime: the tools stage is not", facts: withBuild(TOOLS, { target: "runtime" }), status: "pass" },
  {
    name: "--build-arg ALPINE=latest",
    facts: withBuild(TOOLS, { target: "runtime", buildArgs: { ALPINE: "latest" } }),
    status: "fail",
    text: "FROM alpine:latest (alpine:${ALPINE} with --build-arg ALPINE=latest) does not pin the base image: the tag latest moves.",
    location: at(4),
  },
  { name: "--build-arg pinning a moving default", facts: withBuild(D("ARG TAG=latest", "FROM alpine:${TAG}"), { buildArgs: { TAG: "3.20" } }), status: "pass" },
  { name: "--build-arg giving a tag with no default", facts: withBuild(D("ARG TAG", "FROM alpine:${TAG}"), { buildArgs: { TAG: "latest" } }), status: "fail", text: /the tag latest moves/ },
]);

table(dockerignore, [
  {
    name: "only a stage the target does not need copies the context",
    facts: withBuild(D("FROM alpine:3.19 AS dev", "COPY . /src", "FROM alpine:3.19 AS runtime", "RUN true"), { target: "runtime" }, { dockerfile: { dockerignore: false } }),
    status: "pass",
  },
  { name: "the target copies it", facts: withBuild(TOOLS, { target: "runtime" }, { dockerfile: { dockerignore: false } }), status: "fail", location: at(5) },
]);

/** CGO_ENABLED from an ARG; the go build is in a stage only `app` needs. */
const CGO = D(
  "FROM golang:1.22 AS build", // 1
  "ARG CGO_ENABLED=1", // 2
  "RUN go build -o /out/app .", // 3
  "FROM alpine:3.19 AS base", // 4
  "FROM scratch AS app", // 5
  "COPY --from=build /out/app /app", // 6
);

table(goCgo, [
  { name: "the ARG default", facts: withBuild(CGO, {}), status: "fail", text: /it sets CGO_ENABLED=1 \(line 2\)/, location: at(3) },
  { name: "--build-arg CGO_ENABLED=0", facts: withBuild(CGO, { buildArgs: { CGO_ENABLED: "0" } }), status: "pass" },
  { name: "a build arg that keeps cgo on is named", facts: withBuild(CGO.replace("ARG CGO_ENABLED=1", "ARG CGO_ENABLED"), { buildArgs: { CGO_ENABLED: "1" } }), status: "fail", text: /CGO_ENABLED=1 \(--build-arg CGO_ENABLED, ARG at line 2\)/ },
  { name: "--target base builds no Go", facts: withBuild(CGO, { target: "base" }), status: "skip", text: "no RUN in the stages --target base builds runs `go build` or `go install` of the module" },
]);

const TOKEN = "ghp_" + "Z9y8X7w6".repeat(5);

table(secrets, [
  { name: "a neutral ARG, no build arg", facts: withBuild(D("FROM alpine:3.19", "ARG GH", "ENV CONFIG=$GH"), {}), status: "pass" },
  {
    name: "a neutral ARG given a token, copied into ENV",
    facts: withBuild(D("FROM alpine:3.19", "ARG GH", "ENV CONFIG=$GH"), { buildArgs: { GH: TOKEN } }),
    status: "fail",
    findings: 2,
    text: /ARG GH is given a secret by --build-arg \(value looks like a GitHub token\)[\s\S]*ENV CONFIG takes a secret from the build's values/,
    location: at(2),
  },
  {
    name: "a secret-named ARG in a stage the target does not build",
    facts: withBuild(D("FROM node:20 AS deps", "ARG NPM_TOKEN", "FROM alpine:3.19 AS runtime"), { target: "runtime" }),
    status: "pass",
  },
  {
    name: "a secret written in a stage the target does not build (it is in the Dockerfile still)",
    facts: withBuild(D("FROM alpine:3.19 AS seed", "ARG DB_PASSWORD=hunter22", "FROM alpine:3.19 AS runtime"), { target: "runtime" }),
    status: "fail",
    location: at(2),
  },
]);

it("IMG-DF-012 never prints a secret given by --build-arg", () => {
  const r = run(secrets, withBuild(D("FROM alpine:3.19", "ARG GH", "ENV CONFIG=$GH"), { buildArgs: { GH: TOKEN } }));
  expect(r.outcome.status).toBe("fail");
  const text = JSON.stringify(r.outcome);
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(TOKEN.slice(4, 14));
});
