import { describe, expect, it } from "vitest";
import type { FileRecord } from "../fs/file-record.js";
import { fuzzPaths } from "../parsers/test-paths.js";
import { classifyBinary } from "../parsers/known-binaries.js";
import { secretFileKind } from "../parsers/secret-files.js";
import { strayFileKind } from "../parsers/stray-files.js";
import { zoneName } from "../parsers/zoneinfo.js";
import { PathKindsMemo } from "./path-kinds.js";
import { PreparedFacts } from "./prepared.js";

const rec = (path: string, content?: string): FileRecord => ({
  path,
  type: "file",
  mode: 0o644,
  uid: 0,
  gid: 0,
  size: content?.length ?? 0,
  layer: 0,
  ...(content !== undefined ? { content: Buffer.from(content) } : {}),
});

describe("PathKindsMemo", () => {
  it("gives what the classifiers give, for paths learned ahead of time and for others", () => {
    const dirs = ["/busybox"];
    const paths = [...fuzzPaths(3000, 5), "/busybox/sh", "/usr/bin/python3.12", "/usr/share/zoneinfo/Europe/Paris", "/app/.env"];
    const memo = new PathKindsMemo(dirs);
    const records = paths.map((p) => rec(p));
    memo.learn(records.slice(0, 1500));
    for (const r of records) {
      const p = r.path;
      expect(memo.of(r), p).toEqual({ stray: strayFileKind(p), secret: secretFileKind(p), binary: classifyBinary(p, dirs), zone: zoneName(p) });
    }
    expect(memo.of(rec("/busybox/sh")).binary).toEqual({ kind: "shell", name: "sh" });
  });

  it("classifies again an entry copied to another path after it was learned", () => {
    const memo = new PathKindsMemo();
    const r = rec("/lib/.git");
    memo.learn([r]);
    expect(memo.of(r).stray).toBe("git-directory");
    // what the flattening does to an entry under a symlinked directory
    expect(memo.of({ ...r, path: "/usr/lib/Dockerfile" }).stray).toBe("dockerfile");
  });
});

describe("PreparedFacts", () => {
  it("parses the bundles at the paths it is given, and only those", () => {
    const prepared = new PreparedFacts([], ["/etc/ssl/certs/ca-certificates.crt"]);
    const bundle = rec("/etc/ssl/certs/ca-certificates.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    const other = rec("/etc/ssl/certs/other.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    prepared.learn([bundle, other, rec("/etc/ssl/certs/ca-certificates.crt")]);
    expect(prepared.expiriesOf(bundle.content!)).toEqual([undefined]);
    expect(prepared.expiriesOf(other.content!)).toBeUndefined();
    expect(prepared.kinds.of(rec("/app/.env")).secret).toBe("dotenv");
  });
});
