/**
 * gc never removes what imgpolicy did not create: an image whose config carries all of
 * imgpolicy's runtime labels (`LABEL imgpolicy.runtime=1 …`, the owner a dead process of
 * this machine) gives them to every container a user runs from it; `imgpolicy gc` and
 * `gc --all` leave such a container alone, while they remove the containers imgpolicy's
 * own probe made from the very same image (a `check --runtime` killed with SIGKILL, and
 * one still running). Real engine, real binary (`npm run build` first).
 *
 * gc runs with --image, so it touches only this file's image: other test files' probes
 * run on the same engine meanwhile.
 */
import { spawnSync, execFile, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUSYBOX_PATH, buildTestImage, removeImages } from "../../fixtures/engine-images.js";
import { ownerMayLive } from "../../src/runtime/gc.js";
import { OWNER_LABEL, PURPOSE_LABEL, RUN_LABEL, RUNTIME_LABEL } from "../../src/runtime/labels.js";
import { runBin } from "../cli/run-bin.js";
import { containersOf, spawnCli, type CliRun } from "../cli/spawn-cli.js";
import { engine, imagePrefix } from "./helpers.js";

const exec = promisify(execFile);
const DOCKER = "/usr/bin/docker";
const docker = async (...args: string[]) => (await exec(DOCKER, args, { timeout: 60_000 })).stdout.trim();

let dir: string;
let image: string;
let imageId: string;
/** The labels the image's author wrote, as imgpolicy would have written them for a dead process. */
let forged: Record<string, string>;
/** The user's own container, run from the labelled image. */
let user: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-gc-foreign-"));
  const dead = spawnSync(process.execPath, ["-e", ""]).pid!; // a pid of this machine that has just ended
  forged = { [RUNTIME_LABEL]: "1", [RUN_LABEL]: "m0forged-00000000", [OWNER_LABEL]: `${hostname()}/${dead}`, [PURPOSE_LABEL]: "probe" };
  const label = Object.entries(forged)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(" ");
  image = `${imagePrefix("gc-foreign")}:labelled`;
  const built = await buildTestImage(engine, {
    tag: image,
    files: [{ path: "rootfs/bin/busybox", sourcePath: BUSYBOX_PATH, mode: 0o755 }],
    dockerfile: ["FROM scratch", "COPY rootfs/ /", `LABEL ${label}`, `ENTRYPOINT ["/bin/busybox", "sleep", "600"]`, ""].join("\n"),
  });
  imageId = built.id;
  // healthy only on a log line that never comes: the probe's container runs until the probe is killed
  await writeFile(join(dir, "wait.yaml"), "extends: base\nruntime:\n  health: { log: never printed }\n  startupTimeout: 300\n");
  user = await docker("run", "-d", image);
}, 180_000);

afterAll(async () => {
  if (user) await docker("rm", "-f", user).catch(() => undefined);
  // whatever else this file's image still has (a failed test's probe container): only this file made them
  for (const c of await engine.listContainers({ all: true })) {
    if (imageId && c.ImageID === imageId) await engine.removeContainer(c.Id, { force: true, volumes: true }).catch(() => undefined);
  }
  if (image) await removeImages(engine, [image]);
  await rm(dir, { recursive: true, force: true });
}, 60_000);

async function userContainer(): Promise<{ running: boolean; labels: Record<string, string> }> {
  const [state] = JSON.parse(await docker("inspect", user)) as { State: { Running: boolean }; Config: { Labels: Record<string, string> } }[];
  return { running: state!.State.Running, labels: state!.Config.Labels };
}

/**
 * `check --runtime` of the labelled image, as a child process; `atStart` is called once
 * its probe container has started, with the child and that container's id.
 */
function checkRuntime(atStart: (child: ChildProcess, pid: number) => Promise<void>): { run: Promise<CliRun>; acted: Promise<void> } {
  let act!: (p: Promise<void>) => void;
  const acted = new Promise<Promise<void>>((res) => (act = res)).then((p) => p);
  const run = spawnCli(["check", "--runtime", "--source", "engine", "--policy", join(dir, "wait.yaml"), image], {
    hardTimeoutMs: 150_000,
    onEvent: (action, child) => {
      if (action === "start") act(atStart(child, child.pid!));
    },
  });
  // a child that ends before its container starts must fail the test, not leave it waiting
  return { run, acted: Promise.race([acted, run.then((r) => Promise.reject(new Error(`the check ended before its container started:\n${r.stderr}`)))]) };
}

