/**
 * Writes a docker-archive in the classic `docker save` form from layer tars already on disk:
 * <id>/layer.tar (uncompressed), <id>/json, <id>/VERSION, <config>.json, manifest.json,
 * repositories, all in one tar at `archivePath`. The layer tars are moved into it.
 *
 *   const a = await writeDockerArchive({ workDir, archivePath, tag, config, layers: [{ file, createdBy }] })
 *   → { path, ref, bytes, configDigest, layers: [{ diffId, bytes, createdBy }] }
 *
 * `config` is the image config without rootfs and history: both are filled in here.
 */
import fs from "node:fs";
import path from "node:path";
import { CREATED, run, sha256File, sha256Hex } from "./build-image.js";

export async function writeDockerArchive({ workDir, archivePath, tag, config, layers }) {
  const dir = path.join(workDir, "archive");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const described = [];
  for (const l of layers) {
    described.push({ diffId: `sha256:${await sha256File(l.file)}`, bytes: fs.statSync(l.file).size, createdBy: l.createdBy });
  }
  const full = {
    ...config,
    created: CREATED,
    rootfs: { type: "layers", diff_ids: described.map((l) => l.diffId) },
    history: [
      ...described.map((l) => ({ created: CREATED, created_by: l.createdBy })),
      ...(config.config?.Entrypoint ? [{ created: CREATED, created_by: `ENTRYPOINT ${JSON.stringify(config.config.Entrypoint)}`, empty_layer: true }] : []),
    ],
  };
  const configRaw = Buffer.from(JSON.stringify(full));
  const configHex = sha256Hex(configRaw);

  let parent = "";
  const layerPaths = [];
  for (const [i, l] of layers.entries()) {
    const id = sha256Hex(`${parent}\n${described[i].diffId}`);
    fs.mkdirSync(path.join(dir, id));
    fs.renameSync(l.file, path.join(dir, id, "layer.tar"));
    fs.writeFileSync(path.join(dir, id, "VERSION"), "1.0");
    const json = { id, ...(parent ? { parent } : {}), created: CREATED, container_config: { Cmd: null }, os: "linux" };
    if (i === layers.length - 1) Object.assign(json, { architecture: full.architecture, config: full.config });
    fs.writeFileSync(path.join(dir, id, "json"), JSON.stringify(json));
    layerPaths.push(`${id}/layer.tar`);
    parent = id;
  }
  const [repo, t] = tag.split(":");
  fs.writeFileSync(path.join(dir, `${configHex}.json`), configRaw);
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify([{ Config: `${configHex}.json`, RepoTags: [tag], Layers: layerPaths }]));
  fs.writeFileSync(path.join(dir, "repositories"), JSON.stringify({ [repo]: { [t]: parent } }) + "\n");
  const top = fs.readdirSync(dir).sort();
  await run("tar", ["-C", dir, "--sort=name", "--format=gnu", "--numeric-owner", "--owner=0", "--group=0", `--mtime=${CREATED}`, "-cf", archivePath, ...top]);
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    path: archivePath,
    ref: `docker-archive:${archivePath}`,
    bytes: fs.statSync(archivePath).size,
    configDigest: `sha256:${configHex}`,
    layers: described,
  };
}

/** A layer tar of everything under `stage` (owned by root, fixed mtime, sorted). */
export async function tarStage(stage, outFile) {
  const top = fs.readdirSync(stage).sort();
  await run("tar", ["-C", stage, "--sort=name", "--format=gnu", "--numeric-owner", "--owner=0", "--group=0", `--mtime=${CREATED}`, "-cf", outFile, ...top]);
  return outFile;
}
