/**
 * Conformance against real builders and repackers: for each image, the flattened tree
 * that imgpolicy computes (`imgpolicy ls --json`) must be what the engine itself unpacks
 * (`docker create` + `docker export`, read by Go's archive/tar), and, for OCI layouts,
 * what `umoci unpack` makes. Images: the scenario (fixtures/conformance/scenario.ts) built
 * by the engine's classic builder, by BuildKit and by buildah; the classic image copied by
 * skopeo to an OCI layout with gzip layers, the BuildKit one with zstd layers; and the
 * gzip layout changed and repacked by umoci. A difference names the first paths that
 * differ and which side has what.
 *
 * Builds start at once in beforeAll and each test waits for what it needs, so one
 * builder's failure fails only its tests. Without the tools the suite is skipped, except
 * in CI (CI=true), where it fails: scripts/bootstrap.sh installs them.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ListedEntry } from "../../src/cli/list-tree.js";
import { EngineClient } from "../../src/engine/client.js";
import { ensureBusyboxBase, removeImages } from "../../fixtures/engine-images.js";
import { Buildah, dockerLoad, dockerSave, engineBuild, skopeoCopy, umociRepack } from "../../fixtures/conformance/builders.js";
import { differences, listingEntries, viewOf, without, type FsView } from "../../fixtures/conformance/compare.js";
import { missingTools } from "../../fixtures/conformance/exec.js";
import { buildGoTools, type GoTools, type TarHeader } from "../../fixtures/conformance/go-tools.js";
import { archiveLayers, layerTraits, layoutLayers } from "../../fixtures/conformance/layers.js";
import { ENGINE_INIT_PATHS, engineView, umociView } from "../../fixtures/conformance/oracles.js";
import { scenarioProblems, umociChangeProblems, UMOCI_CHANGES, writeScenarioContext } from "../../fixtures/conformance/scenario.js";
import { runCli } from "../cli/run-cli.js";

const inCI = /^(1|true|yes)$/i.test(process.env.CI ?? "");
const missing = await missingTools();
const WAIT = 10 * 60_000;

/** A promise made on first call and shared; its failure is met by whoever awaits it. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    if (!p) {
      p = make();
      p.catch(() => {});
    }
    return p;
  };
}

/** Runs the calls on one OCI layout one after the other (umoci and skopeo both rewrite index.json). */
function serial(): <T>(fn: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const next = last.then(fn, fn);
    last = next.catch(() => {});
    return next;
  };
}

/** imgpolicy's view of a reference, through the CLI; its one-line error when it cannot list it. */
async function imgpolicyView(ref: string): Promise<FsView> {
  const r = await runCli("ls", "--json", ref);
  if (r.code !== 0) throw new Error(`imgpolicy ls --json ${ref} exited ${r.code}: ${r.stderr.trim()}`);
  return viewOf(listingEntries(JSON.parse(r.stdout) as ListedEntry[]));
}

