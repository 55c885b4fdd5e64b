import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { FileSpec } from "../../../fixtures/image-spec.js";
import { layerTar } from "../../../fixtures/layer-tar.js";
import type { FileRecord } from "./file-record.js";
import { FileTree, type Resolution } from "./file-tree.js";
import { scanLayer, type LayerIndex, type ScanInterest } from "./scan-layer.js";

const keepAll: ScanInterest = { wantContent: () => true };

/** Layers as the fixture writer lays them out, scanned for real, then flattened. */
async function layersOf(layers: FileSpec[][], interest: ScanInterest = keepAll): Promise<LayerIndex[]> {
  return Promise.all(layers.map((files, i) => scanLayer(Readable.from([layerTar(files, 0, i)]), i, `layer ${i}`, interest)));
}

async function treeOf(layers: FileSpec[][], interest: ScanInterest = keepAll): Promise<FileTree> {
  return FileTree.fromLayers(await layersOf(layers, interest));
}

const text = (tree: FileTree, path: string) => tree.read(path)?.toString("utf8");
const paths = (tree: FileTree) => [...tree.entries()].map((r) => r.path).sort();
const childNames = (tree: FileTree, dir: string) => tree.children(dir).map((r) => r.path).sort();
const wasteOf = (tree: FileTree) => [...tree.wasted].sort((a, b) => (a.path < b.path ? -1 : 1));