const idOf = (line: string) => line.split(" ")[0]!;

describe.sequential("gc and containers labelled by their image", () => {
  it("the user's container carries every imgpolicy label, as if a dead process had left it", async () => {
    const c = await userContainer();
    expect(c.running).toBe(true);
    expect(c.labels).toMatchObject(forged);
    expect(ownerMayLive(c.labels[OWNER_LABEL])).toBe(false); // labels alone: a leftover to remove
  });

  it("gc removes the container of a killed imgpolicy run of that image, and leaves the user's alone", async () => {
    let probe = "";
    const { run, acted } = checkRuntime(async (child, pid) => {
      [probe] = await containersOf(pid); // found by the owner label imgpolicy set: the image's was overridden
      child.kill("SIGKILL");
    });
    await acted;
    const killed = await run;
    expect(killed.signal).toBe("SIGKILL");
    expect(probe, "the probe's container was not found by its owner").toBeTruthy();
    const [left] = JSON.parse(await docker("inspect", idOf(probe))) as { Config: { Labels: Record<string, string> } }[];
    // imgpolicy's own values replaced every one of the image's
    expect(left!.Config.Labels[RUN_LABEL]).not.toBe(forged[RUN_LABEL]);
    expect(left!.Config.Labels[OWNER_LABEL]).toBe(`${hostname()}/${killed.pid}`);
    expect(left!.Config.Labels[RUNTIME_LABEL]).toBe("1");

    const gc = await runBin(["gc", "--image", image]);
    expect(gc.stderr).toBe("");
    expect(gc.code).toBe(0);
    expect(gc.stdout).toBe(
      `removed ${idOf(probe)}\n` +
        `left alone ${user.slice(0, 12)}: its imgpolicy labels come from its image, not from imgpolicy\n` +
        "1 container removed; 1 container with imgpolicy labels imgpolicy did not set left alone\n",
    );
    expect(await containersOf(killed.pid)).toEqual([]);
    expect((await userContainer()).running).toBe(true);
  }, 180_000);

  it("gc keeps a running imgpolicy probe of that image and --all removes it; the user's stays both times", async () => {
    let gc = { code: -1, stdout: "", stderr: "" };
    let gcAll = { code: -1, stdout: "", stderr: "" };
    let probe = "";
    const { run, acted } = checkRuntime(async (child, pid) => {
      // stopped, the check cannot go on (to a write probe, say) while gc runs; its process still lives
      child.kill("SIGSTOP");
      try {
        [probe] = await containersOf(pid);
        gc = await runBin(["gc", "--image", image]);
        gcAll = await runBin(["gc", "--all", "--image", image]);
      } finally {
        child.kill("SIGKILL");
      }
    });
    await acted;
    const r = await run;
    expect(probe, "the probe's container was not found by its owner").toBeTruthy();
    const userLine = `left alone ${user.slice(0, 12)}: its imgpolicy labels come from its image, not from imgpolicy\n`;
    expect(gc.stderr).toBe("");
    expect(gc.code).toBe(0);
    expect(gc.stdout).toBe(
      userLine +
        "no leftover runtime containers; 1 container of imgpolicy runs still in progress kept (--all removes them too); 1 container with imgpolicy labels imgpolicy did not set left alone\n",
    );
    expect(gcAll.stderr).toBe("");
    expect(gcAll.code).toBe(0);
    expect(gcAll.stdout).toBe(`removed ${idOf(probe)}\n${userLine}1 container removed; 1 container with imgpolicy labels imgpolicy did not set left alone\n`);
    expect(await containersOf(r.pid)).toEqual([]);
    expect((await userContainer()).running).toBe(true);
  }, 180_000);

  it("--image names an image the engine lacks: exit 2, one line", async () => {
    const r = await runBin(["gc", "--image", `${image}-absent`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`imgpolicy: image '${image}-absent' is not in the local engine\n`);
  });
});
