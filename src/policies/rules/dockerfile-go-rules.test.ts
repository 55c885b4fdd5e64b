import { describe, expect, it } from "vitest";
import { parseDockerfile } from "../../dockerfile/parse.js";
import { courseFinal, gofile } from "../../dockerfile/seed-dockerfiles.fixture.js";
import { withDockerfile as df } from "./dockerfile-facts.fixture.js";
import { rule as goCacheMounts } from "./dockerfile-go-cache-mounts.js";
import { rule as goCgo } from "./dockerfile-go-cgo.js";
import { ldflagsOf, linkerFlags, rule as goLdflags } from "./dockerfile-go-ldflags.js";
import { rule as goModFirst } from "./dockerfile-go-mod-first.js";
import { goCommands, runs, runScript, shellList } from "./dockerfile-run.js";
import { table } from "./test-rule-table.js";

const D = (...lines: string[]) => lines.join("\n") + "\n";
const at = (line: number) => ({ dockerfile: { file: "Dockerfile", line } });

describe("RUN scripts", () => {
  const parsed = (text: string) => parseDockerfile(text).stages[0]!.instructions[0]!;
  it.each([
    ["shell form", "FROM a\nRUN apk add curl && echo ok\n", "apk add curl && echo ok"],
    ["exec form through a shell", 'FROM a\nRUN ["/bin/sh", "-c", "go build -o /app ."]\n', "go build -o /app ."],
    ["exec form", 'FROM a\nRUN ["go", "build", "-ldflags=-s -w", "."]\n', "go build '-ldflags=-s -w' ."],
    ["a here-document that is the command", "FROM a\nRUN <<EOF\nset -e\ngo build .\nEOF\n", "set -e\ngo build ."],
    ["a here-document fed to bash", "FROM a\nRUN bash <<EOF\ngo build .\nEOF\n", "bash\ngo build ."],
    ["a here-document fed to python", "FROM a\nRUN python3 <<EOF\nprint('|| true')\nEOF\n", "python3"],
    ["a here-document with a python shebang", "FROM a\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n", ""],
  ])("%s", (_name, text, script) => expect(runScript(parsed(text))).toBe(script));

  it("lists commands with the operator before each, keeping quotes and subshells whole", () => {
    expect(shellList("a && b || true; c\nd | e & f").map((i) => [i.op, i.words.join(" ")])).toEqual([
      ["", "a"],
      ["&&", "b"],
      ["||", "true"],
      [";", "c"],
      ["\n", "d"],
      ["|", "e"],
      ["&", "f"],
    ]);
    expect(shellList('echo "a || true" && (cd x || exit 1) 2>&1 || :').map((i) => i.op)).toEqual(["", "&&", "||"]);
    expect(shellList("go mod download ||\n  true").map((i) => [i.op, i.words.join(" ")])).toEqual([
      ["", "go mod download"],
      ["||", "true"],
    ]);
  });

  it("finds go commands with the variables their script sets", () => {
    const d = parseDockerfile(D("FROM golang:1.22", "RUN export GOFLAGS=-trimpath && CGO_ENABLED=0 GOOS=linux go build -o /app . && env GOARCH=arm64 go -C sub build ."));
    const gos = runs(d).flatMap(goCommands);
    expect(gos.map((g) => [g.sub, Object.fromEntries(g.scriptEnv)])).toEqual([
      ["build", { GOFLAGS: "-trimpath", CGO_ENABLED: "0", GOOS: "linux" }],
      ["build", { GOFLAGS: "-trimpath", GOARCH: "arm64" }],
    ]);
  });

  it("reads -ldflags and the linker's -s and -w", () => {
    expect(ldflagsOf(["build", "-ldflags=-s -w", "-o", "x"])).toBe("-s -w");
    expect(ldflagsOf(["build", "-ldflags", "-w -s", "-ldflags=-X main.v=1"])).toBe("-X main.v=1");
    expect(ldflagsOf(["build", "."])).toBeUndefined();
    expect(linkerFlags('-w -s -extldflags "-static"')).toEqual({ w: true, s: true });
    expect(linkerFlags("-s -w=0")).toEqual({ s: true, w: false });
    expect(linkerFlags("-linkmode external -extldflags -static")).toEqual({});
  });
});

