/**
 * check() with the runtime: an image written as an OCI layout, a fake probe injected
 * through CheckOptions.probe (the real engine runs are test/runtime's). What is tested
 * here is check()'s part: when the probe is called and with what, which rules run,
 * how the runtime section reaches the rules, and the figures in the report.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage } from "../../fixtures/image-writer.js";
import { blobPath, writeOciLayout } from "../../fixtures/oci-layout-writer.js";
import { EngineClient } from "../../src/engine/client.js";
import { check, exitStatus, type ProbeImage, type RuntimeProbe } from "../../src/policies/check.js";
import type { ResolvedPolicy } from "../../src/policies/policy-types.js";
import type { ImageReport, RuleResult } from "../../src/policies/report-types.js";
import { RULES } from "../../src/policies/rules/index.js";
import { rule as capabilities } from "../../src/policies/rules/runtime-capabilities.js";
import { rule as commandTests } from "../../src/policies/rules/runtime-command-tests.js";
import { rule as healthy } from "../../src/policies/rules/runtime-healthy.js";
import { rule as readOnly } from "../../src/policies/rules/runtime-read-only.js";
import { rule as stayUp } from "../../src/policies/rules/runtime-stays-up.js";
import { rule as stop } from "../../src/policies/rules/runtime-stop.js";
import { rule as user } from "../../src/policies/rules/runtime-user.js";
import type { RuntimeFacts, RuntimeSpec } from "../../src/runtime/runtime-types.js";

/** The registry with the runtime rules in it, whether or not index.ts lists them yet. */
const ours = [healthy, stayUp, readOnly, user, capabilities, stop, commandTests];
const rules = [...RULES.filter((r) => !ours.some((o) => o.id === r.id)), ...ours];
const RUN_IDS = ours.map((r) => r.id);

const PASSWD = "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n";

