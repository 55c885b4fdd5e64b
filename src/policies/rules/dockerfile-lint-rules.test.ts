import { expect, it } from "vitest";
import { rule as apkNoCache } from "./dockerfile-apk-no-cache.js";
import { rule as aptLists } from "./dockerfile-apt-lists.js";
import { rule as basePinned } from "./dockerfile-base-pinned.js";
import { rule as dockerignore } from "./dockerfile-dockerignore.js";
import { rule as entrypointMatches } from "./dockerfile-entrypoint-matches.js";
import { rule as execForm } from "./dockerfile-exec-form.js";
import { withDockerfile as df } from "./dockerfile-facts.fixture.js";
import { rule as finalStage } from "./dockerfile-final-stage.js";
import { rule as maskedFailures } from "./dockerfile-masked-failures.js";
import { rule as ociLabels } from "./dockerfile-oci-labels.js";
import { rule as secrets } from "./dockerfile-secrets.js";
import { rule as userMatches } from "./dockerfile-user-matches.js";
import { rule as user } from "./dockerfile-user.js";
import { run, userFacts } from "./test-facts.js";
import { table } from "./test-rule-table.js";

const D = (...lines: string[]) => lines.join("\n") + "\n";
const at = (line: number, config?: string) => ({ ...(config ? { config } : {}), dockerfile: { file: "Dockerfile", line } });
const DIGEST = "sha256:" + "c".repeat(64);

table(basePinned, [
  { name: "untagged", facts: df(D("FROM alpine")), status: "fail", text: "FROM alpine does not pin the base image: no tag, so it is read as latest.", location: at(1) },
  { name: "latest", facts: df(D("FROM golang:1.22 AS build", "FROM alpine:latest")), status: "fail", findings: 1, text: /the tag latest moves/, location: at(2) },
  { name: "a version tag", facts: df(D("FROM alpine:3.19")), status: "pass" },
  { name: "a digest", facts: df(D(`FROM alpine@${DIGEST}`)), status: "pass" },
  { name: "latest with a digest", facts: df(D(`FROM alpine:latest@${DIGEST}`)), status: "pass" },
  { name: "scratch and an earlier stage", facts: df(D("FROM golang:1.22 AS build", "FROM build AS test", "FROM scratch")), status: "pass" },
  {
    name: "an ARG default that says latest",
    facts: df(D("ARG TAG=latest", "FROM alpine:${TAG}")),
    status: "fail",
    text: "FROM alpine:latest (alpine:${TAG} with the ARG defaults) does not pin the base image: the tag latest moves.",
    location: at(2),
  },
  { name: "an ARG default that pins", facts: df(D("ARG GO_VERSION=1.22", "FROM golang:${GO_VERSION}-alpine")), status: "pass" },
  { name: "a tag from --build-arg is not judged", facts: df(D("ARG TAG", "FROM alpine:${TAG}")), status: "pass" },
  { name: "a registry from --build-arg, no tag", facts: df(D("ARG REGISTRY", "FROM ${REGISTRY}/alpine")), status: "fail", text: /FROM \$\{REGISTRY\}\/alpine does not pin/ },
  { name: "requireDigest", facts: df(D("FROM alpine:3.19")), options: { requireDigest: true }, status: "fail", text: /the policy requires a digest/ },
  { name: "mutableTags", facts: df(D("FROM alpine:edge")), options: { mutableTags: ["latest", "edge"] }, status: "fail", text: /the tag edge moves/ },
  {
    name: "every stage the build runs",
    facts: df(D("FROM golang AS build", "FROM node AS assets", "FROM alpine:3.19", "COPY --from=build /app /app", "COPY --from=assets /dist /dist")),
    status: "fail",
    findings: 2,
    location: at(1),
  },
]);