describe.skipIf(missing.length > 0 && !inCI)("conformance: imgpolicy's flattened tree is what the engine and umoci unpack", () => {
  const client = new EngineClient();
  const run = randomBytes(4).toString("hex");
  const tag = (what: string) => `imgpolicy-conformance/${what}:${run}`;
  const images = { classic: tag("classic"), buildkit: tag("buildkit"), buildah: tag("buildah"), umoci: tag("umoci") };
  // buildah's own name for its image, which its docker-archive carries too (so docker load tags it)
  const buildahLocal = `localhost/imgpolicy-conformance:${run}`;
  let work = "";
  let buildah: Buildah | undefined;
  let kicked = false;
  const started: (() => Promise<unknown>)[] = [];
  const step = <T>(make: () => Promise<T>) => {
    const f = once(make);
    started.push(f);
    return f;
  };
  const gzipLayout = serial();

  const tools = step(() => buildGoTools(join(work, "bin")));
  const base = step(() => ensureBusyboxBase(client));
  const engineContext = step(async () => {
    const dir = join(work, "ctx-engine");
    await writeScenarioContext(dir, await base(), (await tools()).setcap);
    return dir;
  });
  const classic = step(async () => engineBuild("classic", await engineContext(), images.classic));
  const buildkit = step(async () => engineBuild("buildkit", await engineContext(), images.buildkit));
  const buildahArchive = step(async () => {
    const baseArchive = join(work, "base.tar");
    await dockerSave(await base(), baseArchive);
    const dir = join(work, "ctx-buildah");
    await writeScenarioContext(dir, `docker-archive:${baseArchive}`, (await tools()).setcap);
    buildah = new Buildah(join(work, "buildah"));
    await buildah.bud(dir, buildahLocal);
    const archive = join(work, "buildah.tar");
    await buildah.push(buildahLocal, `docker-archive:${archive}:${images.buildah}`);
    await buildah.push(buildahLocal, `oci:${join(work, "oci-buildah")}:buildah`);
    await dockerLoad(archive);
    return archive;
  });
  const gzip = step(async () => {
    await classic();
    await gzipLayout(() => skopeoCopy(`docker-daemon:${images.classic}`, `oci:${join(work, "oci")}:gzip`, "gzip"));
  });
  const zstd = step(async () => {
    await buildkit();
    await skopeoCopy(`docker-daemon:${images.buildkit}`, `oci:${join(work, "oci-zstd")}:zstd`, "zstd");
  });
  const repacked = step(async () => {
    await gzip();
    await gzipLayout(() => umociRepack(join(work, "oci"), "gzip", "umoci", join(work, "bundle-repack"), UMOCI_CHANGES));
    await skopeoCopy(`oci:${join(work, "oci")}:umoci`, `docker-daemon:${images.umoci}`);
  });

  const engineOf = (image: string, built: () => Promise<unknown>) =>
    step(async () => {
      await built();
      return engineView(image, work, await tools());
    });
  const engine = {
    classic: engineOf(images.classic, classic),
    buildkit: engineOf(images.buildkit, buildkit),
    buildah: engineOf(images.buildah, buildahArchive),
    umoci: engineOf(images.umoci, repacked),
  };
  let bundles = 0;
  const umociOf = (layout: string, ref: string, made: () => Promise<unknown>, queue?: ReturnType<typeof serial>) =>
    step(async () => {
      await made();
      const view = () => umociView(join(work, layout), ref, join(work, `bundle-${bundles++}`));
      return queue ? queue(view) : view();
    });
  const umoci = {
    gzip: umociOf("oci", "gzip", gzip, gzipLayout),
    umoci: umociOf("oci", "umoci", repacked, gzipLayout),
    buildah: umociOf("oci-buildah", "buildah", buildahArchive),
  };

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`the conformance suite needs ${missing.join(", ")} (scripts/bootstrap.sh installs them)`);
    work = await mkdtemp(join(tmpdir(), "imgpolicy-conformance-"));
    await mkdir(join(work, "bin"));
    kicked = true;
    for (const f of started) f(); // everything at once; each test waits for its part
  });

  afterAll(async () => {
    if (!kicked) return;
    await Promise.allSettled(started.map((f) => f()));
    await removeImages(client, [images.classic, images.buildkit, images.buildah, buildahLocal, images.umoci]);
    await buildah?.remove();
    if (work) await rm(work, { recursive: true, force: true });
  }, WAIT);

  const sameTree = async (ref: string, oracle: Promise<FsView>, oracleName: string, engineSide: boolean) => {
    let ours = await imgpolicyView(ref);
    if (engineSide) ours = without(ours, ENGINE_INIT_PATHS);
    expect(differences(ours, await oracle, ["imgpolicy ls", oracleName]), `imgpolicy ls ${ref} against ${oracleName}`).toEqual([]);
  };
  const traitsOf = async (layers: Promise<TarHeader[][]>) => {
    const traits = layerTraits(await layers);
    if (process.env.IMGPOLICY_SHOW_TRAITS) console.log(traits.join("\n"));
    return traits;
  };
  const layersDir = (what: string) => join(work, `layers-${what}`);

  describe("the engine's classic builder (DOCKER_BUILDKIT=0)", () => {
    it("built the scenario", async () => expect(scenarioProblems((await engine.classic()).view)).toEqual([]), WAIT);
    it("imgpolicy ls docker:IMAGE is the engine's docker export", () => sameTree(`docker:${images.classic}`, engine.classic().then((e) => e.view), "docker export", true), WAIT);
    it("writes the layer forms the reader must take", async () => {
      await classic();
      const archive = join(work, "classic.tar");
      await dockerSave(images.classic, archive);
      const traits = await traitsOf(archiveLayers(archive, layersDir("classic"), await tools()));
      expect(traits).toEqual(expect.arrayContaining([
        "whiteouts carrying a link name (a regular file with linkname: the engine's shared overlayfs whiteout inode)",
        "opaque markers (mode 755, mtime 0)",
        "PAX record path",
        "PAX record uid",
        "PAX record SCHILY.xattr.security.capability",
        "hardlinks (typeflag 1)",
      ]));
    }, WAIT);
  });

  /** What imgpolicy says of the file the scenario gave capabilities (RUN setcap: cap_net_bind_service=ep). */
  const capsOf = async (ref: string) => {
    const r = await runCli("inspect", "--json", ref);
    expect(r.code, r.stderr).toBe(0);
    const facts = JSON.parse(r.stdout) as { filesystem: { fileCapabilities?: { path: string; capabilities: string[]; effective: boolean }[] } };
    return facts.filesystem.fileCapabilities?.map(({ path, capabilities, effective }) => ({ path, capabilities, effective }));
  };
  const SCENARIO_CAPS = [{ path: "/t/cap", capabilities: ["CAP_NET_BIND_SERVICE"], effective: true }];

  it("reads the file capabilities a RUN setcap gave (classic builder, BuildKit), which IMG-FS-003 then reports", async () => {
    await classic();
    expect(await capsOf(`docker:${images.classic}`)).toEqual(SCENARIO_CAPS);
    await buildkit();
    expect(await capsOf(`docker:${images.buildkit}`)).toEqual(SCENARIO_CAPS);
    const r = await runCli("check", "--policy", "base", "--format", "json", `docker:${images.classic}`);
    const results = (JSON.parse(r.stdout) as { images: { results: { rule: string; status: string; findings?: { message: string }[] }[] }[] }).images[0]!.results;
    const fs003 = results.find((x) => x.rule === "IMG-FS-003")!;
    expect(fs003.status).toBe("fail");
    expect(fs003.findings?.map((f) => f.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^\/t\/cap \(layer \d+\) has file capabilities CAP_NET_BIND_SERVICE\+ep \(owner 0:0\)\.$/)]));
  }, WAIT);

  describe("BuildKit (DOCKER_BUILDKIT=1, the 20.10 CLI)", () => {
    it("built the scenario", async () => expect(scenarioProblems((await engine.buildkit()).view)).toEqual([]), WAIT);
    it("imgpolicy ls docker:IMAGE is the engine's docker export", () => sameTree(`docker:${images.buildkit}`, engine.buildkit().then((e) => e.view), "docker export", true), WAIT);
  });

  describe("buildah (bud, vfs storage, chroot isolation)", () => {
    it("built the scenario", async () => expect(scenarioProblems((await engine.buildah()).view)).toEqual([]), WAIT);
    it("imgpolicy ls docker-archive:FILE is the engine's docker export of it", async () =>
      sameTree(`docker-archive:${await buildahArchive()}`, engine.buildah().then((e) => e.view), "docker export", true), WAIT);
    it("imgpolicy ls oci:LAYOUT:TAG (buildah push oci:) is the engine's docker export", async () => {
      await buildahArchive();
      await sameTree(`oci:${join(work, "oci-buildah")}:buildah`, engine.buildah().then((e) => e.view), "docker export", true);
    }, WAIT);
    it("imgpolicy ls oci:LAYOUT:TAG (buildah push oci:) is umoci unpack of it", async () => {
      await buildahArchive();
      await sameTree(`oci:${join(work, "oci-buildah")}:buildah`, umoci.buildah(), "umoci unpack", false);
    }, WAIT);
    it("writes the layer forms the reader must take", async () => {
      const traits = await traitsOf(archiveLayers(await buildahArchive(), layersDir("buildah"), await tools()));
      expect(traits).toEqual(expect.arrayContaining(["whiteouts after other entries of their directory", "uname/gname empty"]));
      expect(traits.some((t) => t.startsWith("opaque markers"))).toBe(false);
    }, WAIT);
  });

  describe("skopeo copy to an OCI layout, gzip layers (of the classic builder's image)", () => {
    it("imgpolicy ls oci:LAYOUT:TAG is the engine's docker export of the image", async () => {
      await gzip();
      await sameTree(`oci:${join(work, "oci")}:gzip`, engine.classic().then((e) => e.view), "docker export", true);
    }, WAIT);
    it("imgpolicy ls oci:LAYOUT:TAG is umoci unpack of it", async () => {
      await gzip();
      await sameTree(`oci:${join(work, "oci")}:gzip`, umoci.gzip(), "umoci unpack", false);
    }, WAIT);
  });

  describe("skopeo copy to an OCI layout, zstd layers (of the BuildKit image)", () => {
    // (umoci 0.4.7 refuses zstd layers: "blob is not correct mediatype", so only the engine here)
    it("imgpolicy ls oci:LAYOUT:TAG is the engine's docker export of the image", async () => {
      await zstd();
      await sameTree(`oci:${join(work, "oci-zstd")}:zstd`, engine.buildkit().then((e) => e.view), "docker export", true);
    }, WAIT);
  });

  describe("umoci repack (a layer written by umoci from changes to an unpacked rootfs)", () => {
    it("made the changes", async () => expect(umociChangeProblems((await engine.umoci()).view)).toEqual([]), WAIT);
    it("imgpolicy ls oci:LAYOUT:TAG is the engine's docker export of it (loaded by skopeo)", async () => {
      await repacked();
      await sameTree(`oci:${join(work, "oci")}:umoci`, engine.umoci().then((e) => e.view), "docker export", true);
    }, WAIT);
    it("imgpolicy ls oci:LAYOUT:TAG is umoci unpack of it", async () => {
      await repacked();
      await sameTree(`oci:${join(work, "oci")}:umoci`, umoci.umoci(), "umoci unpack", false);
    }, WAIT);
    it("writes the layer forms the reader must take", async () => {
      await repacked();
      const layers = await gzipLayout(async () => layoutLayers(join(work, "oci"), "umoci", layersDir("umoci"), await tools()));
      const traits = layerTraits(layers.slice(-1));
      if (process.env.IMGPOLICY_SHOW_TRAITS) console.log(traits.join("\n"));
      expect(traits).toEqual(expect.arrayContaining(["mode fields with permission bits only", "whiteouts: typeflag \"0\", mode 0, mtime 0"]));
    }, WAIT);
  });
});