let dir: string;
let app: string;
let other: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-runtime-check-"));
  const files = [{ path: "/etc/passwd", content: PASSWD }, { path: "/app", content: "#!/app\n", mode: 0o755 }];
  const image = buildImage({
    layers: [{ files }],
    config: {
      User: "65532:65532",
      Entrypoint: ["/app"],
      ExposedPorts: { "8080/tcp": {} },
      StopSignal: "SIGQUIT",
      Healthcheck: { Test: ["CMD", "/app", "health"], Interval: 2e9 },
    },
  });
  app = `oci:${join(dir, "app")}:1`;
  other = `oci:${join(dir, "other")}:1`;
  await writeOciLayout(join(dir, "app"), [{ image, refName: "1" }]);
  await writeOciLayout(join(dir, "other"), [{ image: buildImage({ layers: [{ files }], config: { Cmd: ["/app"] } }), refName: "1" }]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const policy = (runtime?: Record<string, unknown>): ResolvedPolicy => ({ sources: ["test"], failOn: "high", rules: {}, waivers: [], ...(runtime ? { runtime } : {}) });

function goodRun(): RuntimeFacts {
  return {
    status: "ran",
    profile: { readOnly: true, tmpfs: ["/tmp"], capDrop: ["ALL"], capAdd: [], noNewPrivileges: true },
    health: { method: "healthcheck", healthy: true, timeToHealthyMs: 2100 },
    stayedUp: true,
    identity: { uid: 65532, gid: 65532, capEff: "0000000000000000", capabilities: [] },
    stop: { signal: "SIGTERM", exitCode: 0, timeToStopMs: 80, killed: false },
    peakMemoryBytes: 5_242_880,
  };
}

interface Call {
  ref: string;
  spec: RuntimeSpec;
  image: ProbeImage;
  signal?: AbortSignal;
}

/** A fake probe that records its calls and answers with `answer(ref)`. */
function fakeProbe(answer: (ref: string) => RuntimeFacts | Error = () => goodRun()) {
  const calls: Call[] = [];
  const probe: RuntimeProbe = async (opened, spec, image, opts) => {
    const ref = opened.reference;
    calls.push({ ref, spec, image, ...(opts.signal ? { signal: opts.signal } : {}) });
    const a = answer(ref);
    if (a instanceof Error) throw a;
    return a;
  };
  return { calls, probe };
}

const runtimeResults = (img: ImageReport): RuleResult[] => img.results.filter((r) => r.category === "runtime" && RUN_IDS.includes(r.rule));
const result = (img: ImageReport, id: string): RuleResult => img.results.find((r) => r.rule === id)!;

describe("check() and the runtime", () => {
  it("without --runtime: no probe, the runtime rules say how to get them, no figures", async () => {
    const { calls, probe } = fakeProbe();
    const report = await check([app], { policy: policy(), rules, probe });
    expect(calls).toEqual([]);
    const img = report.images[0]!;
    expect(img.error).toBeUndefined();
    expect(runtimeResults(img).map((r) => `${r.rule} ${r.status} ${r.reason}`)).toEqual(RUN_IDS.map((id) => `${id} skip not run: pass --runtime`));
    expect(img.runtime).toBeUndefined();
    expect(result(img, "IMG-USER-001").status).toBe("pass");
  });

  it("with runtime: calls the probe once per image with the resolved spec and the image config, and reports the figures", async () => {
    const { calls, probe } = fakeProbe();
    const user = new AbortController();
    const report = await check([app, other], { policy: policy(), rules, probe, runtime: true, signal: user.signal });
    expect(calls.map((c) => c.ref).sort()).toEqual([app, other].sort());
    const call = calls.find((c) => c.ref === app)!;
    expect(call.spec).toEqual({
      readOnly: true,
      tmpfs: ["/tmp"],
      capDrop: ["ALL"],
      capAdd: [],
      noNewPrivileges: true,
      startupTimeout: 30,
      stayUp: 3,
      stop: { signal: "SIGTERM", gracePeriod: 10, allowedExitCodes: [0, 143] },
      writeProbe: true,
    });
    expect(call.image).toEqual({
      healthcheck: { kind: "cmd", test: ["/app", "health"], intervalSeconds: 2 },
      exposedPorts: ["8080/tcp"],
      stopSignal: "SIGQUIT",
      user: "65532:65532",
    });
    // the probe's signal follows the caller's (and also aborts when the static part fails)
    expect(call.signal?.aborted).toBe(false);
    user.abort();
    expect(call.signal?.aborted).toBe(true);
    expect(calls.find((c) => c.ref === other)!.image).toEqual({ healthcheck: { kind: "none" }, exposedPorts: [] });
    const img = report.images.find((i) => i.reference === app)!;
    expect(runtimeResults(img).map((r) => `${r.rule} ${r.status}`)).toEqual([
      "IMG-RUN-001 pass",
      "IMG-RUN-002 pass",
      "IMG-RUN-003 pass",
      "IMG-RUN-004 pass",
      "IMG-RUN-005 pass",
      "IMG-RUN-006 pass",
      "IMG-RUN-007 skip",
    ]);
    expect(img.runtime).toEqual({ status: "ran", healthMethod: "healthcheck", healthy: true, timeToHealthyMs: 2100, peakMemoryBytes: 5_242_880, timeToStopMs: 80, stopExitCode: 0, killed: false });
    expect(img.results.length).toBeGreaterThan(RUN_IDS.length);
  });

  it("--runtime-only: only the runtime rules, and the probe still gets the image config", async () => {
    const { calls, probe } = fakeProbe();
    const report = await check([app], { policy: policy(), rules, probe, runtimeOnly: true });
    const img = report.images[0]!;
    expect(calls).toHaveLength(1);
    expect(calls[0]!.image.user).toBe("65532:65532");
    expect(img.results.every((r) => r.category === "runtime")).toBe(true);
    expect(img.results.map((r) => r.rule)).toEqual(expect.arrayContaining(RUN_IDS));
    expect(img.passed).toBe(true);
  });

  it("the policy's runtime section reaches the probe and the rules' messages", async () => {
    const { calls, probe } = fakeProbe(() => ({
      ...goodRun(),
      health: { method: "http", healthy: false, detail: "GET :8080/ready answered 503" },
      stop: undefined,
    }));
    const spec = { startupTimeout: 12, tmpfs: ["/tmp", "/run"], capAdd: ["NET_BIND_SERVICE"], health: { http: { port: 8080, path: "/ready" } }, stop: { allowedExitCodes: [0, 2] } };
    const report = await check([app], { policy: policy(spec), rules, probe, runtime: true });
    expect(calls[0]!.spec).toMatchObject({ ...spec, readOnly: true, stop: { signal: "SIGTERM", gracePeriod: 10, allowedExitCodes: [0, 2] } });
    const img = report.images[0]!;
    const h = result(img, "IMG-RUN-001");
    expect(h.status).toBe("fail");
    expect(h.severity).toBe("critical");
    expect(h.findings[0]!.message).toBe("The container did not become healthy within 12 s: waited for an HTTP answer (GET :8080/ready answered 503).");
    expect(img.passed).toBe(false);
    expect(exitStatus(report)).toBe(1);
  });

  it("the exit codes the runtime section allows decide IMG-RUN-006", async () => {
    const { probe } = fakeProbe(() => ({ ...goodRun(), stop: { signal: "SIGTERM", exitCode: 2, timeToStopMs: 50, killed: false } }));
    const allowed = await check([app], { policy: policy({ stop: { allowedExitCodes: [0, 2] } }), rules, probe, runtime: true });
    expect(result(allowed.images[0]!, "IMG-RUN-006").status).toBe("pass");
    const strict = await check([app], { policy: policy(), rules, probe, runtime: true });
    expect(result(strict.images[0]!, "IMG-RUN-006").findings[0]!.message).toMatch(/exited after 50 ms with code 2, which is not a clean stop \(allowed: 0, 143\)/);
  });

  it("not run (no engine): the runtime rules skip with the probe's reason, and the figures say why", async () => {
    const { probe } = fakeProbe(() => ({ status: "not-run", reason: "not run: no container engine at unix:///nonexistent" }));
    const report = await check([app], { policy: policy(), rules, probe, runtime: true });
    const img = report.images[0]!;
    expect(new Set(runtimeResults(img).map((r) => `${r.status} ${r.reason}`))).toEqual(new Set(["skip not run: no container engine at unix:///nonexistent"]));
    expect(img.runtime).toEqual({ status: "not-run", reason: "not run: no container engine at unix:///nonexistent" });
    expect(exitStatus(report)).toBe(0);
  });

  it("a probe that throws (a bad runtime section for this image) makes that image an error, not a pass", async () => {
    const { probe } = fakeProbe((ref) => (ref === app ? new Error("runtime.health.healthcheck is set, but the image has no HEALTHCHECK") : goodRun()));
    const report = await check([app, other], { policy: policy(), rules, probe, runtime: true });
    const bad = report.images.find((i) => i.reference === app)!;
    expect(bad).toMatchObject({ error: "runtime.health.healthcheck is set, but the image has no HEALTHCHECK", results: [], passed: false });
    expect(report.images.find((i) => i.reference === other)!.error).toBeUndefined();
    expect(exitStatus(report)).toBe(2);
  });

  it("a run already started is stopped when the image's layers turn out unreadable", async () => {
    const bad = join(dir, "corrupt");
    const image = buildImage({ layers: [{ files: [{ path: "/app", content: "#!/app\n", mode: 0o755 }] }], config: { Cmd: ["/app"] } });
    await writeOciLayout(bad, [{ image, refName: "x" }]);
    const blob = join(bad, blobPath(image.layers[0]!.digest));
    const bytes = await readFile(blob);
    bytes[bytes.length - 20] ^= 0xff; // the blob no longer matches its digest
    await writeFile(blob, bytes);
    let seen: AbortSignal | undefined;
    const probe: RuntimeProbe = (_ref, _spec, _image, o) =>
      new Promise((resolve) => {
        seen = o.signal;
        o.signal?.addEventListener("abort", () => resolve({ status: "not-run", reason: "aborted" }));
      });
    const report = await check([`oci:${bad}:x`], { policy: policy(), rules, probe, runtime: true });
    expect(report.images[0]!.error).toMatch(/digest|mismatch|corrupt|layer/i);
    expect(seen?.aborted).toBe(true);
  });

  it("hands the probe the image it opened, and the engine the caller gave", async () => {
    const engine = new EngineClient({ host: "unix:///nonexistent/docker.sock" }); // never asked: the image is a layout
    const seen: { reference?: string; digest?: string; engine?: EngineClient } = {};
    const probe: RuntimeProbe = async (image, _spec, _facts, o) => {
      Object.assign(seen, { reference: image.reference, digest: await image.digest(), engine: o.engine });
      return goodRun();
    };
    await check([app], { policy: policy(), rules, probe, runtime: true, engine });
    expect(seen.reference).toBe(app);
    expect(seen.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(seen.engine).toBe(engine);
  });

  it("an image that cannot be read is never run", async () => {
    const { calls, probe } = fakeProbe();
    const report = await check([`oci:${join(dir, "missing")}`], { policy: policy(), rules, probe, runtime: true });
    expect(report.images[0]!.error).toBeTruthy();
    expect(calls).toEqual([]);
  });
});
