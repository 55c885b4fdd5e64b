/**
 * Layers that name paths under what a lower layer made a symlink or a file, against the
 * engine: each crafted image is `docker load`ed (a unique tag, removed after), created and
 * exported (`docker export`, read by Go's archive/tar), and imgpolicy's flattened tree of
 * the same archive must be that export. The engine's overlay storage unpacks each layer
 * into a directory of its own, so a lower symlink is never followed: an entry, a whiteout
 * or an opaque marker under it makes it a directory, and what it pointed at stays. Read
 * the other way (through the link), a whiteout would hide a setuid file the container
 * still has: the check of such an image must fail, not pass.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ListedEntry } from "../../src/cli/list-tree.js";
import { differences, listingEntries, viewOf, without } from "../../fixtures/conformance/compare.js";
import { DOCKER, exec, missingTools } from "../../fixtures/conformance/exec.js";
import { buildGoTools, type GoTools } from "../../fixtures/conformance/go-tools.js";
import { ENGINE_INIT_PATHS, engineView } from "../../fixtures/conformance/oracles.js";
import { tarBuffer, type TarEntry } from "../../fixtures/tar-writer.js";
import { runCli } from "../cli/run-cli.js";

const inCI = /^(1|true|yes)$/i.test(process.env.CI ?? "");
const missing = (await missingTools()).filter((t) => t.startsWith("docker") || t === "go");
const WAIT = 5 * 60_000;

const PREFIX = `imgpolicy-conf-layerlinks-${randomBytes(4).toString("hex")}/img`;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

const dir = (name: string): TarEntry => ({ name, type: "dir", mode: 0o755 });
const file = (name: string, content: string, mode = 0o644): TarEntry => ({ name, content, mode });
const symlink = (name: string, linkname: string): TarEntry => ({ name, type: "symlink", linkname });
const whiteout = (name: string): TarEntry => ({ name, content: "" });

/** A merged-/usr base: /lib and /tool link to directories holding a setuid file and a secret-looking file. */
const BASE: TarEntry[] = [
  dir("usr/"),
  dir("usr/bin/"),
  file("usr/bin/su", "su", 0o4755),
  file("usr/bin/env", "env", 0o755),
  dir("usr/lib/"),
  dir("usr/lib/app/"),
  file("usr/lib/app/helper", "helper", 0o4755),
  dir("usr/share/"),
  dir("usr/share/doc/"),
  file("usr/share/doc/readme", "readme"),
  symlink("lib", "usr/lib"),
  symlink("tool", "usr/bin"),
  symlink("app", "/usr/share/doc"),
  dir("etc/"),
  file("etc/motd", "welcome"),
];

