import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.js";
import { ownerMayLive } from "./gc.js";
import { HEALTHCHECK_CADENCE_MS, healthcheckCadence, normaliseSignal, parseMemory, resolvePlan } from "./profile.js";
import { writtenPaths } from "./writes.js";

const withHealthcheck = { healthcheck: { kind: "cmd" as const, test: ["/app", "-probe"] } };

describe("resolvePlan", () => {
  it("hardens by default", () => {
    const p = resolvePlan({}, { user: "65532", exposedPorts: ["8080/tcp"] });
    expect(p.profile).toEqual({ readOnly: true, tmpfs: ["/tmp"], capDrop: ["ALL"], capAdd: [], noNewPrivileges: true, user: "65532" });
    expect(p.userOverride).toBeUndefined(); // the image's own USER applies
    expect(p).toMatchObject({ startupTimeoutMs: 30_000, stayUpMs: 3000, stopSignal: "SIGTERM", graceSeconds: 10, writeProbe: true });
  });

  it("picks health: the spec's, else HEALTHCHECK, else exposed TCP ports, else running", () => {
    expect(resolvePlan({ health: { http: { port: 80, path: "health" } } }, withHealthcheck).health).toEqual({
      method: "http", port: 80, path: "/health", status: 200, tls: false,
    });
    expect(resolvePlan({ health: { log: "ready" } }, {}).health).toMatchObject({ method: "log" });
    expect(resolvePlan({}, { ...withHealthcheck, exposedPorts: ["8080/tcp"] }).health).toEqual({ method: "healthcheck" });
    expect(resolvePlan({}, { healthcheck: { kind: "disabled" }, exposedPorts: ["53/udp", "8080/tcp", "9090"] }).health).toEqual({ method: "tcp", ports: [8080, 9090] });
    expect(resolvePlan({}, { exposedPorts: ["53/udp"] }).health).toEqual({ method: "running" });
  });

  it("publishes exposed ports and the health port", () => {
    expect(resolvePlan({ health: { tcp: { port: 9000 } } }, { exposedPorts: ["8080/tcp", "53/udp"] }).ports).toEqual(["53/udp", "8080/tcp", "9000/tcp"]);
  });

  it("waits long enough for a slow HEALTHCHECK's first run unless told otherwise", () => {
    expect(resolvePlan({}, withHealthcheck).startupTimeoutMs).toBe(40_000);
    const slow = { healthcheck: { kind: "cmd" as const, intervalSeconds: 60, startPeriodSeconds: 20 } };
    expect(resolvePlan({}, slow).startupTimeoutMs).toBe(90_000);
    expect(resolvePlan({ startupTimeout: 5 }, slow).startupTimeoutMs).toBe(5000);
  });

  it("runs a slow HEALTHCHECK on the probe's cadence, counting failures only from when the image's own schedule would", () => {
    // the example service: --interval=10s --start-period=5s --retries=3 → unhealthy at 30 s at the earliest
    const example = { kind: "cmd" as const, test: ["/hello-service", "health"], intervalSeconds: 10, startPeriodSeconds: 5, retries: 3 };
    expect(resolvePlan({}, { healthcheck: example }).healthcheckCadence).toEqual({ intervalMs: HEALTHCHECK_CADENCE_MS, startPeriodMs: 30_000 });
    // the engine's defaults (30 s, 3 retries); a start period longer than one interval
    expect(healthcheckCadence({ kind: "cmd" })).toEqual({ intervalMs: HEALTHCHECK_CADENCE_MS, startPeriodMs: 90_000 });
    expect(healthcheckCadence({ kind: "cmd-shell", intervalSeconds: 10, startPeriodSeconds: 25, retries: 1 })?.startPeriodMs).toBe(30_000);
    // already that fast: left as the image has it
    expect(healthcheckCadence({ kind: "cmd", intervalSeconds: 0.1 })).toBeUndefined();
    // only when the image's HEALTHCHECK judges health
    expect(resolvePlan({ health: { http: { port: 8080 } } }, { healthcheck: example }).healthcheckCadence).toBeUndefined();
    expect(resolvePlan({}, { exposedPorts: ["8080/tcp"] }).healthcheckCadence).toBeUndefined();
  });

  it("takes the image's StopSignal unless the spec names one", () => {
    expect(resolvePlan({}, { stopSignal: "SIGQUIT" }).stopSignal).toBe("SIGQUIT");
    expect(resolvePlan({ stop: { signal: "2" } }, { stopSignal: "SIGQUIT" }).stopSignal).toBe("SIGINT");
  });

  it("refuses what cannot work, as usage errors", () => {
    expect(() => resolvePlan({ health: { healthcheck: true } }, {})).toThrow(/the image has no HEALTHCHECK/);
    expect(() => resolvePlan({ health: { log: "(" } }, {})).toThrow(UsageError);
    expect(() => resolvePlan({ health: { http: { port: 70000 } } }, {})).toThrow(/not a port number/);
    expect(() => resolvePlan({ tmpfs: ["tmp"] }, {})).toThrow(/not an absolute path/);
    expect(() => resolvePlan({ cpus: 0 }, {})).toThrow(/above 0/);
    expect(() => resolvePlan({ stayUp: -1 }, {})).toThrow(/seconds/);
  });

  it("parses memory sizes and signal names", () => {
    expect(parseMemory("256m")).toBe(256 * 1024 ** 2);
    expect(parseMemory("1g")).toBe(1024 ** 3);
    expect(parseMemory("512Mi")).toBe(512 * 1024 ** 2);
    expect(parseMemory("1.5g")).toBe(1.5 * 1024 ** 3);
    expect(() => parseMemory("lots")).toThrow(/not a size/);
    expect(() => parseMemory("1m")).toThrow(/minimum/);
    expect(normaliseSignal("term")).toBe("SIGTERM");
    expect(normaliseSignal("SIGUSR1")).toBe("SIGUSR1");
    expect(normaliseSignal("9")).toBe("SIGKILL");
  });
});

describe("writtenPaths", () => {
  it("leaves out tmpfs mounts and engine mount points, and names kinds", () => {
    const changes = [
      { Path: "/tmp", Kind: 1 as const },
      { Path: "/tmp/x", Kind: 1 as const },
      { Path: "/run/app.pid", Kind: 1 as const },
      { Path: "/var/lib/app/state", Kind: 1 as const },
      { Path: "/var/lib", Kind: 0 as const },
      { Path: "/etc/hosts", Kind: 1 as const },
      { Path: "/etc/motd", Kind: 2 as const },
      { Path: "/tmpfoo", Kind: 1 as const },
    ];
    expect(writtenPaths(changes, ["/tmp", "/run/"])).toEqual([
      { path: "/etc/motd", kind: "deleted" },
      { path: "/tmpfoo", kind: "added" },
      { path: "/var/lib", kind: "changed" },
      { path: "/var/lib/app/state", kind: "added" },
    ]);
  });
});

describe("gc owners", () => {
  it("keeps containers of live local processes and of other machines", () => {
    expect(ownerMayLive(`h/${process.pid}`, "h")).toBe(true);
    expect(ownerMayLive("other-host/1", "h")).toBe(true);
    expect(ownerMayLive("h/999999999", "h")).toBe(false);
    expect(ownerMayLive(undefined, "h")).toBe(false);
    expect(ownerMayLive("garbage", "h")).toBe(false);
  });
});
