import { relative } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { parseDockerfile } from "../dockerfile/parse.js";
import { facts } from "./rules/test-facts.js";
import { choosePolicy, choosePolicyForDockerfile, genericStarter, MAX_LABELS, schemaReference, starterPolicy, starterProblems } from "./starter-policy.js";

const where = { layer: 0 };
const shell = { path: "/bin/sh", name: "sh", ...where };
const osRelease = (id: string, prettyName: string) => ({ path: "/etc/os-release", id, prettyName, ...where });

describe("choosePolicy", () => {
  it.each([
    ["scratch: no shell, no package manager, no os-release, no zoneinfo", facts({}), "go-scratch"],
    ["distroless: an os-release but no shell and no package manager", facts({ filesystem: { osRelease: osRelease("debian", "Distroless") } }), "go-distroless"],
    ["distroless: time zone data but no shell", facts({ zoneinfo: { present: true } }), "go-distroless"],
    ["alpine: apk", facts({ filesystem: { shells: [shell], packageManagers: [{ path: "/sbin/apk", name: "apk", ...where }] } }), "go-alpine"],
    ["alpine: os-release id alpine without apk", facts({ filesystem: { shells: [shell], osRelease: osRelease("alpine", "Alpine Linux v3.19") } }), "go-alpine"],
    ["debian: apt-get", facts({ filesystem: { shells: [shell], packageManagers: [{ path: "/usr/bin/apt-get", name: "apt-get", ...where }] } }), "debian-service"],
    ["debian: os-release id debian with a shell", facts({ filesystem: { shells: [shell], osRelease: osRelease("debian", "Debian GNU/Linux 12") } }), "debian-service"],
    ["a shell on an unknown distribution", facts({ filesystem: { shells: [shell], osRelease: osRelease("wolfi", "Wolfi") } }), "base"],
  ])("%s → %s", (_what, f, name) => {
    const c = choosePolicy(f);
    expect(c.name).toBe(name);
    expect(c.reason.length).toBeGreaterThan(10);
  });

  it("says why, escaping what the image's os-release holds", () => {
    const c = choosePolicy(facts({ filesystem: { shells: [shell], osRelease: osRelease("x", "Evil\x1b[2J\nOS") } }));
    expect(c.reason).toBe("no shipped policy fits better: /etc/os-release says Evil\\x1b[2J\\x0aOS, a shell (/bin/sh) and no package manager");
  });
});

const alpine = () =>
  facts({
    config: { user: "app", exposedPorts: ["8080/tcp", "9090/udp"], labels: { "org.opencontainers.image.source": "https://example.com/app", team: "platform" } },
    users: { user: { spec: "app", user: "app", uid: 10001, gid: 10001, root: false, numeric: false, resolved: true } },
    filesystem: { shells: [shell], packageManagers: [{ path: "/sbin/apk", name: "apk", ...where }] },
  });

