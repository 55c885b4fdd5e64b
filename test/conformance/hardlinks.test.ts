/**
 * Hardlinks against the engine: images FROM nothing whose one layer holds files and
 * hardlinks to them with headers of their own (another mode, owner, setuid bits; a
 * secret's name on a link to an innocent-looking file, a key's bytes reached by a link
 * with a secret's name). The engine loads each (link(2), then it chowns and, unless the
 * target is a symlink, chmods the link: the one inode takes the last header's owner and
 * mode), a container is created from it and exported; imgpolicy reads the same archive.
 *
 * - `imgpolicy ls` equals the export (type, mode, owner, size, link groups);
 * - the setuid, setgid, world-writable and secret-file facts are exactly those of the
 *   exported filesystem: each hardlink by its own path, with its file's mode and bytes.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listImage } from "../../src/cli/commands/ls.js";
import { inspect } from "../../src/inspect/facts/collect.js";
import { classifyPath } from "../../src/inspect/parsers/path-kinds.js";
import { privateKeyKind } from "../../src/inspect/parsers/private-key.js";
import { TarReader } from "../../src/tar/reader.js";
import { TEST_LABEL } from "../../fixtures/engine-images.js";
import { differences, listingEntries, tarEntries, tarPath, viewOf, without, type FsView } from "../../fixtures/conformance/compare.js";
import { DOCKER, exec, missingTools } from "../../fixtures/conformance/exec.js";
import { buildGoTools, listTar, type GoTools } from "../../fixtures/conformance/go-tools.js";
import { loadCrafted, removeCrafted, type CraftedImage } from "../../fixtures/conformance/load-archive.js";
import { ENGINE_INIT_PATHS } from "../../fixtures/conformance/oracles.js";
import { tarBuffer, type TarEntry } from "../../fixtures/tar-writer.js";

const inCI = /^(1|true|yes)$/i.test(process.env.CI ?? "");
const missing = (await missingTools()).filter((t) => t.startsWith("docker") || t === "go");

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n";

const dirs = (...names: string[]): TarEntry[] => names.map((name) => ({ name: `${name}/`, type: "dir" as const }));
const link = (name: string, linkname: string, mode: number, uid = 0, gid = 0): TarEntry => ({ name, type: "hardlink", linkname, mode, uid, gid });

/** Each case: its layers; the engine's own order of operations decides what every name ends up as. */
const CASES: Record<string, TarEntry[] | TarEntry[][]> = {
  // a secret's name on a link to a file with an ordinary name, and a key's bytes under an ordinary name
  "secret-by-link": [
    ...dirs("srv", "root", "root/.ssh", "opt"),
    { name: "srv/blob", content: "not a key, but now an id_rsa\n", mode: 0o644 },
    link("root/.ssh/id_rsa", "srv/blob", 0o600),
    { name: "opt/k", content: KEY, mode: 0o600 },
    link("opt/harmless.txt", "opt/k", 0o644),
  ],
  // the link's header gives the file setuid: both names are setuid
  "setuid-by-link": [...dirs("usr", "usr/bin"), { name: "usr/bin/tool", content: "t", mode: 0o755 }, link("usr/bin/tool2", "usr/bin/tool", 0o4755, 0, 0)],
  // the link's header takes setuid away from its file: neither name is setuid
  "setuid-lost-by-link": [...dirs("opt"), { name: "opt/suid", content: "s", mode: 0o6755 }, link("opt/plain", "opt/suid", 0o755)],
  // world-writable through a link, owner from the link
  "world-writable-by-link": [...dirs("tmp", "data"), { name: "tmp/f", content: "f", mode: 0o644 }, link("data/ww", "tmp/f", 0o666, 1000, 1000)],
  // two links: the last header wins; a link to a link is a link to the file
  "last-header-wins": [
    ...dirs("x"),
    { name: "x/a", content: "a", mode: 0o644 },
    link("x/b", "x/a", 0o4777, 5, 5),
    link("x/c", "x/b", 0o2750, 7, 8),
  ],
  // the file written again by a later layer: the link keeps the first file (and its header's mode)
  "rewritten-target": [
    [...dirs("r"), { name: "r/a", content: KEY, mode: 0o644 }, link("r/b", "r/a", 0o4755)],
    [...dirs("r"), { name: "r/a", content: "second", mode: 0o600 }],
  ],
};

interface Exported {
  view: FsView;
  /** The bytes each regular file (and each hardlink, through its target) holds. */
  content: Map<string, Buffer>;
}