table(goModFirst, [
  { name: "no go command", facts: df(D("FROM node:20", "COPY . .", "RUN npm ci")), status: "skip", text: /no RUN .* runs the go command/ },
  {
    name: "sources copied before the modules",
    facts: df(D("FROM golang:1.22", "WORKDIR /app", "COPY . .", "RUN go mod download", "RUN go build -o /app .")),
    status: "fail",
    text: /COPY \. \. copies the sources before the modules are downloaded: go\.mod and go\.sum are not copied and `go mod download` does not run before it/,
    location: at(3),
  },
  {
    name: "go.mod copied but not downloaded first",
    facts: df(D("FROM golang:1.22", "WORKDIR /app", "COPY go.mod go.sum ./", "COPY . .", "RUN go build -o /app .")),
    status: "fail",
    text: /go\.mod is copied \(line 3\) but `go mod download` does not run/,
    location: at(4),
  },
  { name: "go.mod, download, sources", facts: df(D("FROM golang:1.22", "COPY go.mod go.sum ./", "RUN go mod download", "COPY . .", "RUN go build .")), status: "pass" },
  { name: "a glob that takes go.mod", facts: df(D("FROM golang:1.22", "COPY go.* ./", "RUN go mod download", "COPY ./ ./", "RUN go build .")), status: "pass" },
  {
    name: "go.mod bind-mounted for the download",
    facts: df(D("FROM golang:1.22", "RUN --mount=type=bind,source=go.mod,target=go.mod go mod download", "COPY . .", "RUN go build .")),
    status: "pass",
  },
  {
    name: "the download done in the stage this one is built FROM",
    facts: df(D("FROM golang:1.22 AS deps", "COPY go.mod go.sum ./", "RUN go mod download", "FROM deps AS build", "COPY . .", "RUN go build .")),
    status: "pass",
  },
  { name: "a vendored build", facts: df(D("FROM golang:1.22", "COPY . .", "RUN go build -mod=vendor -o /app .")), status: "pass" },
  { name: "sources bind-mounted, not copied", facts: df(gofile), status: "pass" },
]);

table(goCacheMounts, [
  { name: "no go command", facts: df(D("FROM alpine:3.19", "RUN apk add --no-cache curl")), status: "skip", text: /no RUN .* downloads Go modules or compiles/ },
  {
    name: "both caches mounted",
    facts: df(D("FROM golang:1.22", "RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build -o /app .")),
    status: "pass",
  },
  {
    name: "the caches where GOMODCACHE and GOCACHE say",
    facts: df(D("FROM golang:1.22", "ENV GOMODCACHE=/cache/mod GOCACHE=/cache/build", "RUN --mount=type=cache,target=/cache go build -o /app .")),
    status: "pass",
  },
  {
    name: "a build without the build cache",
    facts: df(D("FROM golang:1.22", "RUN --mount=type=cache,target=/go/pkg/mod go build -o /app .")),
    status: "fail",
    text: /mounts no BuildKit cache for the build cache \(\/root\/\.cache\/go-build\)/,
    location: at(2),
  },
  {
    name: "modules downloaded into a cache mount, then a build without it",
    facts: df(courseFinal),
    status: "fail",
    findings: 1,
    text: /the module cache \(\/go\/pkg\/mod\) or the build cache .* The modules `go mod download` put in the cache mount at line 5 are not in the layer, so this RUN downloads them again/,
    location: at(9),
  },
]);

