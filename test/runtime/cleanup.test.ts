/**
 * Never leak a container: a process interrupted mid-probe removes its containers before
 * it dies, and gc removes what a process that died harder left behind.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { GenericContainer } from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBusyboxBase } from "../../fixtures/engine-images.js";
import { buildBehaviourImages, removeBehaviourImages, type BehaviourImages } from "../../fixtures/runtime/behaviour-images.js";
import { gcRuntimeContainers } from "../../src/runtime/gc.js";
import { probeRef } from "./probe-ref.js";
import { NeverPull } from "../../src/runtime/hardened-container.js";
import { OWNER_LABEL, ownerLabel, RUN_LABEL, RUNTIME_LABEL } from "../../src/runtime/labels.js";
import { engine, imagePrefix, leftovers, orphans } from "./helpers.js";

const root = resolve(".");
const outDir = join(root, ".cache", `runtime-child-${process.pid}`);
const childJs = join(outDir, "test", "runtime", "probe-child.js");

let images: BehaviourImages;
beforeAll(async () => {
  // Node 20 cannot run TypeScript: compile the child (and what it imports) first.
  await mkdir(outDir, { recursive: true });
  await writeFile(
    join(outDir, "tsconfig.json"),
    JSON.stringify({
      extends: join(root, "tsconfig.json"),
      compilerOptions: { rootDir: root, outDir, declaration: false, sourceMap: false, noEmit: false },
      include: [],
      files: [join(root, "test", "runtime", "probe-child.ts")],
    }),
  );
  const tsc = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(outDir, "tsconfig.json")], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (tsc.status !== 0) throw new Error(`compiling the probe child failed:\n${tsc.stdout}${tsc.stderr}`);
  images = await buildBehaviourImages(engine, imagePrefix("cleanup"));
}, 180_000);
afterAll(async () => {
  expect(await leftovers()).toEqual([]);
  expect(await orphans()).toEqual([]);
  await removeBehaviourImages(engine, images);
  await rm(outDir, { recursive: true, force: true });
});

/** Runs the child until it prints READY, sends `signal`, and waits for it to end. */
async function interruptMidProbe(signal: NodeJS.Signals) {
  const child = spawn(process.execPath, [childJs, images.nonroot], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env } });
  let out = "";
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on("exit", (code, sig) => res({ code, signal: sig })),
  );
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`the child never became ready:\n${out}\n${err}`)), 45_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("READY")) {
        clearTimeout(timer);
        res();
      }
    });
    child.on("exit", () => rej(new Error(`the child ended before it was ready:\n${out}\n${err}`)));
  });
  const during = await leftovers(child.pid);
  child.kill(signal);
  const end = await Promise.race([exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error("the child did not end")), 30_000))]);
  return { during, end, out, after: await leftovers(child.pid) };
}

describe.concurrent("cleanup", () => {
  it.each(["SIGINT", "SIGTERM"] as const)("removes the probe's container when the process gets %s mid-run", async (signal) => {
    const r = await interruptMidProbe(signal);
    expect(r.during).toHaveLength(1); // the probe was really running a container
    expect(r.end.signal).toBe(signal); // cleaned up, then died of the signal as it would have
    expect(r.out).not.toContain("FINISHED");
    expect(r.after).toEqual([]);
  }, 90_000);

  it("removes the container when the caller aborts mid-run", async () => {
    const controller = new AbortController();
    let during: string[] = [];
    const probe = probeRef(
      images.nonroot,
      { health: { http: { port: 8080, path: "/health" } }, stayUp: 120 },
      undefined,
      {
        signal: controller.signal,
        onLog: (line) => {
          if (!line.includes("listening")) return;
          void leftovers().then((l) => {
            during = l;
            controller.abort(new Error("enough"));
          });
        },
      },
    );
    await expect(probe).rejects.toThrow("enough");
    const mine = (list: string[]) => list.filter((c) => c.includes(images.nonroot)); // the gc test runs alongside
    expect(mine(during)).toHaveLength(1);
    expect(mine(await leftovers())).toEqual([]);
  }, 60_000);

  it("gc removes a probe container whose process died, and keeps a live process's", async () => {
    const dead = spawnSync(process.execPath, ["-e", ""]).pid; // a pid that has just ended
    const base = await ensureBusyboxBase(engine);
    const start = (owner: string) =>
      new GenericContainer(base)
        .withCommand(["sleep", "300"])
        .withPullPolicy(new NeverPull())
        .withAutoCleanup(false)
        .withLabels({ [RUNTIME_LABEL]: "1", [RUN_LABEL]: "left-on-purpose", [OWNER_LABEL]: owner })
        .start();
    const orphan = await start(ownerLabel(dead));
    const mine = await start(ownerLabel());
    try {
      const result = await gcRuntimeContainers(engine);
      expect(result.removed).toContain(orphan.getId());
      expect(result.kept).toContain(mine.getId());
      expect(result.failed).toEqual([]);
      const left = (await engine.listContainers({ all: true, label: `${RUN_LABEL}=left-on-purpose` })).map((c) => c.Id);
      expect(left).toEqual([mine.getId()]);
    } finally {
      await engine.removeContainer(mine.getId(), { force: true }).catch(() => undefined);
      await engine.removeContainer(orphan.getId(), { force: true }).catch(() => undefined);
    }
  }, 60_000);
});
