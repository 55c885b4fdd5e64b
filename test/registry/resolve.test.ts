/**
 * Routing registry references through openImage (auto: the engine first, then the
 * registry; --source engine|registry; docker://), and the CLI flags that build
 * the options.
 */
import { Readable } from "node:stream";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveRegistry, pushImage, registryTarget, startRegistry, stopAllRegistries, type RegistryServer } from "../../fixtures/registry/index.js";
import { addSourceOptions, sourceOptionsFrom, type SourceFlags } from "../../src/cli/source-options.js";
import { openImage, parseReference, type OpenOptions } from "../../src/inspect/resolve.js";
import { engineClient } from "../../src/engine/client.js";
import { baseOptions, failure, removeTempDirs, sampleImage } from "./helpers.js";

const describeIf = haveRegistry() ? describe : describe.skip;
const built = sampleImage(401);
let reg: RegistryServer;

beforeAll(async () => {
  if (!haveRegistry()) return;
  reg = await startRegistry({ auth: "none" });
  await pushImage(registryTarget(reg), "team/app", "1", built);
});
afterAll(async () => {
  await stopAllRegistries();
  await removeTempDirs();
});

async function withDockerHost<T>(host: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = host;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  }
}

async function digestVia(ref: string, opts: OpenOptions): Promise<string> {
  const img = await openImage(ref, opts);
  try {
    return await img.digest();
  } finally {
    await img.close();
  }
}

const NO_ENGINE = "unix:///nonexistent/docker.sock";

describe("parseReference", () => {
  it.each([
    ["busybox", { kind: "name", name: "busybox" }],
    ["localhost:5000/a:1", { kind: "name", name: "localhost:5000/a:1" }],
    [`a@sha256:${"c".repeat(64)}`, { kind: "name", name: `a@sha256:${"c".repeat(64)}` }],
    ["docker://127.0.0.1:5000/team/app:1", { kind: "registry", name: "127.0.0.1:5000/team/app:1" }],
    ["docker:busybox:1", { kind: "engine", name: "busybox:1" }],
  ])("%s", async (ref, want) => expect(await parseReference(ref)).toEqual(want));

  it("says what is wrong with a name, in the words it used before", async () => {
    await expect(parseReference("UPPER CASE")).rejects.toThrow(/^'UPPER CASE' is not an image reference \(repository names must be lowercase\): use NAME/);
    await expect(parseReference("docker://Foo")).rejects.toThrow(/^'docker:\/\/Foo' is not an image reference \(repository names must be lowercase\)/);
  });
});

