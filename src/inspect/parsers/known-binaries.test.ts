import { describe, expect, it } from "vitest";
import { fuzzPaths } from "./test-paths.js";
import { BIN_DIRS, classifyBinary } from "./known-binaries.js";

describe("BIN_DIRS", () => {
  it("lists the standard PATH directories", () => {
    expect(BIN_DIRS).toEqual(["/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"]);
  });
});

describe("classifyBinary", () => {
  it("recognises shells in every bin directory", () => {
    for (const dir of BIN_DIRS) {
      expect(classifyBinary(`${dir}/sh`)).toEqual({ kind: "shell", name: "sh" });
    }
    for (const name of ["bash", "ash", "dash", "zsh", "ksh", "csh", "tcsh", "fish", "busybox"]) {
      expect(classifyBinary(`/bin/${name}`), name).toEqual({ kind: "shell", name });
    }
  });

  it("recognises package managers", () => {
    for (const name of ["apk", "apt", "apt-get", "dpkg", "yum", "dnf", "microdnf", "rpm", "zypper", "pacman", "pip", "pip3", "npm", "gem"]) {
      expect(classifyBinary(`/usr/bin/${name}`), name).toEqual({ kind: "package-manager", name });
    }
    expect(classifyBinary("/usr/local/bin/pip3.12")).toEqual({ kind: "package-manager", name: "pip3.12" });
  });

  it("recognises interpreters, including versioned names", () => {
    for (const name of ["python", "python3", "perl", "ruby", "node", "php", "python3.12", "perl5.36.0", "php8.2", "lua5.4"]) {
      expect(classifyBinary(`/usr/bin/${name}`), name).toEqual({ kind: "interpreter", name });
    }
  });

  it("recognises network tools", () => {
    for (const name of ["curl", "wget", "nc", "ncat", "socat", "telnet"]) {
      expect(classifyBinary(`/usr/bin/${name}`), name).toEqual({ kind: "network-tool", name });
    }
  });

  it("ignores files outside the bin directories and unknown names", () => {
    expect(classifyBinary("/opt/app/bin/bash")).toBeUndefined();
    expect(classifyBinary("/usr/bin/x/sh")).toBeUndefined();
    expect(classifyBinary("/usr/lib/python3.12")).toBeUndefined();
    expect(classifyBinary("/usr/bin/ls")).toBeUndefined();
    expect(classifyBinary("/usr/bin/python-config")).toBeUndefined();
    expect(classifyBinary("/usr/bin/")).toBeUndefined();
    expect(classifyBinary("/sh")).toBeUndefined();
    expect(classifyBinary("sh")).toBeUndefined();
  });
});

describe("classifyBinary and its plain definition", () => {
  it("agree on which directories count, on many random paths", () => {
    // the plain definition: cut the directory out and look it up
    const inDir = (path: string, extra: readonly string[]) => {
      const slash = path.lastIndexOf("/");
      if (slash < 0) return false;
      const dir = slash === 0 ? "/" : path.slice(0, slash);
      return BIN_DIRS.includes(dir) || extra.includes(dir);
    };
    const extras = [[], ["/"], ["/busybox", "/usr/bin"], [""], ["/etc/ssl", "/a/b"]];
    const paths = [...fuzzPaths(20000, 9), "/sh", "/bin/", "/bin/sh", "bin/sh", "/usr/bin/python3.12", "/busybox/sh", "/a/b/bash", "/bash"];
    for (const extra of extras) {
      for (const p of paths) {
        const name = p.slice(p.lastIndexOf("/") + 1);
        const want = inDir(p, extra) && name !== "" ? classifyBinary(`/usr/bin/${name}`) : undefined;
        expect(classifyBinary(p, extra), `${p} ${JSON.stringify(extra)}`).toEqual(want);
      }
    }
  });
});
