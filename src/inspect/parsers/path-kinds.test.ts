import { describe, expect, it } from "vitest";
import { fuzzPaths } from "./test-paths.js";
import { classifyBinary } from "./known-binaries.js";
import { secretFileKind } from "./secret-files.js";
import { strayFileKind } from "./stray-files.js";
import { zoneName } from "./zoneinfo.js";
import { classifyPath } from "./path-kinds.js";

describe("classifyPath", () => {
  it("gives what the classifiers give", () => {
    const dirs = ["/busybox"];
    const paths = [...fuzzPaths(3000, 5), "/busybox/sh", "/usr/bin/python3.12", "/usr/share/zoneinfo/Europe/Paris", "/app/.env", "/lib/.git", "/usr/lib/Dockerfile"];
    for (const p of paths) {
      expect(classifyPath(p, dirs), p).toEqual({ stray: strayFileKind(p), secret: secretFileKind(p), binary: classifyBinary(p, dirs), zone: zoneName(p) });
    }
    expect(classifyPath("/busybox/sh", dirs).binary).toEqual({ kind: "shell", name: "sh" });
    expect(classifyPath("/app/.env", []).secret).toBe("dotenv");
  });
});
