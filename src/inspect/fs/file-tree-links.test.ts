/** FileTree: symlinks, hardlinks and entries named through symlinked directories. */
import { describe, expect, it } from "vitest";
import type { FileSpec } from "../../../fixtures/image-spec.js";
import type { FileRecord } from "./file-record.js";
import { FileTree } from "./file-tree.js";
import { childNames, resolved, text, treeOf, wasteOf } from "../../../fixtures/file-tree.js";

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

  it("makes a lower link a directory when an upper layer's entries sit under it, as the engine's overlay storage does, leaving where it pointed alone", async () => {
    const t = await treeOf([
      merged,
      [
        { path: "lib/x86_64-linux-gnu/libnew.so", content: "new" },
        { path: "lib/x86_64-linux-gnu/libold.so", content: "newer" },
        { path: "bin/tool", content: "tool", mode: 0o755 },
      ],
    ]);
    expect(t.get("/lib")).toMatchObject({ type: "dir", implicit: true, layer: 1 });
    expect(t.get("/bin")).toMatchObject({ type: "dir", implicit: true, layer: 1 });
    expect(t.get("/lib/x86_64-linux-gnu")).toMatchObject({ type: "dir", implicit: true, layer: 1 });
    expect(text(t, "/lib/x86_64-linux-gnu/libnew.so")).toBe("new");
    expect(text(t, "/lib/x86_64-linux-gnu/libold.so")).toBe("newer");
    expect(t.get("/lib/x86_64-linux-gnu/libc.so.6")).toBeUndefined();
    expect(t.get("/bin/tool")).toMatchObject({ type: "file", mode: 0o755, layer: 1 });
    expect(t.get("/usr/bin/tool")).toBeUndefined();
    // where the links pointed is as it was: nothing replaced, nothing wasted
    expect(text(t, "/usr/lib/x86_64-linux-gnu/libold.so")).toBe("old");
    expect(text(t, "/usr/lib/x86_64-linux-gnu/libc.so.6")).toBe("libc");
    expect(t.get("/usr/lib/x86_64-linux-gnu/libnew.so")).toBeUndefined();
    expect(t.wasted).toEqual([]);
  });

  it("hides nothing through a lower link with a whiteout or an opaque marker under it (the link becomes a directory)", async () => {
    const t = await treeOf([
      merged,
      [
        { path: "lib/x86_64-linux-gnu/gone.so", type: "whiteout" },
        { path: "lib/python3", type: "opaque" },
        { path: "lib/python3/new.py", content: "n" },
        { path: "bin", type: "opaque" },
      ],
    ]);
    expect(t.get("/lib")).toMatchObject({ type: "dir", implicit: true, layer: 1 });
    expect(t.get("/bin")).toMatchObject({ type: "dir", implicit: true, layer: 1 });
    expect(childNames(t, "/lib")).toEqual(["/lib/python3", "/lib/x86_64-linux-gnu"]);
    expect(childNames(t, "/lib/x86_64-linux-gnu")).toEqual([]);
    expect(childNames(t, "/lib/python3")).toEqual(["/lib/python3/new.py"]);
    expect(text(t, "/usr/lib/x86_64-linux-gnu/gone.so")).toBe("gone");
    expect(text(t, "/usr/lib/python3/site.py")).toBe("site");
    expect(t.wasted).toEqual([]);
  });

  it("a directory replacing the link (rm /lib && mkdir /lib: the directory and its opaque marker) hides nothing of where it pointed", async () => {
    const t = await treeOf([merged, [{ path: "lib/", type: "dir", mode: 0o700 }, { path: "lib", type: "opaque" }]]);
    expect(t.get("/lib")).toMatchObject({ type: "dir", mode: 0o700, layer: 1 });
    expect(childNames(t, "/lib")).toEqual([]);
    expect(childNames(t, "/usr/lib/python3")).toEqual(["/usr/lib/python3/site.py"]);
    expect(t.wasted).toEqual([]);
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
        { path: "bin/alias", type: "hardlink", linkname: "bin/tool", mode: 0o4755, uid: 3 },
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

  it("does not count a deleted file as waste while a hardlink still reaches its bytes, and counts it when the last link goes", async () => {
    const t = await treeOf([
      [
        { path: "bin/a", content: "aaaa" },
        { path: "bin/b", type: "hardlink", linkname: "bin/a" },
        { path: "bin/c", type: "hardlink", linkname: "bin/a" },
        { path: "bin/solo", content: "ss" },
      ],
      [{ path: "bin/a", type: "whiteout" }, { path: "bin/solo", type: "whiteout" }],
      [{ path: "bin/b", type: "whiteout" }],
      [{ path: "bin/c", content: "new" }],
    ]);
    expect(text(t, "/bin/c")).toBe("new");
    expect(wasteOf(t)).toEqual([
      { path: "/bin/a", size: 4, layer: 0, removedBy: 3 },
      { path: "/bin/solo", size: 2, layer: 0, removedBy: 1 },
    ]);
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


describe("FileTree: what the engine's overlay storage does within one layer", () => {
  const lower: FileSpec[] = [
    { path: "usr/bin/su", content: "su", mode: 0o4755 },
    { path: "etc/passwd", content: "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n" },
  ];

  it("takes no opaque marker at the layer's root: every lower entry stays", async () => {
    const t = await treeOf([lower, [{ path: "", type: "opaque" }, { path: "etc/hostname", content: "h" }]]);
    expect(t.get("/usr/bin/su")).toMatchObject({ mode: 0o4755 });
    expect(text(t, "/etc/passwd")).toContain("app:x:1000");
    expect(t.wasted).toEqual([]);
  });

  it("a whiteout of a path the same layer writes again is the entry's: a directory so made shows the lower one through", async () => {
    const t = await treeOf([lower, [{ path: "usr", type: "whiteout" }, { path: "usr/", type: "dir", mode: 0o700 }, { path: "usr/bin/env", content: "env" }]]);
    expect(t.get("/usr")).toMatchObject({ type: "dir", mode: 0o700, layer: 1 });
    expect(t.get("/usr/bin/su")).toMatchObject({ mode: 0o4755, layer: 0 });
    expect(text(t, "/usr/bin/env")).toBe("env");
  });

  it("follows a symlink the same layer made (a lower layer's it does not)", async () => {
    const t = await treeOf([
      [...lower, { path: "old", type: "symlink", linkname: "/etc" }],
      [
        { path: "x", type: "symlink", linkname: "/etc" },
        { path: "x/passwd", content: "app:x:0:0::/home/app:/bin/sh\n" },
        { path: "y", type: "symlink", linkname: "usr/bin" },
        { path: "y/evil", content: "e", mode: 0o4755 },
        { path: "old/shadow", content: "s" },
      ],
    ]);
    expect(text(t, "/etc/passwd")).toBe("app:x:0:0::/home/app:/bin/sh\n");
    expect(t.get("/x")).toMatchObject({ type: "symlink" });
    expect(t.get("/usr/bin/evil")).toMatchObject({ type: "file", mode: 0o4755, layer: 1 });
    expect(t.get("/y")).toMatchObject({ type: "symlink" });
    expect(t.get("/old")).toMatchObject({ type: "dir", implicit: true, layer: 1 });
    expect(text(t, "/old/shadow")).toBe("s");
    expect(t.get("/etc/shadow")).toBeUndefined();
  });

  it("gives a file the capabilities of the last header that names it (a hardlink's set them on the inode; its chown clears them)", () => {
    const caps = { names: ["CAP_SETUID"], effective: true };
    const base = { mode: 0o755, uid: 0, gid: 0, size: 0 };
    const t = FileTree.fromLayers([
      {
        layer: 0,
        files: [
          { path: "/bin", type: "dir", ...base, layer: 0 },
          { path: "/bin/tool", type: "file", ...base, size: 4, layer: 0 },
          { path: "/bin/alias", type: "hardlink", linkname: "/bin/tool", ...base, layer: 0, capabilities: caps },
          { path: "/bin/capped", type: "file", ...base, size: 4, layer: 0, capabilities: caps },
          { path: "/bin/plain", type: "hardlink", linkname: "/bin/capped", ...base, layer: 0 },
        ],
        whiteouts: [],
        opaque: [],
        fileBytes: 8,
      },
    ]);
    expect(t.get("/bin/tool")!.capabilities).toEqual(caps);
    expect(resolved(t.resolve("/bin/alias")).record.capabilities).toEqual(caps);
    expect(t.get("/bin/capped")!.capabilities).toBeUndefined();
  });
});
