import { describe, expect, it } from "vitest";
import { runtimeWeakenings, weakeningMessage } from "./runtime-weakening.js";

const found = (section: Record<string, unknown>) => runtimeWeakenings(section).map((w) => `${w.path.join(".")}: ${w.what}`);

describe("runtimeWeakenings", () => {
  it.each([
    [{ readOnly: false }, ["readOnly: runtime.readOnly false makes the root filesystem writable"]],
    [{ noNewPrivileges: false }, ["noNewPrivileges: runtime.noNewPrivileges false lets setuid files and file capabilities raise privileges"]],
    [{ capDrop: [] }, ["capDrop: runtime.capDrop does not drop ALL capabilities"]],
    [{ capDrop: ["NET_RAW", "SYS_ADMIN"] }, ["capDrop: runtime.capDrop does not drop ALL capabilities"]],
    [{ capAdd: ["SYS_ADMIN", "cap_net_raw"] }, ["capAdd.0: runtime.capAdd adds SYS_ADMIN", "capAdd.1: runtime.capAdd adds NET_RAW"]],
    [{ capAdd: ["NET_BIND_SERVICE"] }, ["capAdd.0: runtime.capAdd adds NET_BIND_SERVICE"]],
    [{ user: "0" }, ["user: runtime.user '0' runs it as root"]],
    [{ user: "000:1000" }, ["user: runtime.user '000:1000' runs it as root"]],
    [{ user: "root" }, ["user: runtime.user 'root' names a user the image may map to root (a numeric uid other than 0 is allowed)"]],
    [{ user: "nobody" }, ["user: runtime.user 'nobody' names a user the image may map to root (a numeric uid other than 0 is allowed)"]],
    [{ user: "1000:0" }, ["user: runtime.user '1000:0' runs it in a group that is, or may be, root (a numeric gid other than 0 is allowed)"]],
    [{ user: "1000:wheel" }, ["user: runtime.user '1000:wheel' runs it in a group that is, or may be, root (a numeric gid other than 0 is allowed)"]],
  ])("%j weakens the sandbox", (section, expected) => {
    expect(found(section)).toEqual(expected);
  });

  it("settings that only harden the sandbox, or act inside the container, are not weakenings", () => {
    expect(
      found({
        readOnly: true,
        noNewPrivileges: true,
        capDrop: ["all", "NET_RAW"],
        capAdd: [],
        user: "65532:65532",
        tmpfs: ["/run", "/var/cache/nginx"],
        memory: "64m",
        cpus: 0.5,
        env: { LD_PRELOAD: "/x.so" },
        entrypoint: ["/bin/sh"],
        command: ["-c", "id"],
        health: { http: { port: 8080 } },
        stop: { signal: "SIGINT", gracePeriod: 1 },
        writeProbe: false,
        startupTimeout: 5,
      }),
    ).toEqual([]);
    expect(found({ user: "1" })).toEqual([]);
    expect(runtimeWeakenings(undefined)).toEqual([]);
  });

  it("a found policy's message says what the setting does and how to allow it", () => {
    expect(weakeningMessage({ path: ["capAdd", "0"], what: "runtime.capAdd adds SYS_ADMIN" })).toBe(
      "runtime.capAdd adds SYS_ADMIN, which weakens the sandbox the image runs in: a policy found in the working directory (not named with --policy) may only harden it, unless allowed with --trust-policy",
    );
  });

  it("escapes what it quotes", () => {
    expect(found({ user: "a\u001b[31mb" })[0]).not.toContain("\u001b");
  });
});