table(finalStage, [
  { name: "single stage on golang", facts: df(D("FROM golang:1.22", "COPY . .", "RUN go build -o /app .")), status: "fail", findings: 1, text: /single stage on the toolchain image golang:1\.22/, location: at(1) },
  {
    name: "final stage FROM the build stage",
    facts: df(D("FROM golang:1.22 AS build", "RUN go build -o /app .", "FROM build")),
    status: "fail",
    text: "The final stage starts FROM build, a stage built on golang:1.22, a toolchain image",
    location: at(3),
  },
  { name: "a Docker Hub name written out", facts: df(D("FROM docker.io/library/node:20-alpine AS deps", "FROM docker.io/library/node:20-alpine")), status: "fail", location: at(2) },
  { name: "node final, with node not counted as a toolchain", facts: df(D("FROM node:20-alpine")), options: { toolchainImages: ["golang"] }, status: "pass" },
  {
    name: "a compiler run in the final stage",
    facts: df(D("FROM alpine:3.19", "RUN apk add --no-cache go gcc musl-dev \\", " && go build -o /app .")),
    status: "fail",
    text: /compiles in the final stage: the toolchain ships with the program/,
    location: at(2),
  },
  {
    name: "a compiler run in a stage the final one is built FROM",
    facts: df(D("FROM debian:12 AS build", "RUN gcc -O2 -o /app main.c", "FROM build")),
    status: "fail",
    text: /compiles in stage build, which the final stage is built FROM/,
  },
  { name: "distroless final", facts: df(D("FROM golang:1.22 AS build", "RUN go build -o /app .", "FROM gcr.io/distroless/static-debian12:nonroot")), status: "pass" },
  { name: "a go install of a tool in a build stage only", facts: df(D("FROM golang:1.22 AS tools", "RUN go install example.test/tool@v1", "FROM alpine:3.19")), status: "pass" },
]);

table(user, [
  { name: "USER root", facts: df(D("FROM alpine:3.19", "USER root")), status: "fail", text: "The final USER is 'root' (line 2): the container runs as root.", location: at(2) },
  { name: "USER 0:0", facts: df(D("FROM alpine:3.19", "USER 0:0")), status: "fail", location: at(2) },
  { name: "root after a non-root user", facts: df(D("FROM alpine:3.19", "USER 1000", "RUN true", "USER root")), status: "fail", location: at(4) },
  { name: "non-root, then the build stage's USER does not count", facts: df(D("FROM golang:1.22 AS build", "USER 1000", "FROM scratch")), status: "fail", text: "The final stage (FROM scratch) sets no USER: the container runs as root.", location: at(3) },
  { name: "a numeric uid", facts: df(D("FROM scratch", "USER 65532:65532")), status: "pass" },
  { name: "a name", facts: df(D("FROM alpine:3.19", "USER app")), status: "pass" },
  { name: "a name, numeric required", facts: df(D("FROM alpine:3.19", "USER app")), options: { requireNumeric: true }, status: "fail", text: /is a name/, location: at(2) },
  { name: "a uid from an ARG default", facts: df(D("FROM alpine:3.19", "ARG UID=10001", "USER ${UID}")), status: "pass" },
  { name: "a uid from --build-arg", facts: df(D("FROM alpine:3.19", "ARG UID", "USER ${UID}")), status: "skip", text: /depends on build args without defaults \(UID\)/ },
  { name: "inherited from the stage built FROM", facts: df(D("FROM alpine:3.19 AS base", "USER 1000", "FROM base")), status: "pass" },
  { name: "no USER on a distroless nonroot base", facts: df(D("FROM gcr.io/distroless/static-debian12:debug-nonroot")), status: "pass" },
  { name: "no USER, the base image's user is not root", facts: df(D("FROM example.test/base:1"), userFacts("1000")), status: "pass" },
  {
    name: "no USER on alpine",
    facts: df(D("FROM alpine:3.19", "RUN true")),
    status: "fail",
    text: "The final stage (FROM alpine:3.19) sets no USER, and alpine:3.19 does not set a non-root one: the container runs as root.",
    location: at(1),
  },
  {
    name: "a name that is uid 0 in the image",
    facts: df(D("FROM alpine:3.19", "USER toor"), userFacts("toor", [{ name: "toor", uid: 0, gid: 0 }])),
    status: "fail",
    text: /a user with uid 0 in the image's \/etc\/passwd/,
  },
]);