function resolved(r: Resolution): { path: string; record: FileRecord } {
  if (!r.ok) throw new Error(`expected ${r.path} to resolve, got ${r.reason}`);
  return r;
}

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

  it("a whiteout of something that never existed is harmless", async () => {
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
    expect(text(t, "/etc/motd")).toBe("welcome");
    expect(t.wasted).toEqual([]);
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

describe("FileTree: entries named through symlinked directories (merged /usr)", () => {
  const merged: FileSpec[] = [
    { path: "usr/lib/x86_64-linux-gnu/libc.so.6", content: "libc" },
    { path: "usr/lib/x86_64-linux-gnu/libold.so", content: "old" },
    { path: "usr/lib/x86_64-linux-gnu/gone.so", content: "gone" },
    { path: "usr/lib/python3/site.py", content: "site" },
    { path: "lib", type: "symlink", linkname: "usr/lib" },
    { path: "bin", type: "symlink", linkname: "/usr/bin" },
    { path: "usr/bin/", type: "dir" },
  ];

  it("puts an upper layer's lib/... entries where the link points, as the engines do, keeping the link", async () => {
    const t = await treeOf([
      merged,
      [
        { path: "lib/x86_64-linux-gnu/libnew.so", content: "new" },
        { path: "lib/x86_64-linux-gnu/libold.so", content: "newer" },
        { path: "lib/fresh/dir/file", content: "f" },
        { path: "bin/tool", content: "tool", mode: 0o755 },
      ],
    ]);
    expect(t.get("/lib")).toMatchObject({ type: "symlink", linkname: "usr/lib", layer: 0 });
    expect(t.get("/bin")).toMatchObject({ type: "symlink", layer: 0 });
    expect(t.get("/usr/lib/x86_64-linux-gnu/libnew.so")).toMatchObject({ type: "file", layer: 1 });
    expect(text(t, "/lib/x86_64-linux-gnu/libnew.so")).toBe("new");
    expect(text(t, "/lib/x86_64-linux-gnu/libc.so.6")).toBe("libc");
    expect(text(t, "/usr/lib/x86_64-linux-gnu/libold.so")).toBe("newer");
    expect(t.get("/usr/lib/fresh/dir")).toMatchObject({ type: "dir", implicit: true, layer: 1 });
    expect(text(t, "/lib/fresh/dir/file")).toBe("f");
    expect(t.get("/usr/bin/tool")).toMatchObject({ type: "file", mode: 0o755 });
    expect(t.wasted).toEqual([{ path: "/usr/lib/x86_64-linux-gnu/libold.so", size: 3, layer: 0, removedBy: 1 }]);
  });

  it("applies whiteouts and opaque markers named through the link to where it points", async () => {
    const t = await treeOf([
      merged,
      [
        { path: "lib/x86_64-linux-gnu/gone.so", type: "whiteout" },
        { path: "lib/python3", type: "opaque" },
        { path: "lib/python3/new.py", content: "n" },
      ],
    ]);
    expect(t.get("/lib")!.type).toBe("symlink");
    expect(t.get("/usr/lib/x86_64-linux-gnu/gone.so")).toBeUndefined();
    expect(childNames(t, "/usr/lib/python3")).toEqual(["/usr/lib/python3/new.py"]);
    expect(wasteOf(t)).toEqual([
      { path: "/usr/lib/python3/site.py", size: 4, layer: 0, removedBy: 1 },
      { path: "/usr/lib/x86_64-linux-gnu/gone.so", size: 4, layer: 0, removedBy: 1 },
    ]);
  });

  it("resolves a hardlink target named through the link", async () => {
    const t = await treeOf([merged, [{ path: "usr/local/lib/libc.so.6", type: "hardlink", linkname: "lib/x86_64-linux-gnu/libc.so.6" }]]);
    expect(text(t, "/usr/local/lib/libc.so.6")).toBe("libc");
  });

  it("still replaces the link itself when an entry names it exactly", async () => {
    const t = await treeOf([merged, [{ path: "lib/", type: "dir" }, { path: "lib/own.so", content: "own" }]]);
    expect(t.get("/lib")).toMatchObject({ type: "dir", layer: 1 });
    expect(childNames(t, "/lib")).toEqual(["/lib/own.so"]);
    expect(text(t, "/usr/lib/x86_64-linux-gnu/libc.so.6")).toBe("libc");
  });
});

describe("FileTree: hardlinks", () => {
  const elfish = Buffer.concat([Buffer.from("\x7fELF", "latin1"), Buffer.alloc(300, 0xab)]);

  it("reaches content, mode, size and ELF information through the link", async () => {
    const t = await treeOf([
      [
        { path: "bin/tool", content: elfish, mode: 0o4755, uid: 3 },
        { path: "bin/alias", type: "hardlink", linkname: "bin/tool" },
        { path: "etc/conf", content: "conf" },
        { path: "etc/conf.hard", type: "hardlink", linkname: "/etc/conf" },
      ],
    ]);
    expect(t.get("/bin/alias")).toMatchObject({ type: "hardlink", linkname: "/bin/tool" });
    const r = resolved(t.resolve("/bin/alias"));
    expect(r.path).toBe("/bin/alias");
    expect(r.record).toMatchObject({ path: "/bin/alias", type: "file", size: elfish.length, mode: 0o4755, uid: 3, layer: 0 });
    expect(r.record.elf).toBeDefined();
    expect(r.record.elf).toEqual(t.get("/bin/tool")!.elf);
    expect(r.record.content!.equals(elfish)).toBe(true);
    expect(text(t, "/etc/conf.hard")).toBe("conf");
  });

  it("a hardlink in an upper layer may point at a file of a lower layer, and keeps its own layer", async () => {
    const t = await treeOf([[{ path: "usr/bin/python3.11", content: "py" }], [{ path: "usr/bin/python3", type: "hardlink", linkname: "usr/bin/python3.11" }]]);
    const r = resolved(t.resolve("/usr/bin/python3"));
    expect(r.record).toMatchObject({ type: "file", layer: 1, size: 2 });
    expect(text(t, "/usr/bin/python3")).toBe("py");
  });

  it("reports a hardlink to a missing target as missing, naming the target", async () => {
    const t = await treeOf([[{ path: "bin/orphan", type: "hardlink", linkname: "bin/nowhere" }]]);
    expect(t.get("/bin/orphan")).toMatchObject({ type: "hardlink" });
    expect(t.resolve("/bin/orphan")).toEqual({ ok: false, path: "/bin/nowhere", reason: "missing" });
    expect(t.read("/bin/orphan")).toBeUndefined();
  });

  it("keeps the linked content when an upper layer deletes or replaces the original name (same inode)", async () => {
    const t = await treeOf([
      [
        { path: "bin/a", content: "original a" },
        { path: "bin/b", type: "hardlink", linkname: "bin/a" },
        { path: "bin/c", content: "original c" },
        { path: "bin/d", type: "hardlink", linkname: "bin/c" },
      ],
      [{ path: "bin/a", type: "whiteout" }, { path: "bin/c", content: "replaced c" }],
    ]);
    expect(t.get("/bin/a")).toBeUndefined();
    expect(text(t, "/bin/b")).toBe("original a");
    expect(text(t, "/bin/c")).toBe("replaced c");
    expect(text(t, "/bin/d")).toBe("original c");
  });

  it("follows a hardlink to a hardlink to the file", async () => {
    const t = await treeOf([[{ path: "x/f", content: "f" }, { path: "x/h1", type: "hardlink", linkname: "x/f" }, { path: "x/h2", type: "hardlink", linkname: "x/h1" }]]);
    expect(text(t, "/x/h2")).toBe("f");
    expect(resolved(t.resolve("/x/h2")).record.type).toBe("file");
  });
});

describe("FileTree: symlinks", () => {
  const rootfs: FileSpec[] = [
    { path: "etc/", type: "dir" },
    { path: "etc/passwd", content: "root:x:0:0::/root:/bin/sh\n" },
    { path: "etc/alternatives/editor", type: "symlink", linkname: "/usr/bin/vim.basic" },
    { path: "usr/bin/vim.basic", content: "vim" },
    { path: "usr/bin/editor", type: "symlink", linkname: "/etc/alternatives/editor" },
    { path: "usr/lib/x86_64-linux-gnu/libc.so.6", content: "libc" },
    { path: "usr/lib/os-release", content: "ID=debian\n" },
    { path: "lib", type: "symlink", linkname: "usr/lib" },
    { path: "lib64", type: "symlink", linkname: "/usr/lib/x86_64-linux-gnu" },
    { path: "etc/os-release", type: "symlink", linkname: "../usr/lib/os-release" },
    { path: "usr/local/bin/app", content: "app", mode: 0o755 },
    { path: "usr/local/bin/rel", type: "symlink", linkname: "../../bin/vim.basic" },
    { path: "a", type: "symlink", linkname: "../../../etc/passwd" },
    { path: "srv/deep/b", type: "symlink", linkname: "/../../../../etc/passwd" },
    { path: "srv/deep/c", type: "symlink", linkname: "../../../../../../../etc/passwd" },
    { path: "loop1", type: "symlink", linkname: "loop2" },
    { path: "loop2", type: "symlink", linkname: "/loop1" },
    { path: "self", type: "symlink", linkname: "self" },
    { path: "dirloop", type: "symlink", linkname: "dirloop/x" },
    { path: "dangling", type: "symlink", linkname: "/nowhere/file" },
    { path: "etc/passwd-as-dir", type: "symlink", linkname: "/etc/passwd/x" },
  ];

  it("follows an absolute symlink from the image root", async () => {
    const t = await treeOf([rootfs]);
    const r = resolved(t.resolve("/etc/alternatives/editor"));
    expect(r.path).toBe("/usr/bin/vim.basic");
    expect(r.record.content?.toString()).toBe("vim");
  });

  it("follows a relative symlink from the link's directory", async () => {
    const t = await treeOf([rootfs]);
    expect(resolved(t.resolve("/etc/os-release")).path).toBe("/usr/lib/os-release");
    expect(resolved(t.resolve("/usr/local/bin/rel")).path).toBe("/usr/bin/vim.basic");
  });

  it("follows chains of symlinks", async () => {
    const t = await treeOf([rootfs]);
    expect(resolved(t.resolve("/usr/bin/editor")).path).toBe("/usr/bin/vim.basic");
    expect(text(t, "/usr/bin/editor")).toBe("vim");
  });

  it("follows symlinked directories in the middle of a path", async () => {
    const t = await treeOf([rootfs]);
    expect(resolved(t.resolve("/lib/x86_64-linux-gnu/libc.so.6")).path).toBe("/usr/lib/x86_64-linux-gnu/libc.so.6");
    expect(resolved(t.resolve("/lib64/libc.so.6")).path).toBe("/usr/lib/x86_64-linux-gnu/libc.so.6");
    expect(text(t, "/lib/os-release")).toBe("ID=debian\n");
    // the symlinked directory itself, followed or not
    expect(resolved(t.resolve("/lib")).path).toBe("/usr/lib");
    expect(resolved(t.resolve("/lib")).record.type).toBe("dir");
    const link = resolved(t.resolve("/lib", false));
    expect(link.path).toBe("/lib");
    expect(link.record).toMatchObject({ type: "symlink", linkname: "usr/lib" });
  });

  it("does not follow the last component when told not to, but still follows the ones before it", async () => {
    const t = await treeOf([rootfs]);
    const r = resolved(t.resolve("/usr/bin/editor", false));
    expect(r.record).toMatchObject({ type: "symlink", path: "/usr/bin/editor" });
    const mid = resolved(t.resolve("/lib/os-release", false));
    expect(mid.path).toBe("/usr/lib/os-release");
  });

  it("clamps '..' at the image root: links climbing out land inside the image", async () => {
    const t = await treeOf([rootfs]);
    for (const p of ["/a", "/srv/deep/b", "/srv/deep/c"]) {
      const r = resolved(t.resolve(p));
      expect(r.path, p).toBe("/etc/passwd");
      expect(r.record.content?.toString(), p).toBe("root:x:0:0::/root:/bin/sh\n");
    }
    expect(resolved(t.resolve("/../../etc/passwd")).path).toBe("/etc/passwd");
    expect(resolved(t.resolve("etc/passwd")).path).toBe("/etc/passwd");
  });

  it("resolves '..' after a symlinked directory from where the link points, as the kernel does", async () => {
    const t = await treeOf([
      [
        ...rootfs,
        { path: "usr/etc/conf", content: "under usr" },
        { path: "etc/conf", content: "under etc" },
        { path: "x", type: "symlink", linkname: "/lib/../etc/conf" },
      ],
    ]);
    // /lib is usr/lib, so /lib/.. is /usr
    expect(resolved(t.resolve("/lib/../etc/conf")).path).toBe("/usr/etc/conf");
    expect(text(t, "/x")).toBe("under usr");
    // without symlinks '..' is plain
    expect(text(t, "/usr/lib/../../etc/conf")).toBe("under etc");
  });

  it("reports symlink loops as 'loop' instead of hanging", async () => {
    const t = await treeOf([rootfs]);
    for (const p of ["/loop1", "/loop2", "/self", "/dirloop", "/loop1/below", "/self/x/y"]) {
      const r = t.resolve(p);
      expect(r.ok, p).toBe(false);
      if (!r.ok) expect(r.reason, p).toBe("loop");
    }
    // a loop is fine when the last component is not followed
    expect(resolved(t.resolve("/self", false)).record.type).toBe("symlink");
  });

  it("follows up to 40 links, as Linux does", async () => {
    const chain: FileSpec[] = [{ path: "end", content: "end" }, { path: "l0", type: "symlink", linkname: "end" }];
    for (let i = 1; i <= 40; i++) chain.push({ path: `l${i}`, type: "symlink", linkname: `l${i - 1}` });
    const t = await treeOf([chain]);
    expect(text(t, "/l39")).toBe("end");
    const r = t.resolve("/l40");
    expect(r.ok ? "ok" : r.reason).toBe("loop");
  });

  it("reports a dangling link as missing at the first missing component", async () => {
    const t = await treeOf([rootfs]);
    expect(t.resolve("/dangling")).toEqual({ ok: false, path: "/nowhere", reason: "missing" });
    expect(t.resolve("/usr/bin/nope")).toEqual({ ok: false, path: "/usr/bin/nope", reason: "missing" });
  });

  it("reports a file used as a directory as not-a-directory", async () => {
    const t = await treeOf([rootfs]);
    expect(t.resolve("/etc/passwd/x")).toEqual({ ok: false, path: "/etc/passwd", reason: "not-a-directory" });
    expect(t.resolve("/etc/passwd-as-dir")).toEqual({ ok: false, path: "/etc/passwd", reason: "not-a-directory" });
  });

  it("reports an empty symlink target as missing (node-tar refuses to read one, so the layer is made by hand)", () => {
    const rec = (path: string, type: FileRecord["type"], linkname?: string): FileRecord => ({
      path,
      type,
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: 0,
      layer: 0,
      ...(linkname === undefined ? {} : { linkname }),
    });
    const t = FileTree.fromLayers([
      { layer: 0, files: [rec("/etc", "dir"), rec("/etc/empty", "symlink", "")], whiteouts: [], opaque: [], fileBytes: 0 },
    ]);
    expect(t.resolve("/etc/empty")).toEqual({ ok: false, path: "/etc/empty", reason: "missing" });
    expect(t.resolve("/etc/empty/x")).toEqual({ ok: false, path: "/etc/empty", reason: "missing" });
  });

  it("sees a symlink replaced by a directory in an upper layer", async () => {
    const t = await treeOf([rootfs, [{ path: "lib/", type: "dir" }, { path: "lib/own.so", content: "own" }]]);
    expect(t.get("/lib")).toMatchObject({ type: "dir", layer: 1 });
    expect(t.resolve("/lib/x86_64-linux-gnu/libc.so.6")).toEqual({ ok: false, path: "/lib/x86_64-linux-gnu", reason: "missing" });
    expect(text(t, "/lib/own.so")).toBe("own");
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
