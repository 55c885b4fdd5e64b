import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage, buildIndex } from "../../fixtures/image-writer.js";
import type { ImageSpec } from "../../fixtures/image-writer.js";
import { writeOciLayout } from "../../fixtures/oci-layout-writer.js";
import { writeDockerArchive } from "../../fixtures/docker-archive-writer.js";
import { ensureBusyboxBase } from "../../fixtures/engine-images.js";
import { haveDockerEngine } from "../../fixtures/test-tools.js";
import { EngineClient } from "../../src/engine/client.js";
import type { ListedEntry } from "../../src/cli/list-tree.js";
import { runCli } from "./run-cli.js";

const run = runCli;

/** Three layers: implicit parents, a hardlink group whose first name goes, an opaque directory, links, special modes, hostile names. */
const SPEC: ImageSpec = {
  layers: [
    {
      files: [
        { path: "etc/", type: "dir" },
        { path: "etc/passwd", content: "root:x:0:0::/root:/bin/sh\n" },
        { path: "usr/lib/app/a.so", content: "aaaa", mode: 0o755 },
        { path: "usr/lib/app/old/x", content: "x" },
        { path: "bin/tool", content: "tool!", mode: 0o4755, uid: 0, gid: 50 },
        { path: "bin/alias", type: "hardlink", linkname: "bin/tool" },
        { path: "bin/other", type: "hardlink", linkname: "bin/tool" },
        { path: "tmp/", type: "dir", mode: 0o1777 },
      ],
    },
    {
      files: [
        { path: "bin/tool", type: "whiteout" },
        { path: "usr/lib/app", type: "opaque" },
        { path: "usr/lib/app/b.so", content: "bb" },
        { path: "lib", type: "symlink", linkname: "usr/lib" },
        { path: "home/app/.profile", content: "", uid: 1000, gid: 1000 },
      ],
    },
    {
      files: [
        { path: "srv/evil\u001b[2J\u202egnp.exe", content: "e" },
        { path: "srv/new\nline", content: "n" },
      ],
    },
  ],
  config: { Env: ["PATH=/bin"] },
};