describeIf("routing", () => {
  it("reads docker://NAME and --source registry from the registry, without the engine", async () => {
    const opts = { registry: await baseOptions() };
    await withDockerHost(NO_ENGINE, async () => {
      expect(await digestVia(`docker://${reg.host}/team/app:1`, opts)).toBe(built.manifestDigest);
      expect(await digestVia(`${reg.host}/team/app:1`, { ...opts, source: "registry" })).toBe(built.manifestDigest);
    });
  });

  it("falls back to the registry in auto mode when the engine cannot be reached", async () => {
    const opts = { registry: await baseOptions() };
    await withDockerHost(NO_ENGINE, async () => {
      expect(await digestVia(`${reg.host}/team/app:1`, opts)).toBe(built.manifestDigest);
      const err = await failure(() => openImage(`${reg.host}/team/app:nope`, opts));
      expect(err?.message).toBe(
        `cannot reach the Docker engine at ${NO_ENGINE}: no such socket (is dockerd running?), and registry ${reg.host}: repository team/app: manifest unknown (tag nope)`,
      );
    });
  });

  it("does not fall back with --source engine", async () => {
    const opts: OpenOptions = { source: "engine", registry: await baseOptions() };
    await withDockerHost(NO_ENGINE, async () => {
      const err = await failure(() => openImage(`${reg.host}/team/app:1`, opts));
      expect(err?.message).toBe(`cannot reach the Docker engine at ${NO_ENGINE}: no such socket (is dockerd running?)`);
    });
  });

  it("falls back when the running engine does not have the image", async () => {
    const up = await engineClient().ping().then(() => true, () => false);
    if (!up) return; // covered by the unreachable case
    const opts = { registry: await baseOptions() };
    expect(await digestVia(`${reg.host}/team/app:1`, opts)).toBe(built.manifestDigest);
    const err = await failure(() => openImage(`${reg.host}/team/app:nope`, opts));
    expect(err?.message).toBe(`image '${reg.host}/team/app:nope' is not in the local engine, and registry ${reg.host}: repository team/app: manifest unknown (tag nope)`);
  });

  it("does not fall back on other engine errors (an image there for another platform)", async () => {
    const client = engineClient();
    const info = await client.imageInspect("imgpolicy-test/busybox:1").catch(() => undefined);
    if (!info) return; // the shared test base is not built here
    const other = info.Architecture === "arm64" ? "amd64" : "arm64";
    const err = await failure(() => openImage("imgpolicy-test/busybox:1", { platform: { os: "linux", architecture: other }, registry: { noCache: true } }));
    expect(err?.message).toMatch(/in the local engine is for linux\//);
  });
});

describe("source flags", () => {
  async function flags(argv: string[]): Promise<SourceFlags> {
    let got: SourceFlags = {};
    const cmd = addSourceOptions(new Command("x").exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} })).action((o: SourceFlags) => {
      got = o;
    });
    await cmd.parseAsync(argv, { from: "user" });
    return got;
  }
  const io = (stdin = "", tty = false) => ({ stderr: () => {}, stdin: Readable.from([Buffer.from(stdin)]), stderrIsTTY: tty });

  it("defaults: auto, cache on, no registry options", async () => {
    const f = await flags([]);
    expect(f).toMatchObject({ source: "auto", cache: true });
    expect(await sourceOptionsFrom(f, io())).toEqual({ source: "auto", registry: { onWarning: expect.any(Function) } });
  });

  it("turns every flag into an option", async () => {
    const f = await flags([
      "--source", "registry",
      "--insecure-registry", "a:5000", "--insecure-registry", "b",
      "--ca-cert", "/x.pem", "--ca-cert", "/y.pem",
      "--username", "alice", "--password-stdin",
      "--cache-dir", "/tmp/c", "--no-cache", "--quiet",
    ]);
    const o = await sourceOptionsFrom(f, io("s3cret\n"));
    expect(o).toEqual({
      source: "registry",
      registry: { insecureRegistries: ["a:5000", "b"], caFiles: ["/x.pem", "/y.pem"], username: "alice", password: "s3cret", cacheDir: "/tmp/c", noCache: true, onWarning: expect.any(Function) },
    });
  });

  it("draws progress only on a terminal, and not with --quiet", async () => {
    expect((await sourceOptionsFrom(await flags([]), io("", true))).registry?.onProgress).toBeTypeOf("function");
    expect((await sourceOptionsFrom(await flags(["--quiet"]), io("", true))).registry?.onProgress).toBeUndefined();
    expect((await sourceOptionsFrom(await flags([]), io("", false))).registry?.onProgress).toBeUndefined();
  });

  it("refuses half a login and an unknown source", async () => {
    await expect(sourceOptionsFrom(await flags(["--username", "a"]), io())).rejects.toThrow("--username needs --password-stdin (a password is never taken from the command line)");
    await expect(sourceOptionsFrom(await flags(["--password-stdin"]), io("x"))).rejects.toThrow("--password-stdin needs --username");
    await expect(sourceOptionsFrom(await flags(["--username", "a", "--password-stdin"]), io("\n"))).rejects.toThrow("--password-stdin: no password on stdin");
    await expect(flags(["--source", "cloud"])).rejects.toThrow(/argument 'cloud' is invalid/);
  });

  it("keeps inner spaces and drops only the final newline of the password", async () => {
    const o = await sourceOptionsFrom(await flags(["--username", "a", "--password-stdin"]), io(" pa ss \r\n"));
    expect(o.registry?.password).toBe(" pa ss ");
  });
});