table(goCgo, [
  { name: "no go build", facts: df(D("FROM golang:1.22", "RUN go install github.com/cosmtrek/air@latest")), status: "skip", text: /no RUN .* runs `go build` or `go install` of the module/ },
  { name: "inline", facts: df(D("FROM golang:1.22", "RUN CGO_ENABLED=0 go build -o /app .")), status: "pass" },
  { name: "through env", facts: df(D("FROM golang:1.22", "RUN env CGO_ENABLED=0 go build -o /app .")), status: "pass" },
  { name: "exported earlier in the RUN", facts: df(D("FROM golang:1.22", "RUN export CGO_ENABLED=0 && go build -o /app .")), status: "pass" },
  { name: "ENV in the stage built FROM", facts: df(D("FROM golang:1.22 AS base", "ENV CGO_ENABLED=0", "FROM base", "RUN go build -o /app .")), status: "pass" },
  { name: "ARG in the stage", facts: df(D("FROM golang:1.22", "ARG CGO_ENABLED=0", "RUN go build -o /app .")), status: "pass" },
  { name: "go env -w earlier", facts: df(D("FROM golang:1.22", "RUN go env -w CGO_ENABLED=0", "RUN go build -o /app .")), status: "pass" },
  {
    name: "unset",
    facts: df(D("FROM golang:1.22-bookworm", "RUN go build \\", "  -o /app .")),
    status: "fail",
    text: "RUN go build -o /app . does not disable cgo for go build: CGO_ENABLED is not set, so cgo is on if golang:1.22-bookworm has a C compiler.",
    location: at(2),
  },
  {
    name: "set to 1 by ENV",
    facts: df(D("FROM golang:1.22", "ENV CGO_ENABLED=1", "RUN go build -o /app .")),
    status: "fail",
    text: /it sets CGO_ENABLED=1 \(line 2\)/,
  },
  {
    name: "an inline 1 wins over ENV 0",
    facts: df(D("FROM golang:1.22", "ENV CGO_ENABLED=0", "RUN CGO_ENABLED=1 go build -o /app .")),
    status: "fail",
    text: /it sets CGO_ENABLED=1 in the RUN/,
  },
  { name: "exec form", facts: df(D("FROM golang:1.22", 'RUN ["go", "build", "-o", "/app", "."]')), status: "fail", location: at(2) },
]);

table(goLdflags, [
  { name: "no go build", facts: df(D("FROM golang:1.22", "RUN go test ./...")), status: "skip" },
  { name: '-ldflags="-s -w"', facts: df(D("FROM golang:1.22", 'RUN go build -ldflags="-s -w" -o /app .')), status: "pass" },
  { name: "-w -s with -extldflags", facts: df(D("FROM golang:1.21", "RUN go build -ldflags='-w -s -extldflags \"-static\"' -o /app .")), status: "pass" },
  { name: "-s alone from Go 1.22", facts: df(D("FROM golang:1.22-alpine", "RUN go build -ldflags=-s -o /app .")), status: "pass" },
  { name: "-s alone on an untagged golang", facts: df(D("FROM golang", "RUN go build -ldflags=-s -o /app .")), status: "pass" },
  { name: "from an ARG default", facts: df(D("FROM golang:1.22", 'ARG LDFLAGS="-s -w -X main.version=dev"', 'RUN go build -ldflags="$LDFLAGS" -o /app .')), status: "pass" },
  { name: "from an ARG without a default (cannot tell)", facts: df(D("FROM golang:1.22", "ARG LDFLAGS", 'RUN go build -ldflags="$LDFLAGS" -o /app .')), status: "pass" },
  { name: "through GOFLAGS", facts: df(D("FROM golang:1.22", 'ENV GOFLAGS="-trimpath -ldflags=-s"', "RUN go build -o /app .")), status: "pass" },
  {
    name: "-s alone before Go 1.22",
    facts: df(D("FROM golang:1.21-alpine", "RUN go build -ldflags=-s -o /app .")),
    status: "fail",
    text: /with -s but not -w: golang:1\.21-alpine is older than Go 1\.22, where -s does not imply -w/,
  },
  { name: "-w=0 keeps DWARF", facts: df(D("FROM golang:1.22", 'RUN go build -ldflags "-s -w=0" -o /app .')), status: "fail", text: /-w=0 keeps DWARF/ },
  { name: "-w alone", facts: df(D("FROM golang:1.22", "RUN go build -ldflags=-w -o /app .")), status: "fail", text: /with -w but not -s: the symbol table stays/ },
  {
    name: "no -ldflags, pointing at the go build line",
    facts: df(D("FROM golang:1.22", "RUN --mount=type=cache,target=/go/pkg/mod \\", "    go build -o /app .")),
    status: "fail",
    text: /passes no -ldflags/,
    location: at(3),
  },
  {
    name: "-ldflags without -s or -w, pointing at the -ldflags line",
    facts: df(courseFinal),
    status: "fail",
    text: 'passes -ldflags "-linkmode external -extldflags -static" with neither -s nor -w',
    location: at(10),
  },
]);

it("the Go rules judge `go install` of the module but not of a tool", () => {
  const f = df(D("FROM golang:1.22", "RUN go install github.com/cosmtrek/air@latest", "RUN go install ./cmd/app"));
  const r = goLdflags.check(f, goLdflags.defaultOptions);
  expect(r).toMatchObject({ status: "fail", findings: [{ location: at(3) }] });
});