/** The upper layers of each case, over BASE. */
const CASES: Record<string, TarEntry[][]> = {
  "a whiteout under a link to a directory": [[whiteout("tool/.wh.su")]],
  "an entry under a link to a directory": [[file("app/config.js", "module.exports = {}\n")]],
  "an opaque marker under a link to a directory": [[whiteout("lib/.wh..wh..opq")]],
  "the link replaced by a directory and its opaque marker (rm /lib && mkdir /lib)": [[dir("lib/"), whiteout("lib/.wh..wh..opq")]],
  "a whiteout under a file": [[whiteout("etc/motd/.wh.inside")]],
  "a link replaced by a directory, then a whiteout in it": [[dir("tool/"), file("tool/own", "own")], [whiteout("tool/.wh.own"), whiteout("tool/.wh.su")]],
  // (the review's second round: each hid files the container has)
  "an opaque marker at the layer's root (overlayfs takes none there)": [[whiteout(".wh..wh..opq"), dir("etc/"), file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")]],
  "a whiteout, then the same directory again in the layer (not opaque: the lower one shows through)": [[whiteout(".wh.usr"), dir("usr/"), dir("usr/bin/"), file("usr/bin/env", "env", 0o755), whiteout(".wh.etc"), dir("etc/")]],
  "a symlink the same layer made, written through": [[dir("etc/"), symlink("x", "/etc"), file("x/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:0:0::/home/app:/bin/sh\n")]],
  "a relative symlink the same layer made, a setuid file written through it": [[dir("usr/"), dir("usr/bin/"), symlink("y", "usr/bin"), file("y/evil", "e", 0o4755)]],
  "AUFS metadata (the engine unpacks what lies below .wh..wh.plnk and .wh..wh.orph)": [
    [dir(".wh..wh.plnk/"), file(".wh..wh.plnk/evil", "e", 0o4755), file(".wh..wh.plnk/id_rsa", "key", 0o600), dir(".wh..wh.orph/"), file(".wh..wh.orph/x", "x"), { name: "usr/bin/tool", type: "hardlink", linkname: ".wh..wh.plnk/evil" }],
  ],
};

function archive(tag: string, layers: TarEntry[][]): Buffer {
  const tars = [BASE, ...layers].map((entries) => tarBuffer(entries));
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { User: "65534:65534", Entrypoint: ["/usr/bin/env"] },
      rootfs: { type: "layers", diff_ids: tars.map((t) => `sha256:${sha(t)}`) },
      history: tars.map(() => ({ created_by: "crafted" })),
    }),
  );
  const names = tars.map((_, i) => `l${i}/layer.tar`);
  return tarBuffer([
    { name: "manifest.json", content: JSON.stringify([{ Config: "config.json", RepoTags: [tag], Layers: names }]) },
    { name: "config.json", content: config },
    ...tars.map((content, i) => ({ name: names[i]!, content })),
  ]);
}

describe.skipIf(missing.length > 0 && !inCI)("layers under a lower symlink or file: imgpolicy's tree is the engine's docker export", () => {
  let work = "";
  let tools: Promise<GoTools>;
  const loaded: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "imgpolicy-layerlinks-"));
    tools = buildGoTools(join(work, "bin"));
    tools.catch(() => {});
  });
  afterAll(async () => {
    for (const tag of loaded) await exec(DOCKER, ["rmi", tag], { timeoutMs: 120_000 }).catch(() => {});
    if (work) await rm(work, { recursive: true, force: true });
  }, WAIT);

  async function load(name: string): Promise<{ tag: string; path: string }> {
    const tag = `${PREFIX}:${Object.keys(CASES).indexOf(name)}`;
    const path = join(work, `${Object.keys(CASES).indexOf(name)}.tar`);
    await writeFile(path, archive(tag, CASES[name]!));
    await exec(DOCKER, ["load", "-q", "-i", path], { timeoutMs: 120_000 });
    loaded.push(tag);
    return { tag, path };
  }

  it.each(Object.keys(CASES))(
    "%s",
    async (name) => {
      const { tag, path } = await load(name);
      const { view: engine } = await engineView(tag, work, await tools);
      const r = await runCli("ls", "--json", `docker-archive:${path}`);
      expect(r.stderr).toBe("");
      const ours = without(viewOf(listingEntries(JSON.parse(r.stdout) as ListedEntry[])), ENGINE_INIT_PATHS);
      expect(differences(ours, engine, ["imgpolicy ls", "docker export"])).toEqual([]);
    },
    WAIT,
  );

  it(
    "the setuid file the container still has fails the check (no false pass through the link)",
    async () => {
      const { path } = await load("a whiteout under a link to a directory");
      const r = await runCli("check", "--policy", "base", "--format", "json", `docker-archive:${path}`);
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout) as { images: { results: { rule: string; status: string }[] }[] };
      const setuid = report.images[0]!.results.find((x) => x.rule === "IMG-FS-003");
      expect(setuid?.status).toBe("fail");
      expect(JSON.stringify(setuid)).toContain("/usr/bin/su");
      expect(JSON.stringify(setuid)).toContain("/usr/lib/app/helper");
    },
    WAIT,
  );
});
