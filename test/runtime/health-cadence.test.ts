/**
 * The probe runs an image's own HEALTHCHECK on its own short cadence: the container it
 * starts keeps the image's command, timeout and retries, with a 250 ms interval and a start
 * period up to when the image's own schedule would first count a failure. The image here
 * checks every 10 s with one retry and no start period, and its service listens only after
 * 1.5 s: on the image's schedule it is healthy at 10 s; on the probe's, failures before it
 * listens must not count (with one retry, the first would make it unhealthy), and it is
 * healthy once it listens.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_PORT, buildBehaviour, NONROOT_UID } from "../../fixtures/runtime/behaviour-images.js";
import { buildTestImage, removeImages } from "../../fixtures/engine-images.js";
import { inspectContainer } from "../../src/engine/containers.js";
import { OWNER_LABEL, ownerLabel, RUN_LABEL } from "../../src/runtime/labels.js";
import { probeRef } from "./probe-ref.js";
import { HEALTHCHECK_CADENCE_MS } from "../../src/runtime/profile.js";
import { engine, imagePrefix, leftovers, orphans } from "./helpers.js";

const IMAGE_TEST = ["CMD", "/app", "-probe"];
const SECOND_NS = 1e9;
let image: string;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "imgpolicy-cadence-"));
  try {
    const binary = await buildBehaviour(dir);
    image = `${imagePrefix("cadence")}:slow-healthcheck`;
    await buildTestImage(engine, {
      tag: image,
      files: [
        { path: "app", sourcePath: binary, mode: 0o755 },
        { path: "passwd", content: `nonroot:x:${NONROOT_UID}:${NONROOT_UID}::/:/sbin/nologin\n` },
      ],
      dockerfile: [
        "FROM scratch",
        "COPY app /app",
        "COPY passwd /etc/passwd",
        `USER ${NONROOT_UID}:${NONROOT_UID}`,
        `EXPOSE ${APP_PORT}`,
        `HEALTHCHECK --interval=10s --timeout=3s --retries=1 CMD ${JSON.stringify(IMAGE_TEST.slice(1))}`,
        `ENTRYPOINT ["/app"]`,
        `CMD ["-listen-after=1500ms"]`,
        "",
      ].join("\n"),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 180_000);

afterAll(async () => {
  expect(await leftovers()).toEqual([]);
  expect(await orphans()).toEqual([]);
  if (image) await removeImages(engine, [image]);
});

interface LiveHealthcheck {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
}

/** The Healthcheck config of this process's probe container of image `imageId`, read while it runs. */
async function liveHealthcheck(imageId: string): Promise<LiveHealthcheck | undefined> {
  const list = await engine.listContainers({ label: [RUN_LABEL, `${OWNER_LABEL}=${ownerLabel()}`] });
  // by image ID: the probe may create it by the config digest rather than by this tag
  const mine = list.find((c) => (c as unknown as { ImageID: string }).ImageID === imageId);
  if (!mine) return undefined;
  const full = (await inspectContainer(engine, mine.Id)) as unknown as { Config: { Healthcheck?: LiveHealthcheck } };
  return full.Config.Healthcheck;
}

describe("the image's HEALTHCHECK on the probe's cadence", () => {
  it("runs the image's own command every 250 ms and sees it healthy once it listens", async () => {
    const image10s = await engine.imageInspect(image);
    const imageId = image10s.Id;
    expect((image10s.Config as { Healthcheck?: LiveHealthcheck }).Healthcheck).toMatchObject({ Test: IMAGE_TEST, Interval: 10 * SECOND_NS, Retries: 1 });
    let live: Promise<LiveHealthcheck | undefined> | undefined;
    const f = await probeRef(image, { stayUp: 1, writeProbe: false, stop: { gracePeriod: 5 } }, undefined, {
      onLog: (line) => {
        if (!live && line.includes("listening on")) live = liveHealthcheck(imageId);
      },
    });
    console.log("cadence figures", JSON.stringify({ health: f.health }));
    expect(f.status).toBe("ran");
    expect(f.health).toMatchObject({ method: "healthcheck", healthy: true });
    expect(f.health?.timeToHealthyMs).toBeGreaterThanOrEqual(0);
    expect(f.stayedUp).toBe(true);
    expect(f.stop).toMatchObject({ exitCode: 0, killed: false });
    expect(live).toBeDefined();
    // the image's command, timeout and retries; the probe's interval; failures count from 10 s (1 × 10 s)
    // (an engine of API 1.44 or later also shows StartInterval; this one, 20.10, ignores it)
    expect(await live).toMatchObject({
      Test: IMAGE_TEST,
      Timeout: 3 * SECOND_NS,
      Retries: 1,
      Interval: HEALTHCHECK_CADENCE_MS * 1e6,
      StartPeriod: 10 * SECOND_NS,
    });
  }, 90_000);

  it("says what the image's command answered when it never passes within the startup timeout", async () => {
    const f = await probeRef(image, { command: ["-unhealthy"], startupTimeout: 3, writeProbe: false, stop: { gracePeriod: 5 } });
    expect(f.health).toMatchObject({ method: "healthcheck", healthy: false });
    // inside the start period a failure does not make it unhealthy: the detail is the last run's answer
    expect(f.health?.detail).toMatch(/^not healthy after 3s: health check starting; its last run exited 1: probe: status 500$/);
    expect(f.stop).toMatchObject({ exitCode: 0, killed: false });
  }, 90_000);
});
