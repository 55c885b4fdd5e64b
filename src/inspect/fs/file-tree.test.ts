/** FileTree: layers flattened, whiteouts and opaque directories, content kept. */
import { describe, expect, it } from "vitest";
import type { FileSpec } from "../../../fixtures/image-spec.js";
import { FileTree } from "./file-tree.js";
import { childNames, paths, resolved, text, treeOf, wasteOf } from "../../../fixtures/file-tree.js";

describe("FileTree: layers", () => {
  it("starts with the root directory only", () => {
    const t = new FileTree();
    expect(t.size).toBe(1);
    expect(t.get("/")).toMatchObject({ type: "dir", implicit: true });
    expect(resolved(t.resolve("/")).path).toBe("/");
    expect(t.wasted).toEqual([]);
  });

  it("lets upper layers win and counts the replaced bytes as waste of the lower layer", async () => {
    const t = await treeOf([
      [{ path: "etc/", type: "dir" }, { path: "etc/app.conf", content: "v1 with more bytes\n" }, { path: "etc/keep", content: "k" }],
      [{ path: "etc/app.conf", content: "v2\n", mode: 0o600 }],
      [{ path: "etc/app.conf", content: "v3\n", uid: 7 }],
    ]);
    expect(text(t, "/etc/app.conf")).toBe("v3\n");
    expect(t.get("/etc/app.conf")).toMatchObject({ type: "file", layer: 2, uid: 7, size: 3 });
    expect(t.get("/etc/keep")!.layer).toBe(0);
    expect(wasteOf(t)).toEqual([
      { path: "/etc/app.conf", size: 19, layer: 0, removedBy: 1 },
      { path: "/etc/app.conf", size: 3, layer: 1, removedBy: 2 },
    ]);
    expect(childNames(t, "/etc")).toEqual(["/etc/app.conf", "/etc/keep"]);
  });

  it("keeps a directory's children when an upper layer only changes its metadata", async () => {
    const t = await treeOf([
      [{ path: "srv/", type: "dir", mode: 0o755 }, { path: "srv/a", content: "a" }],
      [{ path: "srv/", type: "dir", mode: 0o700, uid: 1000 }],
    ]);
    expect(t.get("/srv")).toMatchObject({ type: "dir", mode: 0o700, uid: 1000, layer: 1 });
    expect(text(t, "/srv/a")).toBe("a");
    expect(childNames(t, "/srv")).toEqual(["/srv/a"]);
    expect(t.wasted).toEqual([]);
  });

  it("replaces a file by a directory", async () => {
    const t = await treeOf([
      [{ path: "opt/thing", content: "i was a file" }],
      [{ path: "opt/thing/", type: "dir" }, { path: "opt/thing/inside", content: "now a dir" }],
    ]);
    expect(t.get("/opt/thing")).toMatchObject({ type: "dir", layer: 1 });
    expect(text(t, "/opt/thing/inside")).toBe("now a dir");
    expect(t.wasted).toEqual([{ path: "/opt/thing", size: 12, layer: 0, removedBy: 1 }]);
  });

  it("replaces a directory (and its whole subtree) by a file", async () => {
    const t = await treeOf([
      [
        { path: "opt/d/", type: "dir" },
        { path: "opt/d/a", content: "aa" },
        { path: "opt/d/sub/b", content: "bbb" },
        { path: "opt/d/sub/link", type: "symlink", linkname: "b" },
      ],
      [{ path: "opt/d", content: "now a file" }],
    ]);
    expect(t.get("/opt/d")).toMatchObject({ type: "file", layer: 1, size: 10 });
    for (const gone of ["/opt/d/a", "/opt/d/sub", "/opt/d/sub/b", "/opt/d/sub/link"]) expect(t.get(gone), gone).toBeUndefined();
    expect(t.children("/opt/d")).toEqual([]);
    expect(wasteOf(t)).toEqual([
      { path: "/opt/d/a", size: 2, layer: 0, removedBy: 1 },
      { path: "/opt/d/sub/b", size: 3, layer: 0, removedBy: 1 },
    ]);
    expect(t.resolve("/opt/d/a")).toEqual({ ok: false, path: "/opt/d", reason: "not-a-directory" });
  });

  it("creates missing parent directories implicitly, in the layer that needed them", async () => {
    const t = await treeOf([[{ path: "etc/", type: "dir" }], [{ path: "usr/local/share/app/data.txt", content: "d" }]]);
    for (const dir of ["/usr", "/usr/local", "/usr/local/share", "/usr/local/share/app"]) {
      expect(t.get(dir), dir).toMatchObject({ type: "dir", implicit: true, layer: 1, mode: 0o755 });
    }
    expect(t.get("/etc")!.implicit).toBeUndefined();
    expect(childNames(t, "/")).toEqual(["/etc", "/usr"]);
    expect(childNames(t, "/usr/local/share/app")).toEqual(["/usr/local/share/app/data.txt"]);
  });

  it("lets an explicit directory entry replace an implicit one", async () => {
    const t = await treeOf([[{ path: "a/b/file", content: "f" }, { path: "a/", type: "dir", mode: 0o750 }]]);
    expect(t.get("/a")).toMatchObject({ type: "dir", mode: 0o750 });
    expect(t.get("/a")!.implicit).toBeUndefined();
    expect(text(t, "/a/b/file")).toBe("f");
  });
});

