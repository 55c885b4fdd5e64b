/**
 * The secrets rules (IMG-HIST-007, IMG-FS-007, IMG-FS-008) on one build context of leaks
 * (fixtures/conformance/secret-leaks.ts) built by every real builder here: the engine's
 * classic builder, BuildKit, buildah (pushed to a docker-archive and to an oci-archive);
 * the classic image's `docker save` converted by skopeo to an OCI layout; and that layout
 * repacked by umoci with a layer that deletes /root/.npmrc. Each leak is one finding naming
 * its history entry or layer, the same set for every builder but for the differences each
 * builder's layers really have (named below). IMG-HIST-007's layer is the one the config's
 * history gives (skopeo reads it); IMG-FS-008 names the layer that added and the layer that
 * removed each file, and the final filesystem, as the engine exports a container of the
 * image, holds none of them, nor do imgpolicy's final-filesystem facts. No output format,
 * inspect or ls repeats a planted value.
 *
 * Without docker, buildah, skopeo or umoci the suite is skipped, except in CI (CI=true),
 * where it fails: scripts/bootstrap.sh installs them.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUSYBOX_PATH, TEST_LABEL } from "../../fixtures/engine-images.js";
import { dockerLoad, dockerSave, skopeoCopy, umociRepack } from "../../fixtures/conformance/builders.js";
import { DOCKER, exec } from "../../fixtures/conformance/exec.js";
import { makeLeaks, plantedValues, writeLeakContext } from "../../fixtures/conformance/secret-leaks.js";
import { FORMATS } from "../../src/policies/report/index.js";
import { runCli } from "../cli/run-cli.js";

const inCI = /^(1|true|yes)$/i.test(process.env.CI ?? "");
const WAIT = 5 * 60_000;
const RULES = ["IMG-HIST-007", "IMG-FS-007", "IMG-FS-008"];

async function missingTools(): Promise<string[]> {
  const probes: [string, string, string[]][] = [
    ["docker (engine)", DOCKER, ["version", "--format", "{{.Server.Version}}"]],
    ["buildah", "buildah", ["--version"]],
    ["skopeo", "skopeo", ["--version"]],
    ["umoci", "umoci", ["--version"]],
    ["busybox", BUSYBOX_PATH, ["true"]],
  ];
  const missing: string[] = [];
  for (const [name, command, args] of probes) await exec(command, args, { timeoutMs: 20_000 }).catch(() => missing.push(name));
  return missing;
}
const missing = await missingTools();

interface Finding { message: string; location?: { path?: string; layer?: number; config?: string } }
interface Result { rule: string; findings: Finding[] }

/** One finding as builders can agree on it: no digests, no history text. */
function key(rule: string, f: Finding): string {
  const m = f.message;
  if (rule === "IMG-HIST-007") {
    const what = /records a secret: (build arg \w+|RUN assignment \w+|build secret \S+)/.exec(m)?.[1] ?? m;
    const also = /also in history entries ([\d, ]+)\.$/.exec(m)?.[1];
    return `${f.location?.config} ${what}${also ? ` (also ${also})` : ""}`;
  }
  if (rule === "IMG-FS-007") {
    const [, line, kind] = /line (\d+) holds ([\w-]+)/.exec(m) ?? [];
    return `${f.location?.path} line ${line} ${kind} layer ${(f.location?.layer ?? -1) + 1}`;
  }
  const [, path, kind, added, how, removed] = /^(\S+) \(([\w-]+), .*? was added by layer (\d+) .*? and (deleted|hidden|overwritten) .*?by layer (\d+) \([^]*; its bytes still ship in layer \3\.$/.exec(m) ?? [];
  return path === undefined ? m : `${path} ${kind} added ${added} ${how} ${removed}`;
}

/** The findings every builder must give, with BuildKit's layers. */
const BUILDKIT = [
  "IMG-FS-007 /app/config.js line 4 github-token layer 4",
  "IMG-FS-007 /root/.docker/config.json line 4 docker-auth layer 6",
  "IMG-FS-007 /root/.npmrc line 2 npm-auth-token layer 5",
  "IMG-FS-008 /app/.env dotenv added 9 deleted 13",
  "IMG-FS-008 /root/.aws/credentials aws-credentials added 10 hidden 12",
  "IMG-FS-008 /root/.ssh/id_rsa openssh-private-key added 7 deleted 11",
  "IMG-HIST-007 history[13] build arg GITHUB_TOKEN (also 14, 15, 16)",
  "IMG-HIST-007 history[15] RUN assignment DB_PASSWORD",
  "IMG-HIST-007 history[16] build secret /run/secrets/npmrc",
];
/** What each other image differs by, and why. */
const DIFFERS: Record<string, (s: string[]) => string[]> = {
  classic: (s) => s,
  // buildah's `rm -rf dir && mkdir dir` layer has a whiteout of the directory and the directory, no opaque marker
  "buildah docker-archive": (s) => s.map((x) => x.replace("hidden 12", "deleted 12")),
  "buildah oci-archive": (s) => s.map((x) => x.replace("hidden 12", "deleted 12")),
  "skopeo oci layout": (s) => s,
  // umoci's layer 15 (on the classic image's 14) deletes /root/.npmrc: no longer in the final filesystem, it ships in layer 5
  "umoci repack": (s) =>
    [...s.filter((x) => !x.startsWith("IMG-FS-007 /root/.npmrc")), "IMG-FS-008 /root/.npmrc npmrc added 5 deleted 15"].sort(),
};
/** The secret files of the final filesystem (IMG-FS-005's facts), and the ones deleted. */
const FINAL_SECRETS = ["/root/.docker/config.json", "/root/.npmrc"];
const DELETED = ["/root/.ssh/id_rsa", "/app/.env", "/root/.aws/credentials"];

describe.skipIf(missing.length > 0 && !inCI)("the secrets rules on the same leaks from every builder and repackager", () => {
  const leaks = makeLeaks();
  const run = randomBytes(4).toString("hex");
  const tags = {
    classic: `imgpolicy-conformance/secrets-classic:${run}`,
    buildkit: `imgpolicy-conformance/secrets-buildkit:${run}`,
    buildah: `imgpolicy-conformance/secrets-buildah:${run}`,
    umoci: `imgpolicy-conformance/secrets-umoci:${run}`,
  };
  const buildahLocal = `localhost/imgpolicy-conformance-secrets:${run}`;
  let work = "";
  let buildahStorage: string[] = [];
  let built = false;
  const subjects: Record<string, { ref: string; engineImage: () => string }> = {};
  let report: { images: { reference: string; results: Result[] }[] } | undefined;
  let outputs = "";

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`the secrets conformance test needs ${missing.join(", ")} (scripts/bootstrap.sh installs them)`);
    work = await mkdtemp(join(tmpdir(), "imgpolicy-secret-builders-"));
    const ctx = join(work, "ctx");
    await writeLeakContext(ctx, leaks, BUSYBOX_PATH);
    const buildArg = ["--build-arg", `GITHUB_TOKEN=${leaks.githubToken}`];
    const engineBuild = (tag: string, buildkit: boolean) =>
      exec(DOCKER, ["build", "-q", "--force-rm", "--label", `${TEST_LABEL}=1`, ...buildArg, "-t", tag, ctx], { env: { DOCKER_BUILDKIT: buildkit ? "1" : "0" }, timeoutMs: WAIT });
    buildahStorage = ["--root", join(work, "buildah", "root"), "--runroot", join(work, "buildah", "run"), "--storage-driver", "vfs"];
    const buildah = (args: string[]) => exec("buildah", [...buildahStorage, ...args], { timeoutMs: WAIT });
    built = true;
    const classicChain = (async () => {
      await engineBuild(tags.classic, false);
      await dockerSave(tags.classic, join(work, "classic.tar"));
      await skopeoCopy(`docker-archive:${join(work, "classic.tar")}`, `oci:${join(work, "oci")}:skopeo`);
      await umociRepack(join(work, "oci"), "skopeo", "umoci", join(work, "bundle"), "rm root/.npmrc");
      await skopeoCopy(`oci:${join(work, "oci")}:umoci`, `docker-daemon:${tags.umoci}`);
    })();
    const buildahChain = (async () => {
      await buildah(["bud", "--isolation", "chroot", "--layers", "--label", `${TEST_LABEL}=1`, "-q", ...buildArg, "-t", buildahLocal, ctx]);
      await buildah(["push", "-q", buildahLocal, `docker-archive:${join(work, "buildah.tar")}:${tags.buildah}`]);
      await buildah(["push", "-q", buildahLocal, `oci-archive:${join(work, "buildah-oci.tar")}:buildah`]);
      await dockerLoad(join(work, "buildah.tar"));
    })();
    const results = await Promise.allSettled([engineBuild(tags.buildkit, true), classicChain, buildahChain]);
    for (const r of results) if (r.status === "rejected") throw r.reason;

    Object.assign(subjects, {
      buildkit: { ref: `docker:${tags.buildkit}`, engineImage: () => tags.buildkit },
      classic: { ref: `docker:${tags.classic}`, engineImage: () => tags.classic },
      "buildah docker-archive": { ref: `docker-archive:${join(work, "buildah.tar")}`, engineImage: () => tags.buildah },
      "buildah oci-archive": { ref: `oci-archive:${join(work, "buildah-oci.tar")}`, engineImage: () => tags.buildah },
      "skopeo oci layout": { ref: `oci:${join(work, "oci")}:skopeo`, engineImage: () => tags.classic },
      "umoci repack": { ref: `oci:${join(work, "oci")}:umoci`, engineImage: () => tags.umoci },
    });
    // one check of every image, every format to a file (and --debug): what the tests below read
    const out = join(work, "reports");
    const formats = FORMATS.map((f) => ["--format", `${f}=${join(out, `report.${f}`)}`]).flat();
    const r = await runCli("--debug", "check", "-p", "base", "--concurrency", "3", ...formats, ...Object.values(subjects).map((s) => s.ref));
    if (r.code !== 1) throw new Error(`check exited ${r.code}: ${r.stderr.slice(0, 500)}`);
    outputs = r.stdout + r.stderr;
    for (const f of FORMATS) outputs += `\n--- ${f}\n` + (await readFile(join(out, `report.${f}`), "utf8"));
    report = JSON.parse(await readFile(join(out, "report.json"), "utf8")) as typeof report;
  }, WAIT);

  afterAll(async () => {
    if (!built) return;
    // (docker load tags the buildah image with buildah's own name too: the archive carries both)
    for (const tag of [...Object.values(tags), buildahLocal]) await exec(DOCKER, ["image", "rm", "-f", tag]).catch(() => {});
    await exec("buildah", [...buildahStorage, "rmi", "--all", "--force"]).catch(() => {});
    if (work) await rm(work, { recursive: true, force: true });
  }, WAIT);

  const names = () => Object.keys(subjects);
  const resultsOf = (name: string): Result[] => {
    const image = report!.images.find((i) => subjects[name]!.ref.endsWith(i.reference));
    if (!image) throw new Error(`no report of ${subjects[name]!.ref}`);
    return image.results;
  };
  const keysOf = (name: string): string[] =>
    resultsOf(name)
      .filter((r) => RULES.includes(r.rule))
      .flatMap((r) => r.findings.map((f) => `${r.rule} ${key(r.rule, f)}`))
      .sort();
  /** The image's config as skopeo reads it (an independent reader of each transport), once per image. */
  const configs = new Map<string, Promise<{ history: { created_by?: string; empty_layer?: boolean }[] }>>();
  const configOf = (ref: string) => {
    if (!configs.has(ref)) configs.set(ref, exec("skopeo", ["inspect", "--config", ref.replace(/^docker:/, "docker-daemon:")]).then((t) => JSON.parse(t)));
    return configs.get(ref)!;
  };
  /** imgpolicy's ls --json, inspect --json and inspect of an image, once per image. */
  const views = new Map<string, Promise<{ ls: string; inspectJson: string; text: string }>>();
  const viewsOf = (ref: string) => {
    if (!views.has(ref))
      views.set(ref, (async () => {
        const runs = [await runCli("ls", "--json", ref), await runCli("inspect", "--json", ref), await runCli("inspect", ref)];
        for (const r of runs) if (r.code !== 0) throw new Error(`imgpolicy on ${ref} exited ${r.code}: ${r.stderr.slice(0, 300)}`);
        return { ls: runs[0]!.stdout, inspectJson: runs[1]!.stdout, text: runs.map((r) => r.stdout + r.stderr).join("\n") };
      })());
    return views.get(ref)!;
  };

  it("BuildKit: -p base fails with one finding per leak", () => {
    expect(keysOf("buildkit")).toEqual([...BUILDKIT].sort());
  });

  it.each(Object.keys(DIFFERS))("%s: the same findings as BuildKit, but for what its layers really differ by", (name) => {
    expect(keysOf(name)).toEqual(DIFFERS[name]!([...BUILDKIT].sort()).sort());
  });

  it("IMG-HIST-007 names the history entry, and the layer the config's history maps it to (the classic builder leaves unchanged RUNs without one)", async () => {
    const layerless: Record<string, number[]> = {};
    for (const name of names()) {
      const { history } = await configOf(subjects[name]!.ref);
      const hist = resultsOf(name).find((r) => r.rule === "IMG-HIST-007")!.findings;
      for (const f of hist) {
        const i = Number(/^history\[(\d+)\]$/.exec(f.location?.config ?? "")?.[1]);
        expect(history[i]?.created_by, `${name} history[${i}]`).toMatch(/GITHUB_TOKEN=|DB_PASSWORD=|\/run\/secrets\/npmrc/);
        const layer = history[i]!.empty_layer ? undefined : history.slice(0, i).filter((h) => !h.empty_layer).length;
        expect(f.location?.layer, `${name}: ${f.message}`).toBe(layer);
        if (layer === undefined) (layerless[name] ??= []).push(i);
        expect(f.message).toMatch(layer === undefined ? new RegExp(`^history entry ${i} records`) : new RegExp(`^history entry ${i} \\(layer ${layer + 1}\\) records`));
      }
    }
    // the classic builder (and what skopeo and umoci copy of it) commits an unchanged RUN as an empty layer
    expect(layerless).toEqual({ classic: [15], "skopeo oci layout": [15], "umoci repack": [15] });
  }, WAIT);

  it("each builder's history records the build arg where IMG-HIST-007 reads it", async () => {
    const entry = async (name: string, i: number) => (await configOf(subjects[name]!.ref)).history[i]!.created_by!.replace(leaks.githubToken, "<token>");
    // the exec-form RUN after the ARG, as each builder writes it
    expect(await entry("classic", 13)).toBe("|1 GITHUB_TOKEN=<token> /bin/busybox rm /app/.env");
    expect(await entry("buildkit", 13)).toBe("RUN |1 GITHUB_TOKEN=<token> /bin/busybox rm /app/.env # buildkit");
    expect(await entry("buildah docker-archive", 13)).toBe('|1 GITHUB_TOKEN=<token> /bin/sh -c ["/bin/busybox", "rm", "/app/.env"]');
    expect(await entry("classic", 15)).toBe(`|1 GITHUB_TOKEN=<token> /bin/sh -c DB_PASSWORD=${leaks.dbPassword} /app/migrate`);
  }, WAIT);

  it("each builder writes its deletions as the findings say: whiteouts, or an opaque directory for rm -rf + mkdir", async () => {
    /** The `.wh.` entries of the image's layers 11–13 (and umoci's 15), by 1-based layer. */
    const whiteouts = async (layerTars: (n: number) => Promise<string>, layers: number[]) => {
      const out: Record<number, string[]> = {};
      for (const n of layers) out[n] = (await layerTars(n)).split("\n").filter((e) => /(^|\/)\.wh\./.test(e)).sort();
      return out;
    };
    const fromArchive = (archive: string) => async (n: number) => {
      const manifest = JSON.parse(await exec("tar", ["-xOf", archive, "manifest.json"])) as { Layers: string[] }[];
      return exec("sh", ["-c", 'tar -xOf "$1" "$2" | tar -tf -', "sh", archive, manifest[0]!.Layers[n - 1]!]);
    };
    const fromLayout = (layout: string, tag: string) => async (n: number) => {
      const blob = (d: string) => join(layout, "blobs", ...d.split(":"));
      const index = JSON.parse(await readFile(join(layout, "index.json"), "utf8")) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
      const m = index.manifests.find((x) => x.annotations?.["org.opencontainers.image.ref.name"] === tag)!;
      const manifest = JSON.parse(await readFile(blob(m.digest), "utf8")) as { layers: { digest: string }[] };
      return exec("tar", ["-tzf", blob(manifest.layers[n - 1]!.digest)]);
    };
    await dockerSave(tags.buildkit, join(work, "buildkit.tar"));
    const engineForm = {
      11: ["root/.ssh/.wh.id_rsa", "root/.ssh/.wh.id_rsa.pub", "root/.ssh/.wh.known_hosts"],
      12: ["root/.aws/.wh..wh..opq"],
      13: ["app/.wh..env"],
    };
    expect(await whiteouts(fromArchive(join(work, "classic.tar")), [11, 12, 13])).toEqual(engineForm);
    expect(await whiteouts(fromArchive(join(work, "buildkit.tar")), [11, 12, 13])).toEqual(engineForm);
    // buildah (vfs) whiteouts the files of a directory made again, and writes no opaque marker
    expect(await whiteouts(fromArchive(join(work, "buildah.tar")), [11, 12, 13])).toEqual({ ...engineForm, 12: ["root/.aws/.wh.credentials"] });
    expect(await whiteouts(fromLayout(join(work, "oci"), "umoci"), [15])).toEqual({ 15: ["root/.wh..npmrc"] });
  }, WAIT);

  it("a deleted secret is in no final filesystem: not in the engine's docker export, not in imgpolicy ls, not in its facts", async () => {
    for (const name of names()) {
      const { ref, engineImage } = subjects[name]!;
      const id = (await exec(DOCKER, ["create", "--label", `${TEST_LABEL}=1`, engineImage(), "/bin/true"])).trim();
      let exported: string[];
      try {
        const file = join(work, `export-${id.slice(0, 12)}.tar`);
        await exec(DOCKER, ["export", "-o", file, id]);
        exported = (await exec("tar", ["-tf", file])).split("\n").filter((p) => p).map((p) => "/" + p.replace(/^\.?\//, "").replace(/\/$/, ""));
        await rm(file);
      } finally {
        await exec(DOCKER, ["rm", "-f", id]).catch(() => {});
      }
      const view = await viewsOf(ref);
      const ours = (JSON.parse(view.ls) as { path: string }[]).map((e) => e.path);
      const mine = (paths: string[]) => paths.filter((p) => /^\/(app|root|tmp)(\/|$)/.test(p)).sort();
      expect(mine(ours), `${name}: imgpolicy ls against docker export`).toEqual(mine(exported));
      for (const p of DELETED) expect(ours, `${name}: ${p}`).not.toContain(p);
      const fs = (JSON.parse(view.inspectJson) as { filesystem: { secretFiles: { path: string }[]; secretContents: { path: string }[] } }).filesystem;
      const finals = name === "umoci repack" ? FINAL_SECRETS.filter((p) => p !== "/root/.npmrc") : FINAL_SECRETS;
      expect(fs.secretFiles.map((s) => s.path).sort(), name).toEqual(finals);
      expect(fs.secretContents.map((s) => s.path).filter((p) => !ours.includes(p)), name).toEqual([]);
    }
  }, WAIT);

  it("no output (every format of check, --debug, inspect, inspect --json, ls --json) repeats a planted value", async () => {
    for (const f of FORMATS) expect(outputs).toContain(`--- ${f}\n`);
    const planted = plantedValues(leaks);
    expect(planted.filter((p) => outputs.includes(p)), "check").toEqual([]);
    for (const name of names()) {
      const v = await viewsOf(subjects[name]!.ref);
      expect(planted.filter((p) => (v.ls + v.inspectJson + v.text).includes(p)), name).toEqual([]);
    }
  }, WAIT);
});
