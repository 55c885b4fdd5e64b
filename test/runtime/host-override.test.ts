/**
 * The probe names testcontainers' host (127.0.0.1) for testcontainers' first client only,
 * and leaves the process environment as it found it, also when two probes start at once.
 * This file does not import ./helpers.js, which sets the variable for the other files.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureBusyboxBase } from "../../fixtures/engine-images.js";
import { EngineClient } from "../../src/engine/client.js";
import { probeRef } from "./probe-ref.js";
import { RUNTIME_LABEL } from "../../src/runtime/labels.js";

const engine = new EngineClient();
let busybox: string;
let saved: string | undefined;
beforeAll(async () => {
  process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
  saved = process.env.TESTCONTAINERS_HOST_OVERRIDE;
  delete process.env.TESTCONTAINERS_HOST_OVERRIDE;
  busybox = await ensureBusyboxBase(engine);
}, 180_000);
afterAll(() => {
  if (saved !== undefined) process.env.TESTCONTAINERS_HOST_OVERRIDE = saved;
});

it("runs two probes at once and leaves TESTCONTAINERS_HOST_OVERRIDE unset", async () => {
  const spec = { command: ["sleep", "30"], stayUp: 0, writeProbe: false, stop: { gracePeriod: 1 } };
  const [a, b] = await Promise.all([probeRef(busybox, spec), probeRef(busybox, spec)]);
  expect([a.status, b.status]).toEqual(["ran", "ran"]);
  expect(a.health?.healthy).toBe(true);
  expect(process.env.TESTCONTAINERS_HOST_OVERRIDE).toBeUndefined();
  const left = await engine.listContainers({ all: true, label: `${RUNTIME_LABEL}=1` });
  expect(left.filter((c) => c.Image === busybox)).toEqual([]);
}, 120_000);
