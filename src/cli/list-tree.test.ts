/** The listing of a flattened tree: order, implicit directories, hardlink groups, and which paths PATH covers. */
import { describe, expect, it } from "vitest";
import { treeOf } from "../../fixtures/file-tree.js";
import { UsageError } from "../errors.js";
import { comparePaths, listTree, type ListedEntry } from "./list-tree.js";

const byPath = (entries: ListedEntry[]) => Object.fromEntries(entries.map((e) => [e.path, e]));

describe("listTree", () => {
  it("lists every entry but the root, implicit directories too, component by component in byte order", async () => {
    const t = await treeOf([
      [{ path: "a/", type: "dir", mode: 0o700 }, { path: "a-c", content: "x" }, { path: "a/b", content: "yy", uid: 7, gid: 8 }],
      [{ path: "deep/er/f", content: "" }, { path: "é", content: "" }, { path: "z", content: "" }],
    ]);
    const list = listTree(t);
    expect(list.map((e) => e.path)).toEqual(["/a", "/a/b", "/a-c", "/deep", "/deep/er", "/deep/er/f", "/z", "/é"]);
    const e = byPath(list);
    expect(e["/a"]).toEqual({ path: "/a", type: "dir", mode: 0o700, uid: 0, gid: 0, size: 0, layer: 0 });
    expect(e["/a/b"]).toEqual({ path: "/a/b", type: "file", mode: 0o644, uid: 7, gid: 8, size: 2, layer: 0 });
    expect(e["/deep"]).toEqual({ path: "/deep", type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, layer: 1, implicit: true });
    expect(comparePaths("/a/b", "/a-c")).toBeLessThan(0);
  });

  it("shows a hardlink group as the original file and links to it, with the file's mode and owner", async () => {
    const t = await treeOf([
      [
        { path: "bin/busybox", content: "bb", mode: 0o4755, uid: 1, gid: 2 },
        // (a link's header carries its file's mode and owner, as tar writes it: the engine applies them to the file)
        { path: "bin/ash", type: "hardlink", linkname: "bin/busybox", mode: 0o4755, uid: 1, gid: 2 },
        { path: "bin/sh", type: "hardlink", linkname: "bin/ash", mode: 0o4755, uid: 1, gid: 2 },
      ],
      [{ path: "usr/bin/env", type: "hardlink", linkname: "bin/busybox", mode: 0o4755, uid: 1, gid: 2 }],
    ]);
    const e = byPath(listTree(t));
    expect(e["/bin/busybox"]).toMatchObject({ type: "file", mode: 0o4755, uid: 1, gid: 2, size: 2, layer: 0 });
    expect(e["/bin/ash"]).toEqual({ path: "/bin/ash", type: "hardlink", mode: 0o4755, uid: 1, gid: 2, size: 0, linkname: "/bin/busybox", layer: 0 });
    expect(e["/bin/sh"]).toMatchObject({ type: "hardlink", linkname: "/bin/busybox" });
    expect(e["/usr/bin/env"]).toMatchObject({ type: "hardlink", linkname: "/bin/busybox", layer: 1 });
  });

  it("keeps the names of a file whose first name a later layer deleted together, as the engine does", async () => {
    const t = await treeOf([
      [
        { path: "l/orig", content: "data", mode: 0o640 },
        { path: "l/h1", type: "hardlink", linkname: "l/orig", mode: 0o640 },
        { path: "l/h2", type: "hardlink", linkname: "l/orig", mode: 0o640 },
        { path: "l/solo", content: "s" },
        { path: "l/solo-link", type: "hardlink", linkname: "l/solo" },
      ],
      [{ path: "l/orig", type: "whiteout" }, { path: "l/solo", type: "whiteout" }],
    ]);
    const e = byPath(listTree(t));
    expect(e["/l/orig"]).toBeUndefined();
    expect(e["/l/h1"]).toMatchObject({ type: "file", mode: 0o640, size: 4, layer: 0 });
    expect(e["/l/h2"]).toMatchObject({ type: "hardlink", linkname: "/l/h1", mode: 0o640, size: 0 });
    expect(e["/l/solo-link"]).toMatchObject({ type: "file", size: 1 });
    expect(e["/l/solo-link"]!.linkname).toBeUndefined();
  });

  it("does not join a link to a file written later under its target's name", async () => {
    const t = await treeOf([
      [{ path: "a", content: "old" }, { path: "b", type: "hardlink", linkname: "a" }],
      [{ path: "a", content: "newer" }],
      [{ path: "c", type: "hardlink", linkname: "a" }],
    ]);
    const e = byPath(listTree(t));
    expect(e["/a"]).toMatchObject({ type: "file", size: 5, layer: 1 });
    expect(e["/b"]).toMatchObject({ type: "file", size: 3, layer: 0 });
    expect(e["/c"]).toMatchObject({ type: "hardlink", linkname: "/a", layer: 2 });
  });

  it("escapes nothing: names are data", async () => {
    const t = await treeOf([[{ path: "x\u001b[2J\u202e", content: "" }]]);
    expect(listTree(t).map((e) => e.path)).toEqual(["/x\u001b[2J\u202e"]);
  });
});

describe("listTree: PATH", () => {
  const layers = () =>
    treeOf([
      [
        { path: "usr/lib/x/f", content: "f" },
        { path: "usr/lib/x/g", content: "g" },
        { path: "usr/libexec/h", content: "h" },
        { path: "lib", type: "symlink", linkname: "usr/lib" },
        { path: "etc/passwd", content: "root" },
        { path: "loop", type: "symlink", linkname: "loop" },
      ],
    ]);

  it("lists a directory and all below it, and not its namesake prefixes", async () => {
    const t = await layers();
    expect(listTree(t, "/usr/lib").map((e) => e.path)).toEqual(["/usr/lib", "/usr/lib/x", "/usr/lib/x/f", "/usr/lib/x/g"]);
    expect(listTree(t, "usr/lib/").map((e) => e.path)).toEqual(["/usr/lib", "/usr/lib/x", "/usr/lib/x/f", "/usr/lib/x/g"]);
    expect(listTree(t, "/../etc/passwd").map((e) => e.path)).toEqual(["/etc/passwd"]);
  });

  it("lists a symlink to a directory, then the directory it leads to; follows symlinked parents", async () => {
    const t = await layers();
    expect(listTree(t, "/lib").map((e) => e.path)).toEqual(["/lib", "/usr/lib", "/usr/lib/x", "/usr/lib/x/f", "/usr/lib/x/g"]);
    expect(listTree(t, "/lib/x/f").map((e) => e.path)).toEqual(["/usr/lib/x/f"]);
    expect(listTree(t, "/loop").map((e) => e.path)).toEqual(["/loop"]);
  });

  it("is a UsageError for a path the image does not have", async () => {
    const t = await layers();
    expect(() => listTree(t, "/nope")).toThrow(UsageError);
    expect(() => listTree(t, "/nope")).toThrow("'/nope' is not in the image: no such file or directory");
    expect(() => listTree(t, "/etc/passwd/x")).toThrow("'/etc/passwd/x' is not in the image: /etc/passwd is not a directory");
    expect(() => listTree(t, "/loop/x")).toThrow("too many levels of symbolic links");
  });
});