describe("starterPolicy", () => {
  it("extends the chosen policy and pins the USER, the ports and the labels, as a valid policy with $schema", () => {
    const { text, choice } = starterPolicy(alpine(), { schema: "node_modules/imgpolicy/schema/policy.schema.json", reference: "docker:app:1" });
    expect(choice.name).toBe("go-alpine");
    expect(starterProblems(text, ".imgpolicy.yaml")).toEqual([]);
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=node_modules/imgpolicy/schema/policy.schema.json");
    const p = parse(text) as Record<string, any>;
    expect(p.$schema).toBe("node_modules/imgpolicy/schema/policy.schema.json");
    expect(p.extends).toBe("go-alpine");
    expect(p.failOn).toBe("high");
    expect(p.rules["IMG-META-001"]).toEqual({ options: { user: "app" } });
    expect(p.rules["IMG-RUN-004"]).toEqual({ options: { uid: 10001 } });
    expect(p.rules["IMG-PORT-001"]).toEqual({ options: { allowed: ["8080/tcp", "9090/udp"], required: ["8080/tcp", "9090/udp"] } });
    expect(p.rules["IMG-LABEL-001"].options.required).toEqual([
      "org.opencontainers.image.source",
      "team",
      "org.opencontainers.image.version",
      "org.opencontainers.image.revision",
      "org.opencontainers.image.created",
    ]);
    expect(text).toMatch(/"org\.opencontainers\.image\.version" {3}# not set on this image yet/);
    expect(text).toMatch(/^# go-alpine: an alpine-style base: /m);
    expect(text).toMatch(/^#   health: \{ tcp: \{ port: 8080 \} \}$/m);
  });

  it("pins no user for an image that runs as root, and says what to do", () => {
    const { text } = starterPolicy(facts({}), { schema: "s.json" });
    const p = parse(text) as Record<string, any>;
    expect(p.extends).toBe("go-scratch");
    expect(p.rules["IMG-META-001"]).toBeUndefined();
    expect(p.rules["IMG-RUN-004"]).toBeUndefined();
    expect(p.rules["IMG-PORT-001"]).toEqual({ options: { allowed: [] } });
    expect(text).toMatch(/runs as root \(no USER\): IMG-USER-001 fails/);
    expect(starterProblems(text, "x.yaml")).toEqual([]);
  });

  it("extends the policy asked for, saying what the facts pointed to", () => {
    const { text } = starterPolicy(alpine(), { schema: "s.json", extends: "cis-docker" });
    expect((parse(text) as { extends: string }).extends).toBe("cis-docker");
    expect(text).toMatch(/^# cis-docker, as asked \(the facts point to go-alpine: /m);
  });

  it("writes hostile values only when they are plain printable text, and never past MAX_LABELS labels", () => {
    const labels: Record<string, string> = { "evil\nkey": "x", "bidi\u202ekey": "x", 'quote"key': "x" };
    for (let i = 0; i < MAX_LABELS + 10; i++) labels[`l${i}`] = "v";
    const f = facts({
      config: { user: "ap\u202ep", exposedPorts: ["8080/tcp", "80/tcp\nX", "not-a-port"], labels },
      users: { user: { spec: "ap\u202ep", uid: 10, gid: 10, root: false, numeric: false, resolved: true } },
    });
    const { text } = starterPolicy(f, { schema: "s.json", reference: "oci:x\x1b[2J:1" });
    expect(starterProblems(text, "x.yaml")).toEqual([]);
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\u202e]/);
    const p = parse(text) as Record<string, any>;
    expect(p.rules["IMG-META-001"]).toBeUndefined();
    expect(p.rules["IMG-PORT-001"].options.allowed).toEqual(["8080/tcp"]);
    const required: string[] = p.rules["IMG-LABEL-001"].options.required;
    expect(required).toContain('quote"key');
    expect(required.filter((k) => k.startsWith("l"))).toHaveLength(MAX_LABELS - 1);
    expect(text).toMatch(/\(2 exposed ports not written: not a port\/protocol\)/);
    expect(text).toMatch(/\(13 labels not written: more than 50, or characters a policy should not quote\)/);
    expect(text).toContain("oci:x\\x1b[2J:1");
  });
});

describe("choosePolicyForDockerfile", () => {
  const build = "FROM golang:1.22 AS build\nRUN go build -o /app .\n";
  it.each([
    [`${build}FROM scratch\nCOPY --from=build /app /app\n`, "go-scratch", /final stage is FROM scratch \(Dockerfile:3\)/],
    [`${build}FROM gcr.io/distroless/static-debian12:nonroot\n`, "go-distroless", /distroless/],
    [`${build}FROM alpine:3.20\n`, "go-alpine", /alpine:3\.20/],
    [`${build}FROM docker.io/library/debian:12-slim\n`, "debian-service", /Debian-style/],
    [`${build}FROM python:3.12-slim-bookworm\n`, "debian-service", /python/],
    [`${build}FROM build AS final\n`, undefined, undefined],
    ["ARG TAG\nFROM alpine:${TAG}\n", undefined, undefined],
    ["ARG BASE=alpine:3.20\nFROM ${BASE}\n", "go-alpine", /alpine/],
    ["FROM scratch AS a\nFROM alpine:3.20 AS b\nFROM a\n", "go-scratch", /FROM scratch/],
    // the project's own bases (examples/hello-service), by the words of the last path component
    [`${build}FROM imgpolicy-base/alpine-like:3.19\n`, "go-alpine", /alpine-like:3\.19/],
    [`${build}FROM imgpolicy-base/static:nonroot\n`, "go-distroless", /distroless/],
    [`${build}FROM imgpolicy-base/debian-like:12\n`, "debian-service", /Debian-style/],
    [`${build}FROM registry.example/team/ubuntu-base:24.04\n`, "debian-service", /Debian-style/],
    [`${build}FROM nginx-static:1\n`, undefined, undefined],
    [`${build}FROM myalpine:1\n`, undefined, undefined],
    // one stage on the Go toolchain: what examples/run.sh checks the naive example with
    ["FROM imgpolicy-base/golang:1.19\nCOPY . .\nCMD go run .\n", "go-scratch", /one stage on a Go toolchain image.*FROM scratch/],
    ["FROM golang:1.22-alpine\nCMD go run .\n", "go-alpine", /alpine/],
  ])("case %#: a final stage on the base given picks the policy expected", (text, name, reason) => {
    const c = choosePolicyForDockerfile(parseDockerfile(text, "Dockerfile"));
    expect(c?.name).toBe(name);
    if (reason) expect(c!.reason).toMatch(reason);
  });
});

describe("genericStarter", () => {
  it("is a valid policy that extends base (or the one named), with examples in comments", () => {
    const text = genericStarter({ schema: "s.json" });
    expect(starterProblems(text, "x.yaml")).toEqual([]);
    expect(parse(text)).toEqual({ $schema: "s.json", description: "Starter policy (extends base).", extends: "base", failOn: "high" });
    expect(text).toMatch(/^# waivers:$/m);
    expect((parse(genericStarter({ schema: "s.json", extends: "go-scratch" })) as { extends: string }).extends).toBe("go-scratch");
    const why = genericStarter({ schema: "s.json", extends: "go-alpine", why: "the final stage is built on alpine\x1b[2J (Dockerfile:3)" });
    expect(why).toMatch(/^# go-alpine: the final stage is built on alpine\\x1b\[2J \(Dockerfile:3\)\.$/m);
    expect(starterProblems(why, "x.yaml")).toEqual([]);
  });
});

describe("schemaReference", () => {
  it("points at the package's schema below the policy's directory, else at node_modules/imgpolicy", () => {
    expect(schemaReference("/p", "/p/node_modules/imgpolicy/schema/policy.schema.json", relative)).toBe("node_modules/imgpolicy/schema/policy.schema.json");
    expect(schemaReference("/p/sub", "/opt/imgpolicy/schema/policy.schema.json", relative)).toBe("node_modules/imgpolicy/schema/policy.schema.json");
  });
});
