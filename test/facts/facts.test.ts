/**
 * Facts from images made of real binaries, laid out the way the usual image
 * recipes lay them out: scratch + static Go, an Alpine-like busybox image, a
 * naive single-stage C build, and an entrypoint reached through symlinked dirs.
 * Every image is written as an OCI layout and read back through `openImage`.
 */
import { generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildC, buildGo, hasGcc, hasGo } from "../../fixtures/binaries.js";
import { buildImage, writeOciLayout, type FileSpec, type ImageSpec } from "../../fixtures/image-writer.js";
import { inspect } from "../../src/inspect/facts/collect.js";
import type { Facts } from "../../src/inspect/facts/types.js";

const HOST_CERTS = "/etc/ssl/certs/ca-certificates.crt";
const HOST_BUSYBOX = "/bin/busybox";
const HOST_PARIS = "/usr/share/zoneinfo/Europe/Paris";
const HOST_UTC = "/usr/share/zoneinfo/UTC";
const onHost = process.platform === "linux" && process.arch === "x64";
const haveHostFiles = [HOST_CERTS, HOST_BUSYBOX, HOST_PARIS, HOST_UTC].every((p) => existsSync(p));
const PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
// assembled at run time so that the source holds no token-shaped string
const API_TOKEN = ["ghp", "_", "Zq8", "x".repeat(3), "7Kd0Lm2Np4Rt6Vw8Yb1Cf3Hj5Sn9Ue"].join("");

let dir: string;
let goApp: Buffer;
let cApp: Buffer;
const refs: Record<string, string> = {};
const facts: Record<string, Facts> = {};

const dirs = (...paths: string[]): FileSpec[] => paths.map((path) => ({ path, type: "dir" }));

/** The layers of an Alpine-like image that runs a Go binary as user app. */
function alpineLayers(): ImageSpec["layers"] {
  const key = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  }).privateKey;
  return [
    {
      createdBy: "ADD alpine-minirootfs.tar.gz / # buildkit",
      files: [
        ...dirs("bin/", "sbin/", "etc/", "usr/", "usr/local/", "usr/local/bin/", "var/", "var/www/", "usr/share/zoneinfo/Europe/"),
        { path: "bin/busybox", content: readFileSync(HOST_BUSYBOX), mode: 0o755 },
        { path: "bin/sh", type: "symlink", linkname: "busybox" },
        { path: "bin/ls", type: "symlink", linkname: "busybox" },
        { path: "bin/su", content: "#!/bin/busybox su\n", mode: 0o4755 },
        { path: "sbin/apk", content: "apk-tools 2.14 (not really)\n", mode: 0o755 },
        { path: "etc/passwd", content: "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n" },
        { path: "etc/group", content: "root:x:0:root\nnobody:x:65534:\n" },
        { path: "etc/os-release", content: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\n' },
        { path: "tmp/", type: "dir", mode: 0o1777 },
        { path: "var/www/uploads/", type: "dir", mode: 0o777 },
        { path: "usr/share/zoneinfo/Europe/Paris", content: readFileSync(HOST_PARIS) },
        { path: "usr/share/zoneinfo/UTC", content: readFileSync(HOST_UTC) },
        { path: "usr/share/zoneinfo/zone1970.tab", content: "# not a zone\n" },
      ],
    },
    {
      createdBy: "RUN addgroup -g 1000 app && adduser -D -u 1000 -G app app # buildkit",
      files: [
        { path: "etc/passwd", content: "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\napp:x:1000:1000::/home/app:/bin/sh\n" },
        { path: "etc/group", content: "root:x:0:root\nnobody:x:65534:\napp:x:1000:\n" },
        { path: "home/app/", type: "dir", uid: 1000, gid: 1000 },
      ],
    },
    {
      createdBy: "COPY . /app # buildkit",
      files: [
        { path: "app/.env", content: "DB_PASSWORD=hunter2\n" },
        { path: "app/.git/HEAD", content: "ref: refs/heads/main\n" },
        { path: "app/.git/config", content: "[core]\n" },
        { path: "app/.git/objects/ab/cdef0123", content: "blob" },
        { path: "app/.git/refs/heads/main", content: "0123abcd\n" },
        { path: "app/README.md", content: "# app\n" },
        // sorts between /app/.git and /app/.git/HEAD ('.' < '/')
        { path: "app/.git.swp", content: "b0VIM 9.0" },
        { path: "root/.ssh/id_rsa", content: key, mode: 0o600 },
        { path: "srv/config.json", content: JSON.stringify({ version: 1, padding: "p".repeat(1000) }) },
      ],
    },
    {
      createdBy: "COPY --from=build /out/app /usr/local/bin/app # buildkit",
      files: [
        { path: "usr/local/bin/app", content: goApp, mode: 0o755 },
        { path: "srv/app", type: "hardlink", linkname: "usr/local/bin/app" },
      ],
    },
    {
      createdBy: "COPY config.json /srv/config.json # buildkit",
      files: [{ path: "srv/config.json", content: '{"version":2}' }],
    },
  ];
}

