import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tarBuffer } from "../../../fixtures/tar-writer.js";
import { LayerScan } from "../fs/scan-layer.js";
import { attachedKinds, classifyPath } from "../parsers/path-kinds.js";
import { interestFromSpec } from "./interest-spec.js";
import { packIndex, unpackIndex } from "./wire-index.js";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

describe("packIndex / unpackIndex", () => {
  it("give back the index the scan made, through structured clone", () => {
    const tar = tarBuffer([
      { name: "etc/", type: "dir" },
      { name: "etc/passwd", content: "root:x:0:0::/:/bin/sh\n", uid: 7, gid: 8, mode: 0o4755 },
      { name: "etc/empty", content: "" },
      { name: "etc/link", type: "symlink", linkname: "passwd" },
      { name: "etc/hard", type: "hardlink", linkname: "etc/passwd" },
      { name: "root/.ssh/id_ed25519", content: KEY, mode: 0o600 },
      { name: "big", content: Buffer.alloc(70_000, 1) },
      { name: "etc/.wh.gone", content: "" },
      ...(existsSync("/bin/true") ? [{ name: "bin/true", content: readFileSync("/bin/true"), mode: 0o755 }] : []),
    ]);
    const scan = new LayerScan(3, "test", interestFromSpec({ exact: ["/etc/passwd", "/etc/empty"], rules: [], maxSize: 1 << 20 }));
    scan.write(tar);
    const index = scan.end();
    const { wire, transfer } = packIndex(index);
    // what postMessage does with it
    const back = unpackIndex(structuredClone(wire, { transfer }));
    expect(back).toStrictEqual(index);
    expect(back.files.find((f) => f.path === "/etc/passwd")!.content).toBeInstanceOf(Buffer);
    expect(back.files.find((f) => f.path === "/root/.ssh/id_ed25519")!.privateKey).toBe("openssh-private-key");
    expect(back.whiteouts).toEqual(["/etc/gone"]);
  });

  it("carries the kinds the scan found for each path", () => {
    const tar = tarBuffer([
      { name: "app/.git/", type: "dir" },
      { name: "app/.env", content: "A=1" },
      { name: "bin/sh", content: "#!", mode: 0o755 },
      { name: "usr/share/zoneinfo/UTC", content: "TZif" },
      { name: "usr/lib/libc.so", type: "symlink", linkname: "libc.so.6" },
    ]);
    const scan = new LayerScan(0, "test", interestFromSpec({ exact: [], rules: [], maxSize: 0, pathDirs: ["/app"] }));
    scan.write(tar);
    const index = scan.end();
    const { wire, transfer } = packIndex(index);
    const back = unpackIndex(structuredClone(wire, { transfer }));
    expect(back).toStrictEqual(index);
    const kinds = back.files.map((f) => attachedKinds(f));
    expect(kinds).toEqual(index.files.map((f) => classifyPath(f.path, ["/app"])));
    const of = (path: string) => attachedKinds(back.files.find((f) => f.path === path)!);
    expect(of("/app/.git")?.stray).toBe("git-directory");
    expect(of("/app/.env")?.secret).toBe("dotenv");
    expect(of("/bin/sh")?.binary).toEqual({ kind: "shell", name: "sh" });
    expect(of("/usr/share/zoneinfo/UTC")?.zone).toBe("UTC");
    expect(of("/usr/lib/libc.so")).toEqual({ stray: undefined, secret: undefined, binary: undefined, zone: undefined });
  });

  it("keeps what the flattening adds and values past 32 bits", () => {
    const index = {
      layer: 0,
      files: [{ path: "/a", type: "dir" as const, mode: 0o755, uid: 4294967294, gid: 0, size: 0, layer: 0, implicit: true }, { path: "/a/b", type: "file" as const, mode: 0o644, uid: 0, gid: 0, size: 2 ** 40, layer: 0 }],
      whiteouts: [],
      opaque: ["/x"],
      fileBytes: 2 ** 40,
    };
    const { wire, transfer } = packIndex(index);
    expect(unpackIndex(structuredClone(wire, { transfer }))).toStrictEqual(index);
  });
});
