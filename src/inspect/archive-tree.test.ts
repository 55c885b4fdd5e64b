import { describe, expect, it } from "vitest";
import { SourceError } from "../errors.js";
import { ArchiveTree, rootedSegments, scopedSegments, type TreeEntry } from "./archive-tree.js";

let offset = 0;
const f = (name: string, size = 1): TreeEntry => ({ name, typeflag: "0", type: "file", offset: (offset += 1000), size, linkname: "", sparse: false });
const l = (name: string, linkname: string, typeflag = "1"): TreeEntry => ({ name, typeflag, type: typeflag === "1" ? "hardlink" : "symlink", offset: 0, size: 0, linkname, sparse: false });
const d = (name: string): TreeEntry => ({ name, typeflag: "5", type: "dir", offset: 0, size: 0, linkname: "", sparse: false });

function tree(...entries: TreeEntry[]): ArchiveTree {
  const t = new ArchiveTree("a.tar");
  for (const e of entries) t.add(e);
  return t;
}

describe("path cleaning", () => {
  it("cleans entry names under the root, '..' stopping there", () => {
    expect(rootedSegments("./a//b/")).toEqual(["a", "b"]);
    expect(rootedSegments("/x/../../a")).toEqual(["a"]);
    expect(rootedSegments("..")).toEqual([]);
  });
  it("cleans manifest paths and gives none for one that leads out", () => {
    expect(scopedSegments("/x/../cfg.json")).toEqual(["cfg.json"]);
    expect(scopedSegments("a/../../cfg.json")).toBeUndefined();
  });
});

describe("ArchiveTree", () => {
  it("keeps the last entry written to a path, whatever its spelling", () => {
    const first = f("cfg.json");
    const last = f("x/../cfg.json");
    const t = tree(first, f("/cfg.json"), f(".//cfg.json"), last);
    expect(t.lookup("./cfg.json")).toMatchObject({ kind: "file", offset: last.offset });
  });
  it("binds a hardlink to the content its target had when the link was written", () => {
    const a = f("a.json");
    const t = tree(a, l("cfg.json", "a.json"), f("a.json"));
    expect(t.lookup("cfg.json")).toMatchObject({ offset: a.offset });
    expect(t.lookup("a.json")).not.toMatchObject({ offset: a.offset });
  });
  it("follows symlinks within the root when reading, absolute ones from the root", () => {
    const real = f("m/real.json");
    const t = tree(real, l("manifest.json", "/m/real.json", "2"), l("up", "../../../m", "2"));
    expect(t.lookup("manifest.json")).toMatchObject({ offset: real.offset });
    expect(t.lookup("up/real.json")).toMatchObject({ offset: real.offset });
  });
  it("writes through a directory symlink as the engine does", () => {
    const last = f("d/cfg.json");
    const t = tree(l("d", ".", "2"), f("cfg.json"), last);
    expect(t.lookup("cfg.json")).toMatchObject({ offset: last.offset });
  });
  it("removes a directory's subtree when a file takes its place", () => {
    expect(tree(f("c/cfg.json"), f("c"), d("c/")).lookup("c/cfg.json")).toBeUndefined();
  });
  it("refuses what the engine refuses", () => {
    expect(() => tree(l("cfg.json", "nothing"))).toThrow(SourceError);
    expect(() => tree(f("c"), f("c/x"))).toThrow(/not a directory/);
    expect(() => tree({ ...f("x"), typeflag: "7" })).toThrow(/tar type "7"/);
    expect(() => tree(d("a"), l("h", "a"))).toThrow(/directory/);
    expect(() => tree(f("a"), l("s", "nowhere", "2"), f("s/x"))).toThrow(/symlink to a missing place/);
    expect(() => tree(l("a", "b", "2"), l("b", "a", "2")).lookup("a")).toThrow(/too many levels/);
    expect(() => tree(f("a")).lookup("../a")).toThrow(/outside/);
    expect(() => tree(f("/"))).toThrow(/root/);
  });
});