table(execForm, [
  { name: "neither set", facts: df(D("FROM alpine:3.19")), status: "skip", text: /sets neither ENTRYPOINT nor CMD/ },
  { name: "exec form", facts: df(D("FROM scratch", 'ENTRYPOINT ["/app"]', 'CMD ["--port", "8080"]')), status: "pass" },
  {
    name: "shell-form ENTRYPOINT",
    facts: df(D("FROM alpine:3.19", "ENTRYPOINT /app --port 8080")),
    status: "fail",
    text: "ENTRYPOINT /app --port 8080 is in shell form: /bin/sh is PID 1 and does not pass SIGTERM to the program.",
    location: at(2),
  },
  { name: "shell form that execs", facts: df(D("FROM alpine:3.19", 'ENTRYPOINT exec /app --port "$PORT"')), status: "pass" },
  { name: "shell-form CMD under an exec ENTRYPOINT", facts: df(D("FROM alpine:3.19", 'ENTRYPOINT ["/app"]', "CMD --port 8080")), status: "fail", text: /the entrypoint receives "\/bin\/sh", "-c"/, location: at(3) },
  { name: "shell-form CMD alone", facts: df(D("FROM alpine:3.19", "CMD /app")), status: "fail", location: at(2) },
  { name: "inherited from the stage built FROM", facts: df(D("FROM alpine:3.19 AS base", "CMD /app", "FROM base", "RUN true")), status: "fail", location: at(2) },
  { name: "an earlier shell form replaced", facts: df(D("FROM alpine:3.19", "CMD /app", 'CMD ["/app"]')), status: "pass" },
]);