let dir: string;
let layout: string;
let archive: string;
let multi: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-ls-"));
  layout = join(dir, "layout");
  await writeOciLayout(layout, [{ image: buildImage(SPEC), refName: "v1" }]);
  archive = join(dir, "app.tar");
  await writeDockerArchive(archive, [{ image: buildImage(SPEC, { compression: "none" }), tags: ["app:1"] }], { format: "classic" });
  const arch = (architecture: string, file: string) =>
    buildImage({ layers: [{ files: [{ path: file, content: architecture }] }], platform: { os: "linux", architecture } });
  multi = join(dir, "multi");
  await writeOciLayout(multi, [{ index: buildIndex([arch("amd64", "amd64-only"), arch("arm64", "arm64-only")]), refName: "all" }]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("imgpolicy ls", () => {
  it("lists the flattened filesystem like tar -tv, sorted, with each entry's layer", async () => {
    const r = await run("ls", `oci:${layout}:v1`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "drwxr-xr-x 0/0        0 L0* /bin",
        "-rwsr-xr-x 0/50       5 L0  /bin/alias",
        "hrwsr-xr-x 0/50       0 L0  /bin/other link to /bin/alias",
        "drwxr-xr-x 0/0        0 L0  /etc",
        "-rw-r--r-- 0/0       26 L0  /etc/passwd",
        "drwxr-xr-x 0/0        0 L1* /home",
        "drwxr-xr-x 0/0        0 L1* /home/app",
        "-rw-r--r-- 1000/1000  0 L1  /home/app/.profile",
        "lrwxrwxrwx 0/0        0 L1  /lib -> usr/lib",
        "drwxr-xr-x 0/0        0 L2* /srv",
        "-rw-r--r-- 0/0        1 L2  /srv/evil\\x1b[2J\\u202egnp.exe",
        "-rw-r--r-- 0/0        1 L2  /srv/new\\x0aline",
        "drwxrwxrwt 0/0        0 L0  /tmp",
        "drwxr-xr-x 0/0        0 L0* /usr",
        "drwxr-xr-x 0/0        0 L0* /usr/lib",
        "drwxr-xr-x 0/0        0 L0* /usr/lib/app",
        "-rw-r--r-- 0/0        2 L1  /usr/lib/app/b.so",
        "",
      ].join("\n"),
    );
  });

  it("prints a JSON array with --json, names as they are", async () => {
    const r = await run("ls", "--json", `docker-archive:${archive}`);
    expect(r.code).toBe(0);
    // exact values; what JSON.stringify would leave raw (C1, bidi) written as \u escapes, one entry a line
    expect(r.stdout).not.toMatch(/[\u0080-\u009f\u202a-\u202e]/);
    expect(r.stdout).toContain('"path":"/srv/evil\\u001b[2J\\u202egnp.exe"');
    expect(r.stdout.split("\n")).toHaveLength(17 + 3);
    const entries = JSON.parse(r.stdout) as ListedEntry[];
    const at = (p: string) => entries.find((e) => e.path === p);
    expect(entries).toHaveLength(17);
    expect(at("/bin/alias")).toEqual({ path: "/bin/alias", type: "file", mode: 0o4755, uid: 0, gid: 50, size: 5, layer: 0 });
    expect(at("/bin/other")).toEqual({ path: "/bin/other", type: "hardlink", mode: 0o4755, uid: 0, gid: 50, size: 0, linkname: "/bin/alias", layer: 0 });
    expect(at("/home")).toEqual({ path: "/home", type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, layer: 1, implicit: true });
    expect(at("/lib")).toMatchObject({ type: "symlink", linkname: "usr/lib", layer: 1 });
    expect(at("/srv/evil\u001b[2J\u202egnp.exe")).toMatchObject({ type: "file", layer: 2 });
    expect(at("/srv/new\nline")).toBeDefined();
    expect(at("/bin/tool")).toBeUndefined();
    expect(at("/usr/lib/app/old/x")).toBeUndefined();
  });

  it("lists PATH and what is below it; a symlink to a directory, then where it leads", async () => {
    const sub = await run("ls", `oci:${layout}:v1`, "/home");
    expect(sub.stdout.trim().split("\n").map((l) => l.split(" ").pop())).toEqual(["/home", "/home/app", "/home/app/.profile"]);
    const viaLink = await run("ls", "--json", `oci:${layout}:v1`, "/lib");
    expect((JSON.parse(viaLink.stdout) as ListedEntry[]).map((e) => e.path)).toEqual(["/lib", "/usr/lib", "/usr/lib/app", "/usr/lib/app/b.so"]);
    const file = await run("ls", `oci:${layout}:v1`, "lib/app/b.so");
    expect(file.stdout).toBe("-rw-r--r-- 0/0 2 L1 /usr/lib/app/b.so\n");
  });

  it("chooses the image of an index with --platform", async () => {
    const arm = await run("ls", "--json", "--platform", "linux/arm64", `oci:${multi}:all`);
    expect(arm.code).toBe(0);
    expect((JSON.parse(arm.stdout) as ListedEntry[]).map((e) => e.path)).toEqual(["/arm64-only"]);
  });

  const bad: [string, string[], RegExp][] = [
    ["a path the image lacks", ["ls", `oci:${"LAYOUT"}:v1`, "/nope"], /^imgpolicy: '\/nope' is not in the image: no such file or directory$/],
    ["a path below a file", ["ls", `oci:${"LAYOUT"}:v1`, "/etc/passwd/x"], /is not in the image: \/etc\/passwd is not a directory/],
    ["a missing file", ["ls", "docker-archive:/no/such.tar"], /cannot open \/no\/such\.tar: no such file or directory/],
    ["a platform the index lacks", ["ls", "--platform", "linux/s390x", `oci:${"MULTI"}:all`], /linux\/amd64.*linux\/arm64|linux\/arm64.*linux\/amd64/],
    ["a bad platform", ["ls", "--platform", "linux", "oci:/x"], /invalid platform 'linux'/],
    ["a missing argument", ["ls"], /missing required argument 'ref'/],
    ["an unknown option", ["ls", "--frob", "x"], /unknown option '--frob'/],
  ];
  for (const [name, args, re] of bad) {
    it(`exits 2 with one line for ${name}`, async () => {
      const r = await run(...args.map((a) => a.replace("LAYOUT", layout).replace("MULTI", multi)));
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim()).toMatch(re);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    });
  }
});

describe.skipIf(!haveDockerEngine())("imgpolicy ls of an engine image", () => {
  it("reads docker:NAME like inspect does", async () => {
    const base = await ensureBusyboxBase(new EngineClient());
    const r = await run("ls", `docker:${base}`, "/bin/sh");
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("lrwxrwxrwx 0/0 0 L1 /bin/sh -> /bin/busybox\n");
  });
});
