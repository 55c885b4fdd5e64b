/**
 * Credentials written into an engine address ("tcp://user:token@host:port") are dropped as
 * the docker CLI drops them (it connects to the URL's host) and never shown: every message
 * and display marks them "***@". Contexts are made by the real docker CLI.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import { dockerHostOf, parseDockerHost, redactAddress } from "./address.js";
import { contextId } from "./context.js";
import { endpointFromEnv } from "./host.js";

const SECRET = "ghp_SECRET0123456789";

function failure(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    return (err as Error).message;
  }
  throw new Error("expected a failure");
}

describe("dockerHostOf", () => {
  it("gives the address another client is told (testcontainers): socket or host and port, never the credentials", () => {
    expect(dockerHostOf(parseDockerHost("unix:///run/user/1000/docker.sock"))).toBe("unix:///run/user/1000/docker.sock");
    expect(dockerHostOf(parseDockerHost(`tcp://user:${SECRET}@engine.example:2376`))).toBe("tcp://engine.example:2376");
    expect(dockerHostOf(parseDockerHost("tcp://[::1]", true))).toBe("tcp://[::1]:2376");
    expect(dockerHostOf(parseDockerHost("127.0.0.1"))).toBe("tcp://127.0.0.1:2375");
  });
});

describe("redactAddress", () => {
  it("replaces userinfo with ***, with or without a scheme, and leaves the rest", () => {
    expect(redactAddress(`tcp://user:${SECRET}@127.0.0.1:1`)).toBe("tcp://***@127.0.0.1:1");
    expect(redactAddress(`ssh://u:${SECRET}@h`)).toBe("ssh://***@h");
    expect(redactAddress(`u:${SECRET}@h:2375`)).toBe("***@h:2375");
    expect(redactAddress(`tcp://a@b:${SECRET}@h:1/x`)).toBe("tcp://***@h:1/x");
    expect(redactAddress("tcp://h:1/path@x")).toBe("tcp://h:1/path@x");
    expect(redactAddress("unix:///run/a@b.sock")).toBe("unix:///run/a@b.sock");
    expect(redactAddress("tcp://h:1")).toBe("tcp://h:1");
  });
});

describe("parseDockerHost with userinfo", () => {
  it("drops it as the docker CLI does: the host and port are the URL's", () => {
    const ep = parseDockerHost(`tcp://user:${SECRET}@127.0.0.1:1`);
    expect(ep).toMatchObject({ kind: "tcp", host: "127.0.0.1", port: 1, display: "tcp://***@127.0.0.1:1" });
    expect(JSON.stringify(ep)).not.toContain(SECRET);
  });

  it("drops it from a bare host:port, an IPv6 host and with the default port", () => {
    expect(parseDockerHost(`user:${SECRET}@engine.example:2375`)).toMatchObject({ host: "engine.example", port: 2375, display: "tcp://***@engine.example:2375" });
    expect(parseDockerHost(`tcp://u:${SECRET}@[::1]:9`)).toMatchObject({ host: "::1", port: 9, display: "tcp://***@[::1]:9" });
    expect(parseDockerHost(`tcp://u:${SECRET}@h`, true)).toMatchObject({ host: "h", port: 2376 });
  });

  it("never shows it in a refusal", () => {
    for (const value of [
      `ssh://u:${SECRET}@h`,
      `npipe://u:${SECRET}@h/pipe`,
      `https://u:${SECRET}@h:1`,
      `weird://u:${SECRET}@h:1`,
      `tcp://u:${SECRET}@h:99999`,
      `tcp://u:${SECRET}@h:1/path`,
      `unix://u:${SECRET}@/run/docker.sock`,
    ]) {
      const message = failure(() => parseDockerHost(value));
      expect(message).not.toContain(SECRET);
      expect(message).toContain("***@");
    }
    expect(failure(() => parseDockerHost(`ssh://u:${SECRET}@h`))).toBe(
      "DOCKER_HOST 'ssh://***@h' is not supported: ssh transports are not spoken (use unix:///path/to/docker.sock or tcp://host:port)",
    );
  });
});

describe("a docker context whose Host carries userinfo", () => {
  let root: string;
  const docker = (args: string[]) =>
    execFileSync("/usr/bin/docker", args, { env: { PATH: process.env.PATH ?? "", HOME: root, DOCKER_CONFIG: join(root, "cfg") }, stdio: "pipe" });

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "imgpolicy-engine-userinfo-"));
    docker(["context", "create", "withpw", "--docker", `host=tcp://u:${SECRET}@127.0.0.1:12375`]);
    // the CLI refuses a password in an ssh host; a hand-written meta.json can still hold one
    const dir = join(root, "cfg", "contexts", "meta", contextId("sshpw"));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "meta.json"), JSON.stringify({ Name: "sshpw", Endpoints: { docker: { Host: `ssh://u:${SECRET}@engine.example` } } }));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("is spoken to at its host, displayed without the credentials", () => {
    const ep = endpointFromEnv({ DOCKER_CONFIG: join(root, "cfg"), DOCKER_CONTEXT: "withpw" });
    expect(ep).toMatchObject({ kind: "tcp", host: "127.0.0.1", port: 12375, display: 'tcp://***@127.0.0.1:12375 (context "withpw")' });
    expect(JSON.stringify(ep)).not.toContain(SECRET);
  });

  it("is refused for ssh without showing the credentials", () => {
    const message = failure(() => endpointFromEnv({ DOCKER_CONFIG: join(root, "cfg"), DOCKER_CONTEXT: "sshpw" }));
    expect(message).toContain("'ssh://***@engine.example' is not supported");
    expect(message).not.toContain(SECRET);
  });
});