async function engineExport(tag: string, work: string, tools: GoTools): Promise<Exported> {
  const id = (await exec(DOCKER, ["create", "--label", `${TEST_LABEL}=1`, "--network", "none", tag])).trim();
  const file = join(work, `export-${id.slice(0, 12)}.tar`);
  try {
    await exec(DOCKER, ["export", "-o", file, id]);
    const view = without(viewOf(tarEntries(await listTar(tools, file))), ENGINE_INIT_PATHS);
    const content = new Map<string, Buffer>();
    const reader = new TarReader({
      entry(e) {
        const path = tarPath(e.path);
        if (e.type === "hardlink") {
          content.set(path, content.get(tarPath(e.linkpath)) ?? Buffer.alloc(0));
          return undefined;
        }
        if (e.type !== "file") return undefined;
        const parts: Buffer[] = [];
        return { data: (c) => void parts.push(Buffer.from(c)), end: () => void content.set(path, Buffer.concat(parts)) };
      },
    });
    reader.write(await readFile(file));
    reader.end();
    return { view, content };
  } finally {
    await exec(DOCKER, ["rm", "-f", id]).catch(() => {});
    await rm(file, { force: true });
  }
}

/** What the facts should say of the exported filesystem. */
function expectedFacts(ex: Exported) {
  const files = [...ex.view].filter(([, n]) => n.type === "file");
  const paths = (bit: number) => files.filter(([, n]) => n.mode & bit).map(([p]) => p).sort();
  return {
    setuid: paths(0o4000),
    setgid: paths(0o2000),
    worldWritable: paths(0o002),
    secretFiles: files
      .map(([p]) => [p, privateKeyKind(ex.content.get(p) ?? Buffer.alloc(0)) ?? classifyPath(p, []).secret] as const)
      .filter(([, kind]) => kind !== undefined)
      .map(([p]) => p)
      .sort(),
  };
}

describe.skipIf(missing.length > 0 && !inCI)("conformance: hardlinks are what the engine makes of them", () => {
  const run = randomBytes(4).toString("hex");
  const tags = Object.keys(CASES).map((c) => `imgpolicy-conformance/hardlink-${run}:${c}`);
  let work = "";
  let archive = "";
  let tools: GoTools;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "imgpolicy-hardlink-conformance-"));
    tools = await buildGoTools(join(work, "bin"));
    const images: CraftedImage[] = Object.values(CASES).map((entries, i) => ({
      tag: tags[i]!,
      layers: (Array.isArray(entries[0]) ? (entries as TarEntry[][]) : [entries as TarEntry[]]).map((l) => tarBuffer(l)),
      config: { Entrypoint: ["/nothing"], Labels: { [TEST_LABEL]: "1" } },
    }));
    archive = join(work, "hardlinks.tar");
    await loadCrafted(archive, images);
  }, 600_000);

  afterAll(async () => {
    await removeCrafted(tags);
    if (work) await rm(work, { recursive: true, force: true });
  }, 300_000);

  it.each(Object.keys(CASES))("%s: the listing and the mode and secret facts are the export's", async (name) => {
    const tag = tags[Object.keys(CASES).indexOf(name)]!;
    const ref = `docker-archive:${archive}:${tag}`;
    const ex = await engineExport(tag, work, tools);
    const ours = viewOf(listingEntries(await listImage(ref, { workers: 0 })));
    expect(differences(ours, ex.view, ["imgpolicy ls", "docker export"])).toEqual([]);

    const want = expectedFacts(ex);
    const fs = (await inspect(ref, { workers: 0 })).filesystem;
    const got = {
      setuid: fs.setuid.map((f) => f.path),
      setgid: fs.setgid.map((f) => f.path),
      worldWritable: fs.worldWritable.filter((f) => f.type !== "dir").map((f) => f.path),
      secretFiles: fs.secretFiles.map((f) => f.path),
    };
    expect(got).toEqual(want);
    // the facts carry the mode and owner the export shows
    for (const f of [...fs.setuid, ...fs.setgid, ...fs.worldWritable]) {
      const n = ex.view.get(f.path)!;
      expect([f.path, f.mode, f.uid, f.gid]).toEqual([f.path, n.mode, n.uid, n.gid]);
    }
  }, 300_000);

  it("the cases are worth something: links changed modes, and secrets are reached only through links", async () => {
    const ex = await engineExport(tags[0]!, work, tools);
    const want = expectedFacts(ex);
    expect(want.secretFiles).toEqual(["/opt/harmless.txt", "/opt/k", "/root/.ssh/id_rsa"]);
    const suid = await engineExport(tags[1]!, work, tools);
    expect(expectedFacts(suid).setuid).toEqual(["/usr/bin/tool", "/usr/bin/tool2"]);
  }, 300_000);
});
