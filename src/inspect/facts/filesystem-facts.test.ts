import { describe, expect, it } from "vitest";
import type { FileRecord, FileType } from "../fs/file-record.js";
import { FileTree } from "../fs/file-tree.js";
import { filesystemFact } from "./filesystem-facts.js";

const e = (path: string, type: FileType = "file", mode = 0o644): FileRecord => ({ path, type, mode, uid: 0, gid: 0, size: type === "file" ? 1 : 0, layer: 0 });

describe("filesystemFact", () => {
  // entries in no particular order: every list comes out in path order
  const files = [
    e("/app/.git.swp", "dir"),
    e("/app/.git/HEAD"),
    e("/app/.git", "dir"),
    e("/app/.git.swp/x"),
    e("/app/.git/objects", "dir"),
    e("/app/Dockerfile"),
    e("/app", "dir"),
    e("/usr/bin/sh", "file", 0o4755),
    e("/usr/bin/bash", "file", 0o4755),
    e("/usr/bin", "dir"),
    e("/usr", "dir"),
    e("/tmp", "dir", 0o777),
    e("/scratch", "dir", 0o1777),
    e("/app/.env"),
    e("/app/a.key"),
  ];
  const tree = FileTree.fromLayers([{ layer: 0, files, whiteouts: [], opaque: [], fileBytes: 0 }]);

  it("lists in path order, and a stray directory once (a stray name sorting amid its entries keeps its own)", () => {
    const f = filesystemFact(tree);
    expect(f.strayFiles.map((s) => [s.path, s.kind])).toEqual([
      ["/app/.git", "git-directory"],
      ["/app/.git.swp", "editor-temp"],
      ["/app/.git/HEAD", "git-directory"],
      ["/app/.git/objects", "git-directory"],
      ["/app/Dockerfile", "dockerfile"],
    ]);
    expect(f.shells.map((s) => s.path)).toEqual(["/usr/bin/bash", "/usr/bin/sh"]);
    expect(f.setuid.map((s) => s.path)).toEqual(["/usr/bin/bash", "/usr/bin/sh"]);
    expect(f.worldWritable.map((s) => s.path)).toEqual(["/tmp"]);
    expect(f.secretFiles.map((s) => s.path)).toEqual(["/app/.env", "/app/a.key"]);
    expect([f.files, f.directories, f.symlinks]).toEqual([7, 8, 0]);
  });
});