table(apkNoCache, [
  { name: "no apk", facts: df(D("FROM alpine:3.19", "RUN true")), status: "skip", text: /no RUN in the final image's stages runs apk add/ },
  {
    name: "without --no-cache, on the apk line",
    facts: df(D("FROM alpine:3.19", "RUN set -eux; \\", "    apk add curl")),
    status: "fail",
    text: /runs `apk add` without `--no-cache`/,
    location: at(3),
  },
  { name: "--no-cache", facts: df(D("FROM alpine:3.19", "RUN apk add --no-cache curl")), status: "pass" },
  { name: "the cache removed", facts: df(D("FROM alpine:3.19", "RUN apk update && apk add curl && rm -rf /var/cache/apk/*")), status: "pass" },
  { name: "a cache mount", facts: df(D("FROM alpine:3.19", "RUN --mount=type=cache,target=/var/cache/apk apk --update add curl")), status: "pass" },
  { name: "only in a build stage", facts: df(D("FROM alpine:3.19 AS build", "RUN apk add gcc", "FROM scratch")), status: "skip" },
]);

table(aptLists, [
  { name: "no apt", facts: df(D("FROM debian:12", "RUN true")), status: "skip" },
  {
    name: "update and install, lists kept",
    facts: df(D("FROM debian:12", "RUN apt-get update \\", " && apt-get install -y --no-install-recommends curl")),
    status: "fail",
    text: "runs `apt-get update` and installs without removing /var/lib/apt/lists in the same RUN",
    location: at(2),
  },
  { name: "lists removed", facts: df(D("FROM debian:12", "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*")), status: "pass" },
  { name: "a cache mount", facts: df(D("FROM debian:12", "RUN --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y curl")), status: "pass" },
  { name: "removed only in a later RUN", facts: df(D("FROM debian:12", "RUN apt-get update", "RUN apt-get install -y curl && rm -rf /var/lib/apt/lists/*")), status: "fail", findings: 1, location: at(2) },
  { name: "only in a build stage", facts: df(D("FROM debian:12 AS build", "RUN apt-get update && apt-get install -y gcc", "FROM scratch")), status: "skip" },
]);

table(maskedFailures, [
  { name: "no RUN", facts: df(D("FROM scratch", "COPY app /app")), status: "pass" },
  {
    name: "|| true",
    facts: df(D("FROM golang:1.22", "RUN go mod download || true")),
    status: "fail",
    text: "RUN go mod download || true masks a failure of `go mod download` with `|| true`: the build goes on whatever it did.",
    location: at(2),
  },
  { name: "|| : on a continued line", facts: df(D("FROM alpine:3.19", "RUN set -x && \\", "    make install || :")), status: "fail", location: at(3) },
  { name: "|| exit 0", facts: df(D("FROM alpine:3.19", "RUN test -f /x || exit 0")), status: "fail" },
  { name: "a trailing ; true", facts: df(D("FROM alpine:3.19", "RUN make; true")), status: "fail", text: /ends with `true` after `make`/, location: at(2) },
  { name: "; true under set -e", facts: df(D("FROM alpine:3.19", "RUN set -e; make; true")), status: "pass" },
  { name: "in a here-document", facts: df(D("FROM alpine:3.19", "RUN <<EOF", "make", "make install || true", "EOF")), status: "fail", location: at(4) },
  { name: "quoted", facts: df(D("FROM alpine:3.19", 'RUN echo "a || true"')), status: "pass" },
  { name: "|| exit 1", facts: df(D("FROM alpine:3.19", "RUN test -f /x || exit 1")), status: "pass" },
  { name: "true alone", facts: df(D("FROM alpine:3.19", "RUN true")), status: "pass" },
]);

const TOKEN = "ghp_" + "A1b2C3d4".repeat(5);
table(secrets, [
  { name: "nothing secret", facts: df(D("FROM alpine:3.19", "ENV GIN_MODE=release", "ARG VERSION=1.0", 'ENV GPG_KEY="A1B2 C3D4"')), status: "pass" },
  {
    name: "a token in ENV, on its own line",
    facts: df(D("FROM alpine:3.19", "ENV APP_MODE=release \\", `    GITHUB_TOKEN=${TOKEN}`)),
    status: "fail",
    text: /ENV GITHUB_TOKEN looks like a secret \(value looks like a GitHub token\): GITHUB_TOKEN=gh… is stored in the image config/,
    location: at(3),
  },
  { name: "a build arg with a secret name", facts: df(D("ARG NPM_TOKEN", "FROM node:20")), status: "fail", text: /ARG NPM_TOKEN looks like a secret \(key name contains 'TOKEN'\)/, location: at(1) },
  { name: "a secret ARG default in a build stage", facts: df(D("FROM alpine:3.19 AS build", "ARG DB_PASSWORD=hunter22", "FROM scratch")), status: "fail", text: /DB_PASSWORD=hu…/ },
  { name: "ENV copying a build arg", facts: df(D("FROM node:20", "ARG NPM_TOKEN", "ENV NPM_TOKEN=$NPM_TOKEN")), status: "fail", findings: 2 },
  { name: "allowed", facts: df(D("FROM node:20", "ARG NPM_TOKEN")), options: { allow: ["NPM_TOKEN"] }, status: "pass" },
  { name: "a *_FILE path", facts: df(D("FROM alpine:3.19", "ENV DB_PASSWORD_FILE=/run/secrets/db")), status: "pass" },
]);

it("IMG-DF-012 never prints a secret value", () => {
  const r = run(secrets, df(D("FROM alpine:3.19", `ENV GITHUB_TOKEN=${TOKEN}`, "ARG API_KEY=s3cr3t-value-1234")));
  expect(r.outcome.status).toBe("fail");
  const text = JSON.stringify(r.outcome);
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(TOKEN.slice(2, 12));
  expect(text).not.toContain("s3cr3t-value");
});

table(dockerignore, [
  { name: "not known", facts: df(D("FROM alpine:3.19", "COPY . /app"), {}, "unknown"), status: "skip", text: /not known/ },
  { name: "present", facts: df(D("FROM alpine:3.19", "COPY . /app"), {}, true), status: "pass" },
  {
    name: "absent, copying the whole context",
    facts: df(D("FROM golang:1.22 AS build", "COPY go.mod go.sum ./", "COPY . .", "FROM scratch", "COPY --from=build /app /app"), {}, false),
    status: "fail",
    text: "The build context has no .dockerignore, and COPY . . copies from it: everything in the directory goes into the layer.",
    location: at(3),
  },
  { name: "absent, copying a file", facts: df(D("FROM alpine:3.19", "COPY app.conf /etc/"), {}, false), status: "fail", location: at(2) },
  { name: "absent, copying nothing from the context", facts: df(D("FROM golang:1.22 AS build", "RUN go install example.test/x@v1", "FROM scratch", "COPY --from=build /go/bin/x /x"), {}, false), status: "pass" },
]);

const OCI = ["source", "version", "revision", "created"].map((k) => `org.opencontainers.image.${k}`);
table(ociLabels, [
  {
    name: "all four in the final stage",
    facts: df(D("FROM scratch", "ARG VERSION REVISION CREATED", `LABEL ${OCI[0]}="https://example.test/app" \\`, `  ${OCI[1]}="$VERSION" ${OCI[2]}="$REVISION" ${OCI[3]}="$CREATED"`)),
    status: "pass",
  },
  { name: "set on the build stage only", facts: df(D("FROM golang:1.22 AS build", `LABEL ${OCI[0]}=https://example.test/app`, "FROM scratch")), status: "fail", findings: 4, location: at(3, `Labels.${OCI[0]}`) },
  {
    name: "set by the build (docker build --label)",
    facts: df(D("FROM scratch"), { config: { labels: Object.fromEntries(OCI.map((k) => [k, "x"])) } }),
    status: "pass",
  },
  {
    name: "from a build arg the build did not pass",
    facts: df(D("FROM scratch", "ARG VERSION", `LABEL ${OCI[1]}=$VERSION`), { config: { labels: { [OCI[0]]: "s", [OCI[1]]: "", [OCI[2]]: "r", [OCI[3]]: "c" } } }),
    status: "fail",
    findings: 1,
    text: `Label ${OCI[1]} is empty in the image (LABEL at line 3, from $VERSION, which the build did not pass).`,
    location: at(3, `Labels.${OCI[1]}`),
  },
  { name: "a policy's own list", facts: df(D("FROM scratch", 'LABEL maintainer="a@example.test"')), options: { required: ["maintainer"] }, status: "pass" },
]);

table(userMatches, [
  { name: "no USER", facts: df(D("FROM scratch")), status: "skip", text: /sets no USER/ },
  { name: "the same user", facts: df(D("FROM scratch", "ARG UID=65532", "USER ${UID}:${UID}"), userFacts("65532:65532")), status: "pass" },
  {
    name: "another user",
    facts: df(D("FROM scratch", "USER 65532"), userFacts("0")),
    status: "fail",
    text: "The Dockerfile's final USER is '65532' (line 2), but the image config's User is '0': the image was not built from this final stage as written.",
    location: at(2, "User"),
  },
  { name: "no User in the image", facts: df(D("FROM scratch", "USER app")), status: "fail", text: /User is not set \(root\)/ },
  { name: "a USER from --build-arg", facts: df(D("FROM scratch", "ARG UID", "USER $UID"), userFacts("1000")), status: "skip" },
]);

table(entrypointMatches, [
  { name: "neither set", facts: df(D("FROM alpine:3.19")), status: "skip" },
  { name: "exec form, the same", facts: df(D("FROM scratch", 'ENTRYPOINT ["/app", "serve"]'), { config: { entrypoint: ["/app", "serve"] } }), status: "pass" },
  { name: "shell form, as recorded", facts: df(D("FROM alpine:3.19", "ENTRYPOINT /app --port 8080"), { config: { entrypoint: ["/bin/sh", "-c", "/app --port 8080"] } }), status: "pass" },
  {
    name: "shell form under SHELL",
    facts: df(D("FROM alpine:3.19", 'SHELL ["/bin/ash", "-eo", "pipefail", "-c"]', "CMD exec /app"), { config: { cmd: ["/bin/ash", "-eo", "pipefail", "-c", "exec /app"] } }),
    status: "pass",
  },
  {
    name: "another entrypoint",
    facts: df(D("FROM scratch", 'ENTRYPOINT ["/app"]'), { config: { entrypoint: ["/bin/other"] } }),
    status: "fail",
    text: `The Dockerfile's final ENTRYPOINT (line 2) records ["/app"], but the image config's Entrypoint is ["/bin/other"].`,
    location: at(2, "Entrypoint"),
  },
  {
    name: "an inherited CMD the ENTRYPOINT clears",
    facts: df(D("FROM alpine:3.19 AS base", 'CMD ["/bin/sh"]', "FROM base", 'ENTRYPOINT ["/app"]'), { config: { entrypoint: ["/app"], cmd: ["/bin/sh"] } }),
    status: "fail",
    text: /ENTRYPOINT \(line 4\) clears the CMD inherited from the stage's base, but the image config's Cmd is \["\/bin\/sh"\]/,
    location: at(4, "Cmd"),
  },
]);

it("IMG-DF-008 suggests the exec form word by word, as the shell splits the line", () => {
  const r = run(execForm, df(D("FROM alpine:3.19", 'ENTRYPOINT /app --name "a b"')));
  expect(r.outcome).toMatchObject({ status: "fail", findings: [{ expected: 'exec form: ENTRYPOINT ["/app","--name","a b"]' }] });
});
