import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage } from "../../fixtures/image-writer.js";
import { writeOciLayout } from "../../fixtures/oci-layout-writer.js";
import { writeDockerArchive } from "../../fixtures/docker-archive-writer.js";
import { runCli } from "./run-cli.js";
import { FACTS_SCHEMA } from "../../src/inspect/facts/types.js";

const run = runCli;

let dir: string;
let layout: string;
let archive: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-cli-"));
  const img = buildImage({
    layers: [
      { files: [{ path: "/etc/passwd", content: "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/sbin/nologin\n" }, { path: "/app", content: "#!/bin/false\n", mode: 0o755 }] },
      { files: [{ path: "/etc/app.conf", content: "a=1\n" }, { path: "/tmp", type: "dir", mode: 0o1777 }] },
    ],
    config: { User: "app", Entrypoint: ["/app"], Env: ["PATH=/bin", "DB_PASSWORD=hunter2-very-secret"], ExposedPorts: { "8080/tcp": {} } },
  });
  layout = join(dir, "layout");
  await writeOciLayout(layout, [{ image: img, refName: "v1" }]);
  archive = join(dir, "app.tar");
  await writeDockerArchive(archive, [{ image: buildImage(img.spec, { compression: "none" }), tags: ["app:1"] }], { format: "classic" });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("imgpolicy inspect", () => {
  it("prints facts as text", async () => {
    const r = await run("inspect", `oci:${layout}:v1`);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(`oci:${layout}:v1`);
    expect(r.stdout).toMatch(/user\s+app → uid 1000 gid 1000/);
    expect(r.stdout).toMatch(/entrypoint\s+\["\/app"\] \(exec form\)/);
    expect(r.stdout).toMatch(/DB_PASSWORD=<password hu… 19 chars> \(looks secret/);
    expect(r.stdout).not.toContain("hunter2");
    expect(r.stdout).toMatch(/ports\s+8080\/tcp/);
  });

  it("prints a versioned JSON document with --json", async () => {
    const r = await run("inspect", "--json", `docker-archive:${archive}`);
    expect(r.code).toBe(0);
    const facts = JSON.parse(r.stdout);
    expect(facts.schema).toBe(FACTS_SCHEMA);
    expect(facts.image.layers).toHaveLength(2);
    expect(facts.users.user).toMatchObject({ uid: 1000, resolved: true, root: false });
    expect(facts.entrypoint).toMatchObject({ found: true, resolved: { path: "/app", layer: 0 } });
    expect(facts.filesystem.worldWritable).toEqual([]);
    expect(r.stdout).not.toContain("hunter2");
  });

  const bad: [string, string[], RegExp][] = [
    ["a missing file", ["inspect", "docker-archive:/no/such.tar"], /cannot open \/no\/such\.tar: no such file or directory/],
    ["a malformed reference", ["inspect", "UPPER CASE"], /is not an image reference/],
    ["a bad platform", ["inspect", "--platform", "linux", "oci:/x"], /invalid platform 'linux'/],
    ["an unknown option", ["inspect", "--frob", "x"], /unknown option '--frob'/],
    ["a missing argument", ["inspect"], /missing required argument 'ref'/],
  ];
  for (const [name, args, re] of bad) {
    it(`exits 2 with one line for ${name}`, async () => {
      const r = await run(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    });
  }

  it("exits 2 for a file that is not an image, through the real binary, without a stack trace", async () => {
    const junk = join(dir, "junk.tar");
    await writeFile(junk, "this is not a tarball\n".repeat(64));
    const r = spawnSync(process.execPath, ["bin/imgpolicy.js", "inspect", junk], { encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`imgpolicy: ${junk}: not a tar archive`);
    expect(r.stdout).toBe("");
  });

  it("reads a gzip-compressed docker save, and says so in one line when it is truncated", async () => {
    const { gzipSync } = await import("node:zlib");
    const { readFile } = await import("node:fs/promises");
    const gz = gzipSync(await readFile(archive));
    const good = join(dir, "app.tar.gz");
    await writeFile(good, gz);
    const r = await run("inspect", "--json", good);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).image.layers).toHaveLength(2);
    const cut = join(dir, "cut.tar.gz");
    await writeFile(cut, gz.subarray(0, Math.floor(gz.length / 2)));
    const bad = await run("inspect", cut);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(`imgpolicy: ${cut}: cannot decompress the gzip archive: unexpected end of file`);
  });

  it("reports a symlink loop on the entrypoint as a fact, without hanging", async () => {
    const img = buildImage({
      layers: [{ files: [{ path: "/app", type: "symlink", linkname: "/bin/app" }, { path: "/bin/app", type: "symlink", linkname: "../app" }] }],
      config: { Entrypoint: ["/app"] },
    });
    const p = join(dir, "loop");
    await writeOciLayout(p, [{ image: img }]);
    const r = await run("inspect", "--json", `oci:${p}`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).entrypoint).toMatchObject({ found: false, problem: "/app: too many levels of symbolic links" });
  });

  it("exits 2 with one line when the engine is not running", () => {
    const r = spawnSync(process.execPath, ["bin/imgpolicy.js", "inspect", "some/image:1"], {
      encoding: "utf8",
      timeout: 30_000,
      env: { ...process.env, DOCKER_HOST: "unix:///nonexistent/docker.sock" },
    });
    expect(r.status).toBe(2);
    // a plain name falls back to its registry (docker.io here, unreachable): both causes in one line
    expect(r.stderr.trim()).toMatch(/^imgpolicy: cannot reach the Docker engine at unix:\/\/\/nonexistent\/docker\.sock: no such socket \(is dockerd running\?\)/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("--help lists the inspect command and exits 0", async () => {
    const r = await run("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("inspect [options] <ref>");
  });
});
