/**
 * How a `docker save` archive's entries are found, against the engine: crafted archives
 * that name the config twice (under "x/../", "/", ".//"), reach it by a hardlink whose
 * target is written again later, by symlinks (manifest.json, a config, a directory),
 * name paths that lead out, or hold tar types the engine refuses. Each is `docker load`ed
 * (a unique tag, removed after) and imgpolicy reads the same bytes: where the engine
 * loads, the config's User and the layer count are the engine's (`docker inspect`);
 * where the engine refuses, imgpolicy refuses too (an input error).
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SourceError } from "../../src/errors.js";
import { openDockerArchivePath } from "../../src/inspect/sources/docker-archive.js";
import { DOCKER, exec, missingTools } from "../../fixtures/conformance/exec.js";
import { tarBuffer, type TarEntry } from "../../fixtures/tar-writer.js";

const inCI = /^(1|true|yes)$/i.test(process.env.CI ?? "");
const missing = (await missingTools()).filter((t) => t.startsWith("docker"));

const PREFIX = `imgpolicy-conf-archpaths-${randomBytes(4).toString("hex")}/img`;
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

const layer = tarBuffer([{ name: "hello", content: "#!/bin/true\n", mode: 0o755 }]);
const layer2 = tarBuffer([{ name: "world", content: "second layer\n" }]);
const config = (user: string, layers: Buffer[] = [layer]) =>
  JSON.stringify({
    architecture: "amd64",
    os: "linux",
    config: { User: user, Entrypoint: ["/hello"] },
    rootfs: { type: "layers", diff_ids: layers.map((l) => `sha256:${sha(l)}`) },
    history: layers.map(() => ({ created_by: "crafted" })),
  });
const manifest = (tag: string, cfg: string, layers: string[] = ["l/layer.tar"]) =>
  JSON.stringify([{ Config: cfg, RepoTags: [tag], Layers: layers }]);
const file = (name: string, content: string | Buffer): TarEntry => ({ name, content });
const hardlink = (name: string, linkname: string): TarEntry => ({ name, type: "hardlink", linkname });
const symlink = (name: string, linkname: string): TarEntry => ({ name, type: "symlink", linkname });

/** Each case: the archive's entries, given its tag. */
const CASES: Record<string, (tag: string) => TarEntry[]> = {
  "dup-dotdot": (t) => [file("manifest.json", manifest(t, "cfg.json")), file("l/layer.tar", layer), file("cfg.json", config("1000:1000")), file("x/../cfg.json", config("0"))],
  "dup-absolute": (t) => [file("manifest.json", manifest(t, "cfg.json")), file("l/layer.tar", layer), file("cfg.json", config("1000:1000")), file("/cfg.json", config("0"))],
  "dup-dot-slashes": (t) => [file("manifest.json", manifest(t, "cfg.json")), file("l/layer.tar", layer), file("cfg.json", config("1000:1000")), file(".//cfg.json", config("0"))],
  "dup-escape-clamped": (t) => [file("manifest.json", manifest(t, "cfg.json")), file("l/layer.tar", layer), file("cfg.json", config("1000:1000")), file("../../cfg.json", config("0"))],
  "manifest-config-dotdot": (t) => [file("manifest.json", manifest(t, "x/../cfg.json")), file("l/layer.tar", layer), file("x/cfg.json", config("1000")), file("cfg.json", config("0"))],
  "manifest-config-escapes": (t) => [file("manifest.json", manifest(t, "../cfg.json")), file("l/layer.tar", layer), file("cfg.json", config("0"))],
  "manifest-layer-dotslash": (t) => [file("manifest.json", manifest(t, "./cfg.json", ["./l//layer.tar"])), file("l/layer.tar", layer), file("cfg.json", config("7"))],
  "manifest-twice": (t) => [file("manifest.json", manifest("other/never:1", "cfg.json")), file("l/layer.tar", layer), file("cfg.json", config("0")), file("./manifest.json", manifest(t, "cfg.json"))],
  "hardlink-keeps-old-inode": (t) => [file("manifest.json", manifest(t, "cfg.json")), file("l/layer.tar", layer), file("a.json", config("0")), hardlink("cfg.json", "a.json"), file("a.json", config("1000:1000"))],
  "hardlink-dotdot-target": (t) => [file("manifest.json", manifest(t, "cfg.json")), file("l/layer.tar", layer), file("a.json", config("0")), hardlink("cfg.json", "../a.json")],
  "hardlink-to-symlink": (t) => [file("manifest.json", manifest(t, "cfg.json")), file("l/layer.tar", layer), file("a.json", config("0")), symlink("s", "a.json"), hardlink("cfg.json", "s"), file("a.json", config("1000:1000"))],
  "hardlink-missing-target": (t) => [file("manifest.json", manifest(t, "cfg.json")), file("l/layer.tar", layer), file("cfg.json", config("1000")), hardlink("cfg.json", "nothing.json")],
  "hardlink-to-itself": (t) => [file("manifest.json", manifest(t, "cfg.json")), file("l/layer.tar", layer), file("cfg.json", config("1000")), hardlink("cfg.json", "cfg.json")],
  "symlink-manifest-absolute": (t) => [file("m/real.json", manifest(t, "cfg.json")), symlink("manifest.json", "/m/real.json"), file("l/layer.tar", layer), file("cfg.json", config("0"))],
  "symlink-config-climbs": (t) => [file("manifest.json", manifest(t, "d/cfg.json")), file("l/layer.tar", layer), file("real.json", config("0")), { name: "d/", type: "dir" }, symlink("d/cfg.json", "../../../real.json")],
  "symlink-dir-written-through": (t) => [file("manifest.json", manifest(t, "cfg.json")), file("l/layer.tar", layer), symlink("d", "."), file("cfg.json", config("1000")), file("d/cfg.json", config("0"))],
  "dir-made-through-symlink": (t) => [file("manifest.json", manifest(t, "d/x/cfg.json")), file("l/layer.tar", layer), { name: "d/", type: "dir" }, symlink("s", "d"), file("s/x/cfg.json", config("0"))],
  "dir-made-through-dangling-symlink": (t) => [file("manifest.json", manifest(t, "cfg.json")), file("l/layer.tar", layer), file("cfg.json", config("0")), symlink("s", "nowhere"), file("s/x/other.json", config("1000"))],
  "symlink-replaced-by-file": (t) => [file("manifest.json", manifest(t, "cfg.json")), file("l/layer.tar", layer), file("a.json", config("1000")), symlink("cfg.json", "a.json"), file("cfg.json", config("0"))],
  "symlink-loop": (t) => [file("manifest.json", manifest(t, "cfg.json")), file("l/layer.tar", layer), symlink("cfg.json", "b"), symlink("b", "cfg.json")],
  "entry-under-a-file": (t) => [file("manifest.json", manifest(t, "c/cfg.json")), file("l/layer.tar", layer), file("c/cfg.json", config("1000")), file("c", "x"), file("c/cfg.json", config("0"))],
  "file-removes-subtree": (t) => [file("manifest.json", manifest(t, "c/cfg.json")), file("l/layer.tar", layer), file("c/cfg.json", config("1000")), file("c", "x"), { name: "c/", type: "dir" }],
  "link-outlives-subtree": (t) => [file("manifest.json", manifest(t, "keep.json")), file("l/layer.tar", layer), file("c/cfg.json", config("0")), hardlink("keep.json", "c/cfg.json"), file("c", "x"), file("c2/cfg.json", config("1000"))],
  "layer-symlink-dedup": (t) => [
    file("manifest.json", manifest(t, "cfg.json", ["a/layer.tar", "b/layer.tar"])),
    file("a/layer.tar", layer),
    symlink("b/layer.tar", "../a/layer.tar"),
    file("cfg.json", config("3", [layer, layer])),
  ],
  "layer-twice-last-wins": (t) => [
    file("manifest.json", manifest(t, "cfg.json", ["a/layer.tar", "b/layer.tar"])),
    file("a/layer.tar", layer2),
    file("b/layer.tar", layer2),
    file("/a/layer.tar", layer),
    file("cfg.json", config("4", [layer, layer2])),
  ],
  "unhandled-type-7": (t) => [file("manifest.json", manifest(t, "cfg.json")), file("l/layer.tar", layer), { name: "cfg.json", content: config("0"), typeflag: "7" }],
};