describe("FileTree: whiteouts", () => {
  const base: FileSpec[] = [
    { path: "etc/", type: "dir" },
    { path: "etc/motd", content: "welcome" },
    { path: "etc/issue", content: "issue" },
    { path: "var/cache/apt/", type: "dir" },
    { path: "var/cache/apt/pkgcache.bin", content: "x".repeat(100) },
    { path: "var/cache/apt/archives/a.deb", content: "y".repeat(50) },
    { path: "var/cache/apt/archives/partial/", type: "dir" },
  ];

  it(".wh.NAME deletes a file and counts its bytes as waste", async () => {
    const t = await treeOf([base, [{ path: "etc/motd", type: "whiteout" }]]);
    expect(t.get("/etc/motd")).toBeUndefined();
    expect(t.resolve("/etc/motd")).toEqual({ ok: false, path: "/etc/motd", reason: "missing" });
    expect(text(t, "/etc/issue")).toBe("issue");
    expect(childNames(t, "/etc")).toEqual(["/etc/issue"]);
    expect(t.wasted).toEqual([{ path: "/etc/motd", size: 7, layer: 0, removedBy: 1 }]);
  });

  it(".wh.NAME on a directory deletes the whole subtree", async () => {
    const before = (await treeOf([base])).size;
    const t = await treeOf([base, [{ path: "var/cache/apt", type: "whiteout" }]]);
    expect(paths(t).filter((p) => p.startsWith("/var/cache/apt"))).toEqual([]);
    // apt, pkgcache.bin, archives, a.deb, partial
    expect(t.size).toBe(before - 5);
    expect(t.get("/var/cache")).toMatchObject({ type: "dir" });
    expect(t.children("/var/cache")).toEqual([]);
    expect(wasteOf(t)).toEqual([
      { path: "/var/cache/apt/archives/a.deb", size: 50, layer: 0, removedBy: 1 },
      { path: "/var/cache/apt/pkgcache.bin", size: 100, layer: 0, removedBy: 1 },
    ]);
  });

  it("a whiteout and a new entry of the same name in a later layer: the new entry stands", async () => {
    const t = await treeOf([base, [{ path: "var/cache/apt", type: "whiteout" }], [{ path: "var/cache/apt/fresh", content: "new" }]]);
    expect(childNames(t, "/var/cache/apt")).toEqual(["/var/cache/apt/fresh"]);
    expect(t.get("/var/cache/apt")).toMatchObject({ implicit: true, layer: 2 });
  });

  it("a whiteout of something that never existed deletes nothing, but makes its parents directories, as the engine does", async () => {
    const lower = await treeOf([base]);
    const t = await treeOf([
      base,
      [
        { path: "ghost", type: "whiteout" },
        { path: "etc/ghost", type: "whiteout" },
        { path: "etc/motd/inside", type: "whiteout" },
      ],
    ]);
    expect(paths(t)).toEqual(paths(lower));
    expect(t.get("/ghost")).toBeUndefined();
    expect(t.get("/etc/ghost")).toBeUndefined();
    // (docker export of such a layer: etc/motd/ is an empty directory)
    expect(t.get("/etc/motd")).toMatchObject({ type: "dir", implicit: true, layer: 1 });
    expect(childNames(t, "/etc/motd")).toEqual([]);
    expect(wasteOf(t)).toEqual([{ path: "/etc/motd", size: 7, layer: 0, removedBy: 1 }]);
  });

  it(".wh..wh..opq hides everything below the directory but keeps the same layer's entries", async () => {
    const t = await treeOf([
      base,
      [
        { path: "var/cache/apt/", type: "dir", mode: 0o700 },
        { path: "var/cache/apt", type: "opaque" },
        { path: "var/cache/apt/new.bin", content: "fresh" },
        { path: "var/cache/apt/archives/b.deb", content: "b" },
      ],
    ]);
    expect(t.get("/var/cache/apt")).toMatchObject({ type: "dir", mode: 0o700, layer: 1 });
    expect(childNames(t, "/var/cache/apt")).toEqual(["/var/cache/apt/archives", "/var/cache/apt/new.bin"]);
    // archives came back implicitly, with only this layer's file in it
    expect(childNames(t, "/var/cache/apt/archives")).toEqual(["/var/cache/apt/archives/b.deb"]);
    expect(t.get("/var/cache/apt/archives")).toMatchObject({ implicit: true, layer: 1 });
    expect(t.get("/var/cache/apt/pkgcache.bin")).toBeUndefined();
    expect(t.get("/var/cache/apt/archives/partial")).toBeUndefined();
    expect(wasteOf(t)).toEqual([
      { path: "/var/cache/apt/archives/a.deb", size: 50, layer: 0, removedBy: 1 },
      { path: "/var/cache/apt/pkgcache.bin", size: 100, layer: 0, removedBy: 1 },
    ]);
  });

  it("an opaque directory keeps its lower metadata when the layer does not restate it, and leaves siblings alone", async () => {
    const t = await treeOf([
      [...base, { path: "etc/ssl/", type: "dir", mode: 0o711 }, { path: "etc/ssl/old.pem", content: "old" }],
      [{ path: "etc/ssl", type: "opaque" }],
    ]);
    expect(t.get("/etc/ssl")).toMatchObject({ type: "dir", mode: 0o711, layer: 0 });
    expect(t.children("/etc/ssl")).toEqual([]);
    expect(text(t, "/etc/motd")).toBe("welcome");
    expect(t.wasted).toEqual([{ path: "/etc/ssl/old.pem", size: 3, layer: 0, removedBy: 1 }]);
  });

  it("an opaque directory only hides lower layers, not upper ones", async () => {
    const t = await treeOf([base, [{ path: "etc", type: "opaque" }, { path: "etc/hostname", content: "h" }], [{ path: "etc/hosts", content: "127.0.0.1" }]]);
    expect(childNames(t, "/etc")).toEqual(["/etc/hostname", "/etc/hosts"]);
  });

  it("does not count empty files, directories or symlinks as waste", async () => {
    const t = await treeOf([
      [{ path: "a/empty", content: "" }, { path: "a/link", type: "symlink", linkname: "empty" }, { path: "a/d/", type: "dir" }],
      [{ path: "a", type: "whiteout" }],
    ]);
    expect(t.get("/a")).toBeUndefined();
    expect(t.wasted).toEqual([]);
  });
});

describe("FileTree: content kept", () => {
  it("keeps content only for the paths wantContent accepts", async () => {
    const t = await treeOf(
      [[{ path: "etc/passwd", content: "root:x:0:0::/root:/bin/sh\n" }, { path: "etc/secret", content: "s3cr3t" }]],
      { wantContent: (p) => p === "/etc/passwd" },
    );
    expect(text(t, "/etc/passwd")).toBe("root:x:0:0::/root:/bin/sh\n");
    expect(t.read("/etc/secret")).toBeUndefined();
    expect(t.get("/etc/secret")).toMatchObject({ type: "file", size: 6 });
    expect(t.read("/nope")).toBeUndefined();
  });
});