beforeAll(async () => {
  if (!hasGo() || !hasGcc() || !onHost || !haveHostFiles) return;
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-facts-"));
  goApp = await readFile(await buildGo(dir, { name: "goapp", ldflags: "-s -w" }));
  cApp = await readFile(await buildC(dir, { name: "capp" }));
  const certs = readFileSync(HOST_CERTS);

  const scratch = buildImage({
    layers: [
      {
        createdBy: "COPY /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ # buildkit",
        files: [{ path: "etc/ssl/certs/ca-certificates.crt", content: certs }],
      },
      {
        createdBy: "COPY passwd /etc/passwd # buildkit",
        files: [{ path: "etc/passwd", content: "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n" }],
      },
      { createdBy: "COPY --from=build /out/app /app # buildkit", files: [{ path: "app", content: goApp, mode: 0o755 }] },
    ],
    config: { User: "65534:65534", Entrypoint: ["/app"], Env: [PATH] },
    emptyLayerHistory: ["USER 65534:65534", 'ENTRYPOINT ["/app"]'],
  });

  const alpine = alpineLayers();
  const alpineEnv = [PATH, "TZ=Europe/Paris"];
  const alpineWorkdir = buildImage({ layers: alpine, config: { User: "app", Entrypoint: ["./app"], WorkingDir: "/srv", Env: alpineEnv } });
  const alpinePath = buildImage({ layers: alpine, config: { User: "app", Cmd: ["app"], Env: alpineEnv } });
  // what Docker stores for `CMD app --serve`
  const alpineShell = buildImage({ layers: alpine, config: { User: "app", Cmd: ["/bin/sh", "-c", "app --serve"], Env: alpineEnv } });

  const naiveBase: ImageSpec["layers"] = [
    {
      createdBy: "ADD debian-rootfs.tar.xz / # buildkit",
      files: [
        { path: "bin/bash", content: "#!bash\n", mode: 0o755 },
        { path: "bin/sh", type: "symlink", linkname: "bash" },
        { path: "usr/bin/apt-get", content: "apt\n", mode: 0o755 },
        { path: "usr/bin/gcc", content: "gcc\n", mode: 0o755 },
      ],
    },
  ];
  const naiveApp: ImageSpec["layers"][number] = {
    createdBy: "COPY . /usr/src/app # buildkit",
    files: [
      { path: "usr/src/app/main.c", content: "int main(void) { return 0; }\n" },
      { path: "usr/src/app/Dockerfile", content: "FROM debian\nCOPY . /usr/src/app\n" },
      { path: "usr/src/app/hello", content: cApp, mode: 0o755 },
    ],
  };
  const naiveEnv = [PATH, `API_TOKEN=${API_TOKEN}`];
  const naiveRoot = buildImage({
    layers: [
      ...naiveBase,
      { createdBy: "RUN echo root > /etc/passwd # buildkit", files: [{ path: "etc/passwd", content: "root:x:0:0:root:/root:/bin/bash\n" }] },
      naiveApp,
    ],
    config: { Entrypoint: ["/usr/src/app/hello"], Env: naiveEnv },
    emptyLayerHistory: [`ENV API_TOKEN=${API_TOKEN}`, 'ENTRYPOINT ["/usr/src/app/hello"]'],
  });
  const naiveNoPasswd = buildImage({
    layers: [...naiveBase, naiveApp],
    config: { User: "app", Entrypoint: ["/usr/src/app/hello"], Env: naiveEnv },
    emptyLayerHistory: [`/bin/sh -c #(nop)  ENV API_TOKEN=${API_TOKEN}`, "/bin/sh -c #(nop)  USER app"],
  });

  const linked = buildImage({
    layers: [
      {
        files: [
          ...dirs("usr/", "usr/local/", "usr/local/bin/", "usr/local/libexec/"),
          { path: "usr/bin", type: "symlink", linkname: "/usr/local/bin" },
          { path: "usr/sbin", type: "symlink", linkname: "local/bin" },
          { path: "usr/local/libexec/app-1.2.3", content: goApp, mode: 0o755 },
        ],
      },
      { files: [{ path: "usr/local/bin/app", type: "symlink", linkname: "../libexec/app-1.2.3" }] },
    ],
    config: { User: "65532", Entrypoint: ["/usr/bin/app"], Env: [PATH] },
  });
  const linkedViaPath = buildImage({ ...linked.spec, config: { User: "65532", Entrypoint: ["app"], Env: ["PATH=/usr/sbin:/bin"] } });

  const images = { scratch, alpineWorkdir, alpinePath, alpineShell, naiveRoot, naiveNoPasswd, linked, linkedViaPath };
  const layout = join(dir, "layout");
  await writeOciLayout(
    layout,
    Object.entries(images).map(([refName, image]) => ({ image, refName })),
  );
  for (const name of Object.keys(images)) {
    refs[name] = `oci:${layout}:${name}`;
    facts[name] = await inspect(refs[name]!);
  }
}, 240_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!hasGo() || !hasGcc() || !onHost || !haveHostFiles)("facts of real-world-shaped images", () => {
  describe("scratch + static Go binary", () => {
    it("finds the entrypoint and reads the Go binary: static, stripped, CGO_ENABLED=0", () => {
      const f = facts.scratch!;
      expect(f.config.entrypointForm).toBe("exec");
      expect(f.entrypoint).toMatchObject({ argv: ["/app"], program: "/app", viaShell: false, found: true, executable: true, resolved: { path: "/app", layer: 2 } });
      expect(f.entrypoint.problem).toBeUndefined();
      const elf = f.entrypoint.elf!;
      expect(elf.error).toBeUndefined();
      expect(elf).toMatchObject({ linkage: "static", stripped: true, debugInfo: false, machineName: "x86_64", goarch: "amd64", needed: [] });
      expect(elf.interpreter).toBeUndefined();
      expect(f.entrypoint.interpreterPresent).toBeUndefined();
      expect(elf.go).toBeDefined();
      expect(elf.go!.settings.CGO_ENABLED).toBe("0");
      expect(elf.go!.cgoEnabled).toBe(false);
      expect(elf.go!.ldflags).toBe("-s -w");
      expect(elf.go!.goVersion).toMatch(/^go\d+\.\d+/);
      expect(f.binaries.map((b) => b.path)).toEqual(["/app"]);
      expect(f.binaries[0]).toMatchObject({ layer: 2, size: goApp.length, mode: 0o755 });
    });

    it("counts the CA certificates copied from the host", () => {
      const c = facts.scratch!.certificates;
      expect(c.present).toBe(true);
      expect(c.bundle).toEqual({ path: "/etc/ssl/certs/ca-certificates.crt", layer: 0 });
      expect(c.certificates).toBeGreaterThan(100);
      expect(c.unparsable).toBe(0);
      expect(c.earliestExpiry).toMatch(/^\d{4}-\d\d-\d\dT/);
    });

    it("resolves the numeric USER without a passwd entry, and reads passwd", () => {
      const u = facts.scratch!.users;
      expect(u.user).toMatchObject({ spec: "65534:65534", uid: 65534, gid: 65534, numeric: true, resolved: true, root: false });
      expect(u.user.problem).toBeUndefined();
      expect(u.passwd?.entries.map((e) => [e.name, e.uid])).toEqual([
        ["root", 0],
        ["nonroot", 65532],
      ]);
      expect(u.passwd?.layer).toBe(1);
    });

    it("has no shells, package managers or interpreters, no time zones and no waste", () => {
      const fs = facts.scratch!.filesystem;
      expect(fs.shells).toEqual([]);
      expect(fs.packageManagers).toEqual([]);
      expect(fs.interpreters).toEqual([]);
      expect(fs.setuid).toEqual([]);
      expect(fs.worldWritable).toEqual([]);
      expect(fs.secretFiles).toEqual([]);
      expect(fs.waste).toEqual({ bytes: 0, files: 0, top: [] });
      expect(fs.files).toBe(3);
      expect(facts.scratch!.zoneinfo).toMatchObject({ present: false, zones: 0, tz: { kind: "none", exists: true } });
      expect(facts.scratch!.image.layers.map((l) => l.createdBy)).toEqual([
        "COPY /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ # buildkit",
        "COPY passwd /etc/passwd # buildkit",
        "COPY --from=build /out/app /app # buildkit",
      ]);
    });
  });

  describe("Alpine-like busybox image", () => {
    it("resolves ENTRYPOINT ./app against WorkingDir, through a hardlink to the Go binary", () => {
      const e = facts.alpineWorkdir!.entrypoint;
      expect(e).toMatchObject({ argv: ["./app"], program: "./app", found: true, executable: true, viaShell: false, resolved: { path: "/srv/app", layer: 3 } });
      expect(e.elf?.go?.settings.CGO_ENABLED).toBe("0");
    });

    it("resolves CMD app through PATH to /usr/local/bin/app", () => {
      const f = facts.alpinePath!;
      expect(f.config.cmdForm).toBe("exec");
      expect(f.config.entrypointForm).toBe("none");
      expect(f.entrypoint).toMatchObject({ argv: ["app"], program: "app", found: true, viaShell: false, resolved: { path: "/usr/local/bin/app", layer: 3 } });
      expect(f.entrypoint.elf?.linkage).toBe("static");
    });

    it("sees a shell-form CMD as run by the shell, and judges the command the shell runs", () => {
      const f = facts.alpineShell!;
      expect(f.config.cmdForm).toBe("shell");
      expect(f.config.cmd).toEqual(["/bin/sh", "-c", "app --serve"]);
      expect(f.entrypoint).toMatchObject({ argv: ["/bin/sh", "-c", "app --serve"], viaShell: true });
      // the script's first word, looked up in PATH
      expect(f.entrypoint).toMatchObject({ program: "app", found: true, resolved: { path: "/usr/local/bin/app", layer: 3 } });
      expect(f.entrypoint.elf?.go).toBeDefined();
    });

    it("resolves USER app from passwd and group", () => {
      const u = facts.alpineWorkdir!.users;
      expect(u.user).toMatchObject({ spec: "app", user: "app", uid: 1000, gid: 1000, group: "app", numeric: false, resolved: true, root: false });
      expect(u.passwd?.layer).toBe(1);
      expect(u.group?.entries.find((g) => g.name === "app")?.gid).toBe(1000);
      expect(u.duplicateUids).toEqual([]);
    });

    it("lists busybox and its sh link as shells and apk as a package manager", () => {
      const fs = facts.alpineWorkdir!.filesystem;
      expect(fs.shells).toEqual([
        { path: "/bin/busybox", layer: 0, name: "busybox" },
        { path: "/bin/sh", layer: 0, name: "sh" },
      ]);
      expect(fs.packageManagers).toEqual([{ path: "/sbin/apk", layer: 0, name: "apk" }]);
      expect(fs.osRelease).toMatchObject({ id: "alpine", versionId: "3.20.3", path: "/etc/os-release" });
    });

    it("lists the setuid file and the world-writable directory without sticky bit, not /tmp", () => {
      const fs = facts.alpineWorkdir!.filesystem;
      expect(fs.setuid.map((s) => [s.path, s.mode])).toEqual([["/bin/su", 0o4755]]);
      expect(fs.worldWritable.map((w) => [w.path, w.type, w.mode])).toEqual([["/var/www/uploads", "dir", 0o777]]);
    });

    it("finds the private key by its content and the .env file by its name", () => {
      const secrets = facts.alpineWorkdir!.filesystem.secretFiles;
      expect(secrets).toEqual([
        { path: "/app/.env", layer: 2, kind: "dotenv" },
        // "rsa-private-key" only comes from the content sniff; the name alone says "ssh-private-key"
        { path: "/root/.ssh/id_rsa", layer: 2, kind: "rsa-private-key" },
      ]);
    });

    it("lists the .git directory once, not every file in it, even with a stray file sorted amid its entries", () => {
      expect(facts.alpineWorkdir!.filesystem.strayFiles).toEqual([
        { path: "/app/.git", layer: 2, kind: "git-directory" },
        { path: "/app/.git.swp", layer: 2, kind: "editor-temp" },
      ]);
    });

    it("counts overwritten files as waste of the layer that added them, biggest first", () => {
      const waste = facts.alpineWorkdir!.filesystem.waste;
      const v1 = JSON.stringify({ version: 1, padding: "p".repeat(1000) }).length;
      const passwd = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n".length;
      const group = "root:x:0:root\nnobody:x:65534:\n".length;
      expect(waste).toEqual({
        bytes: v1 + passwd + group,
        files: 3,
        top: [
          { path: "/srv/config.json", size: v1, layer: 2, removedBy: 4 },
          // adduser rewrote the account files
          { path: "/etc/passwd", size: passwd, layer: 0, removedBy: 1 },
          { path: "/etc/group", size: group, layer: 0, removedBy: 1 },
        ],
      });
    });

    it("finds TZ=Europe/Paris in the zoneinfo copied from the host", () => {
      const z = facts.alpineWorkdir!.zoneinfo;
      expect(z).toMatchObject({ present: true, root: "/usr/share/zoneinfo", zones: 2, tz: { tz: "Europe/Paris", kind: "zone", exists: true } });
      expect(z.tz.problem).toBeUndefined();
    });

    it("knows the ELF files: busybox (static) and the Go binary, once each", () => {
      const bins = facts.alpineWorkdir!.binaries;
      expect(bins.map((b) => b.path)).toEqual(["/bin/busybox", "/usr/local/bin/app"]);
      expect(bins[0]!.elf.linkage).toBe("static");
      expect(bins[1]!.elf.go).toBeDefined();
      expect(facts.alpineWorkdir!.certificates).toEqual({ present: false });
    });
  });

  describe("naive single-stage C build", () => {
    it("reads the dynamic C binary: dynamic linkage, interpreter, libc needed", () => {
      const e = facts.naiveRoot!.entrypoint;
      expect(e).toMatchObject({ found: true, executable: true, resolved: { path: "/usr/src/app/hello", layer: 2 } });
      expect(e.elf).toMatchObject({ linkage: "dynamic", interpreter: "/lib64/ld-linux-x86-64.so.2", machineName: "x86_64" });
      expect(e.elf!.needed).toContain("libc.so.6");
      expect(e.elf!.go).toBeUndefined();
      // the image has no glibc loader, so the binary could not start
      expect(e.interpreterPresent).toBe(false);
    });

    it("runs as root when there is no USER", () => {
      const u = facts.naiveRoot!.users;
      expect(facts.naiveRoot!.config.user).toBeUndefined();
      expect(u.user).toMatchObject({ spec: "", uid: 0, gid: 0, user: "root", root: true, resolved: true });
    });

    it("flags API_TOKEN as a secret and never prints its value, not even from the history", () => {
      const f = facts.naiveRoot!;
      const env = f.config.env.find((e) => e.name === "API_TOKEN")!;
      expect(env.value).toBeUndefined();
      expect(env.secret?.redacted).toBe(`<github-token gh… ${API_TOKEN.length} chars>`);
      expect(env.secret?.sha256).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(env.secret?.reason).toMatch(/GitHub token/);
      expect(f.config.env.find((e) => e.name === "PATH")?.value).toBe(PATH.slice(5));
      // the build step is still shown, with the value redacted
      expect(f.image.history.map((h) => h.createdBy)).toContain("ENV API_TOKEN=gh…");
      for (const name of ["naiveRoot", "naiveNoPasswd"]) {
        const json = JSON.stringify(facts[name]);
        expect(json.includes(API_TOKEN), name).toBe(false);
        expect(json.includes(API_TOKEN.slice(4)), name).toBe(false);
      }
    });

    it("finds the shell, the package manager, and the Dockerfile left in the image", () => {
      const fs = facts.naiveRoot!.filesystem;
      expect(fs.shells.map((s) => s.name)).toEqual(["bash", "sh"]);
      expect(fs.packageManagers.map((p) => p.path)).toEqual(["/usr/bin/apt-get"]);
      expect(fs.strayFiles).toEqual([{ path: "/usr/src/app/Dockerfile", layer: 2, kind: "dockerfile" }]);
    });

    it("leaves USER app unresolved when the image has no /etc/passwd, and says why", () => {
      const u = facts.naiveNoPasswd!.users;
      expect(u.passwd).toBeUndefined();
      expect(u.user).toMatchObject({ spec: "app", resolved: false, root: false, numeric: false });
      expect(u.user.uid).toBeUndefined();
      expect(u.user.problem).toBe("the image has no /etc/passwd to resolve user 'app'");
      // the entrypoint is still found
      expect(facts.naiveNoPasswd!.entrypoint.found).toBe(true);
    });
  });

  describe("entrypoint behind symlinked directories", () => {
    it("resolves /usr/bin/app through /usr/bin -> /usr/local/bin and a relative file link", () => {
      const e = facts.linked!.entrypoint;
      expect(e).toMatchObject({ program: "/usr/bin/app", found: true, executable: true, resolved: { path: "/usr/local/libexec/app-1.2.3", layer: 0 } });
      expect(e.elf?.go?.settings.CGO_ENABLED).toBe("0");
    });

    it("resolves a bare name through a PATH entry that is a relative directory link", () => {
      const e = facts.linkedViaPath!.entrypoint;
      expect(e).toMatchObject({ program: "app", found: true, resolved: { path: "/usr/local/libexec/app-1.2.3" } });
      expect(facts.linkedViaPath!.filesystem.symlinks).toBe(3);
    });
  });
});