let dir: string;
const loaded: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-archpaths-"));
});
afterAll(async () => {
  for (const tag of loaded) await exec(DOCKER, ["rmi", tag], { timeoutMs: 120_000 }).catch(() => {});
  if (dir) await rm(dir, { recursive: true, force: true });
});

type Outcome = { user: string; layers: number } | { refused: string };

async function engineReads(path: string, tag: string): Promise<Outcome> {
  try {
    await exec(DOCKER, ["load", "-q", "-i", path], { timeoutMs: 120_000 });
  } catch (err) {
    return { refused: String(err) };
  }
  loaded.push(tag);
  const out = await exec(DOCKER, ["image", "inspect", "-f", "{{json .Config.User}} {{len .RootFS.Layers}}", tag]);
  const [user, n] = out.trim().split(" ");
  return { user: JSON.parse(user!) as string, layers: Number(n) };
}

async function imgpolicyReads(path: string, tag: string): Promise<Outcome> {
  let image;
  try {
    image = await openDockerArchivePath(path, { tag });
  } catch (err) {
    if (err instanceof SourceError) return { refused: err.message };
    throw err;
  }
  try {
    const [cfg, layers] = await Promise.all([image.config(), image.layers()]);
    return { user: cfg.config?.User ?? "", layers: layers.length };
  } catch (err) {
    if (err instanceof SourceError) return { refused: err.message };
    throw err;
  } finally {
    await image.close();
  }
}

describe.skipIf(missing.length > 0 && !inCI)("docker-archive entries are found where docker load finds them", () => {
  it.each(Object.keys(CASES))("%s", async (name) => {
    const tag = `${PREFIX}:${name}`;
    const path = join(dir, `${name}.tar`);
    await writeFile(path, tarBuffer(CASES[name]!(tag)));
    const engine = await engineReads(path, tag);
    const ours = await imgpolicyReads(path, tag);
    if ("refused" in engine) expect(ours, `engine refused: ${engine.refused}`).toHaveProperty("refused");
    else expect(ours).toEqual(engine);
  });
});
