import { describe, expect, it } from "vitest";
import type { Facts } from "../../inspect/facts/types.js";
import type { RuntimeFacts } from "../../runtime/runtime-types.js";
import { resolveRuntimeSpec, withRuntimeDefaults } from "../runtime-spec.js";
import { rule as capabilities, decodeCapEff } from "./runtime-capabilities.js";
import { rule as commandTests } from "./runtime-command-tests.js";
import { rule as healthy } from "./runtime-healthy.js";
import { mountsFor, rule as readOnly } from "./runtime-read-only.js";
import { rule as stayUp } from "./runtime-stays-up.js";
import { rule as stop } from "./runtime-stop.js";
import { rule as user } from "./runtime-user.js";
import { notRunReason } from "./runtime-helpers.js";
import { entrypointAt, elf, facts, run, userFacts, type DeepPartial } from "./test-facts.js";
import { table } from "./test-rule-table.js";

const RUNTIME_RULES = [healthy, stayUp, readOnly, user, capabilities, stop, commandTests];

/** A run that went well: healthy over HTTP, stayed up, non-root, no capabilities, stopped with 0. */
function goodRun(): RuntimeFacts {
  return {
    status: "ran",
    profile: { readOnly: true, tmpfs: ["/tmp"], capDrop: ["ALL"], capAdd: [], noNewPrivileges: true },
    health: { method: "http", healthy: true, timeToHealthyMs: 850, detail: "GET :8080/health" },
    stayedUp: true,
    restarts: 0,
    logTail: ["listening on :8080"],
    identity: { uid: 65532, gid: 65532, capEff: "0000000000000000", capabilities: [], noNewPrivs: true },
    stop: { signal: "SIGTERM", exitCode: 0, timeToStopMs: 120, killed: false },
    peakMemoryBytes: 12_000_000,
  };
}

/** Facts of an exec-form /app image that ran; `rt` deep-merges over the good run. */
const ran = (rt: DeepPartial<RuntimeFacts> = {}, ...more: DeepPartial<Facts>[]): Facts =>
  facts(entrypointAt("/app", elf()), { runtime: goodRun() }, { runtime: rt }, ...more);

const writes = (...ws: [string, "added" | "changed" | "deleted"][]) => ws.map(([path, kind]) => ({ path, kind }));
const notAsked = facts();
const noEngine = facts({ runtime: { status: "not-run", reason: "no container engine: cannot reach unix:///nonexistent" } });
const crashed = { health: { healthy: false, timeToHealthyMs: undefined }, stayedUp: undefined, exited: { exitCode: 1, afterMs: 420 }, stop: undefined };
const notRunCases = (what: string) => [
  { name: `${what}: static check only`, facts: notAsked, status: "skip" as const, text: "not run: pass --runtime" },
  { name: `${what}: no engine`, facts: noEngine, status: "skip" as const, text: "not run: no container engine: cannot reach unix:///nonexistent" },
];

table(healthy, [
  ...notRunCases("healthy"),
  { name: "healthy over HTTP", facts: ran(), status: "pass" },
  {
    name: "exited at once: exit code, meaning and last log lines",
    facts: ran({ ...crashed, exited: { exitCode: 127, afterMs: 90 }, logTail: ["starting", "exec /app: no such file or directory"] }),
    status: "fail",
    text: /exited with code 127 \(command not found.*\) 90 ms after it started, before it became healthy\. Last log lines: "starting" \| "exec \/app: no such file or directory"\./,
    location: { config: "Entrypoint" },
  },
  {
    name: "OOM-killed",
    facts: ran({ ...crashed, exited: { exitCode: 137, afterMs: 2500, oomKilled: true }, logTail: [] }),
    status: "fail",
    text: /code 137 \(killed by the kernel's OOM killer.*\) 2\.5 s after/,
  },
  {
    name: "SIGKILL under the memory limit, OOM kill not confirmed by the engine: still a failure, and says so",
    facts: ran({ ...crashed, exited: { exitCode: 137, afterMs: 2500, oomUnconfirmed: true }, logTail: [] }),
    status: "fail",
    text: /code 137 \(killed \(SIGKILL\) under its memory limit; the engine did not confirm an OOM kill: .*\) 2\.5 s after/,
  },
  {
    name: "exit code 0: the command finished",
    facts: ran({ ...crashed, exited: { exitCode: 0, afterMs: 30 } }),
    status: "fail",
    text: /A service must keep running; the command finished instead/,
  },
  {
    name: "crash under a read-only root that writes: points to IMG-RUN-003",
    facts: ran({ ...crashed, writes: [{ path: "/var/lib/app/state.db", kind: "added" }] }),
    status: "fail",
    text: /see IMG-RUN-003/,
  },
  {
    name: "crash that fails writable too: no pointer to IMG-RUN-003",
    facts: ran({ ...crashed, writes: writes(["/var/lib/app/state.db", "added"]), writableRun: { healthy: false, exitCode: 1 } }),
    status: "fail",
    text: /^(?!.*IMG-RUN-003).*exited with code 1/,
  },
  {
    name: "never healthy: wait method, detail and the timeout",
    facts: ran({ health: { healthy: false, detail: "GET :8080/health answered 503" }, stayedUp: undefined, stop: undefined, logTail: ["db not reachable"] }),
    options: { startupTimeout: 45 },
    status: "fail",
    text: /did not become healthy within 45 s: waited for an HTTP answer \(GET :8080\/health answered 503\)\. Last log line: "db not reachable"\./,
  },
  {
    name: "HEALTHCHECK never healthy: default timeout, location Healthcheck",
    facts: ran({ health: { method: "healthcheck", healthy: false, detail: undefined }, logTail: undefined }),
    status: "fail",
    text: /within 30 s: waited for the image's HEALTHCHECK to report healthy\.$/,
    location: { config: "Healthcheck" },
  },
]);

table(stayUp, [
  ...notRunCases("stays up"),
  { name: "stayed up", facts: ran(), status: "pass" },
  { name: "never healthy: not applicable", facts: ran(crashed), status: "skip", text: /never became healthy \(IMG-RUN-001\)/ },
  {
    name: "exited after healthy",
    facts: ran({ stayedUp: false, exited: { exitCode: 2, afterMs: 2850 }, stop: undefined, logTail: ["panic: nil map"] }),
    status: "fail",
    text: /became healthy, then exited with code 2 2 s after it became healthy\. Last log line: "panic: nil map"/,
  },
  {
    name: "SIGKILL under the memory limit after healthy, OOM kill not confirmed: fails, and says so",
    facts: ran({ stayedUp: false, exited: { exitCode: 137, afterMs: 2850, oomUnconfirmed: true }, stop: undefined }),
    status: "fail",
    text: /then exited with code 137 \(killed \(SIGKILL\) under its memory limit; the engine did not confirm an OOM kill: .*\) 2 s after it became healthy/,
  },
  {
    name: "restarted",
    facts: ran({ stayedUp: false, restarts: 2 }),
    options: { stayUp: 5 },
    status: "fail",
    text: /did not stay up for 5 s: it was restarted 2 times/,
  },
  { name: "stopped running, no exit code known", facts: ran({ stayedUp: false }), status: "fail", text: /it stopped running/ },
  {
    name: "health check failed again",
    facts: ran({ stayedUp: false, health: { method: "healthcheck", turnedUnhealthyAfterMs: 4850, detail: "HEALTHCHECK: 500 from /health" } }),
    status: "fail",
    text: /became healthy, then failed its health check again 4 s after it became healthy \(HEALTHCHECK: 500 from \/health\)/,
    location: { config: "Healthcheck" },
  },
]);


table(readOnly, [
  ...notRunCases("read-only"),
  { name: "works read-only", facts: ran(), status: "pass" },
  { name: "works read-only even though it wrote when writable", facts: ran({ writes: writes(["/var/log/app.log", "added"]) }), status: "pass" },
  { name: "policy runs it writable", facts: ran({ ...crashed, profile: { readOnly: false } }), status: "skip", text: /runtime\.readOnly: false/ },
  { name: "failed, write probe off", facts: ran(crashed), status: "skip", text: /runtime\.writeProbe: false/ },
  { name: "failed, but wrote nothing outside tmpfs: not the read-only root", facts: ran({ ...crashed, writes: writes(["/tmp", "changed"], ["/tmp/x", "added"]) }), status: "pass" },
  {
    name: "failed read-only, wrote under a directory it created: mount it",
    facts: ran({
      ...crashed,
      writes: writes(["/var", "changed"], ["/var/cache", "changed"], ["/var/cache/nginx", "added"], ["/var/cache/nginx/client_temp", "added"], ["/var/cache/nginx/proxy_temp", "added"], ["/tmp/a", "added"]),
    }),
    status: "fail",
    findings: 1,
    location: { path: "/var/cache/nginx" },
    text: /exited with code 1 before it became healthy; run with a writable root it wrote \/var\/cache\/nginx\/client_temp, \/var\/cache\/nginx\/proxy_temp under \/var\/cache\/nginx\. Mount \/var\/cache\/nginx writable/,
  },
  {
    name: "fails writable too: not the read-only root",
    facts: ran({ ...crashed, writes: writes(["/data/x", "added"]), writableRun: { healthy: false, exitCode: 1 } }),
    status: "skip",
    text: "the container fails with a writable root too (exit code 1), so the read-only root is not what stops it (IMG-RUN-001 reports the failure)",
  },
  {
    name: "healthy writable: says so",
    facts: ran({ ...crashed, writes: writes(["/data/x", "added"]), writableRun: { healthy: true } }),
    status: "fail",
    text: /exited with code 1 before it became healthy; with a writable root it became healthy and wrote \/data\/x under \/data\./,
  },
  { name: "healthy writable, but no write listed: a crash that is not a write", facts: ran({ ...crashed, writes: [], writableRun: { healthy: true } }), status: "pass" },
  {
    name: "two directories, the runtime.tmpfs line names both plus /tmp",
    facts: ran({ ...crashed, writes: writes(["/run/app.pid", "added"], ["/var/lib/app/state.db", "changed"]) }),
    status: "fail",
    findings: 2,
    location: { path: "/run" },
  },
  {
    name: "a path directly under /",
    facts: ran({ ...crashed, writes: writes(["/app.lock", "added"]) }),
    status: "fail",
    text: /it wrote \/app\.lock\. If \/app\.lock is a directory, mount it writable.*a file directly under \/ cannot get a mount of its own/,
  },
  {
    name: "program in the written directory",
    facts: ran({ ...crashed, writes: writes(["/srv/app.pid", "added"]) }, entrypointAt("/srv/app", elf())),
    status: "fail",
    text: /\/srv also holds the program \/srv\/app, so a mount there would hide it/,
  },
]);

describe("IMG-RUN-003 details", () => {
  it("names every directory in the runtime.tmpfs line, and the docker flag", () => {
    const r = run(readOnly, ran({ ...crashed, writes: writes(["/run/app.pid", "added"], ["/var/lib/app/state.db", "changed"]) }));
    expect(r.outcome.status).toBe("fail");
    if (r.outcome.status !== "fail") return;
    expect(r.outcome.findings[0]!.expected).toBe('/run writable: in the policy runtime: { tmpfs: ["/tmp", "/run", "/var/lib/app"] }; with Docker --read-only --tmpfs /run; or a volume (Kubernetes emptyDir) at /run');
    expect(r.outcome.findings[1]!.found).toBe("changed /var/lib/app/state.db");
  });

  it("groups writes into the fewest mounts, outside tmpfs mounts with options", () => {
    expect(mountsFor(writes(["/data/a", "added"], ["/data/sub/b", "added"], ["/data/sub", "changed"], ["/scratch/x", "added"]), ["/scratch:size=64m"])).toEqual([
      { dir: "/data", writes: writes(["/data/a", "added"], ["/data/sub/b", "added"]) },
    ]);
    expect(mountsFor(writes(["//var//log/../run/x.pid/", "deleted"]), [])).toEqual([{ dir: "/var/run", writes: writes(["/var/run/x.pid", "deleted"]) }]);
  });
});

table(user, [
  ...notRunCases("user"),
  { name: "non-root", facts: ran(), status: "pass" },
  { name: "the expected uid", facts: ran(), options: { uid: 65532, gid: 65532 }, status: "pass" },
  { name: "identity not read", facts: ran({ ...crashed, identity: undefined }), status: "skip", text: /exited before the identity/ },
  {
    name: "root, no USER",
    facts: ran({ identity: { uid: 0, gid: 0 } }),
    status: "fail",
    text: "PID 1 ran as root (uid 0): the image sets no USER.",
    location: { config: "User" },
  },
  {
    name: "root although USER is non-root: something switched back",
    facts: ran({ identity: { uid: 0, gid: 0 } }, userFacts("65532:65532")),
    status: "fail",
    text: /the image's USER '65532:65532'\. The image's USER resolves to uid 65532, so something made the process root again/,
  },
  {
    name: "root via runtime.user",
    facts: ran({ identity: { uid: 0, gid: 0 }, profile: { user: "root" } }),
    status: "fail",
    text: /PID 1 ran as root \(uid 0\): runtime\.user 'root'\.$/,
  },
  { name: "another uid than the policy's", facts: ran({ identity: { uid: 1000, gid: 1000 } }), options: { uid: 65532 }, status: "fail", text: /ran as uid 1000, not the expected uid 65532/ },
  { name: "another gid than the policy's", facts: ran(), options: { gid: 0 }, status: "fail", findings: 1, text: /ran with gid 65532, not the expected gid 0/ },
]);

table(capabilities, [
  ...notRunCases("capabilities"),
  { name: "none", facts: ran(), status: "pass" },
  {
    name: "only the one the policy adds",
    facts: ran({ profile: { capAdd: ["NET_BIND_SERVICE"] }, identity: { capEff: "0000000000000400", capabilities: ["cap_net_bind_service"] } }),
    status: "pass",
  },
  { name: "policy adds ALL", facts: ran({ profile: { capAdd: ["ALL"] }, identity: { capEff: "00000000a80425fb", capabilities: ["CAP_CHOWN"] } }), status: "pass" },
  { name: "identity not read", facts: ran({ identity: undefined }), status: "skip", text: /capabilities of PID 1 were not read/ },
  {
    name: "the engine's default set: the profile did not drop ALL",
    facts: ran({ profile: { capDrop: ["NET_RAW"] }, identity: { uid: 0, capEff: "00000000a80425db", capabilities: [] } }),
    status: "fail",
    text: /PID 1 \(uid 0\) has 13 effective capabilities the policy does not add: CHOWN, DAC_OVERRIDE, FOWNER, FSETID, SETGID, SETUID, SETPCAP, NET_BIND_SERVICE, NET_RAW, SYS_CHROOT, MKNOD, AUDIT_WRITE and 1 more \(CapEff 00000000a80425db\)\. The profile does not drop ALL \(runtime\.capDrop: \[NET_RAW\]\)/,
  },
  {
    name: "non-root with a file capability beyond capAdd",
    facts: ran({ profile: { capAdd: ["NET_BIND_SERVICE"] }, identity: { capEff: "0000000000003400", capabilities: ["CAP_NET_BIND_SERVICE", "CAP_NET_ADMIN", "CAP_NET_RAW"] } }),
    status: "fail",
    text: /has 2 effective capabilities the policy does not add: NET_ADMIN, NET_RAW .*file capabilities on its program \(setcap\)/,
  },
]);

describe("decodeCapEff", () => {
  it("decodes the mask /proc/PID/status shows", () => {
    expect(decodeCapEff("0000000000000000")).toEqual([]);
    expect(decodeCapEff("0000000000000401")).toEqual(["CHOWN", "NET_BIND_SERVICE"]);
    expect(decodeCapEff("0x0000010000000000")).toEqual(["CHECKPOINT_RESTORE"]);
    expect(decodeCapEff("8000000000000000")).toEqual(["CAP_63"]);
    expect(decodeCapEff("not hex")).toEqual([]);
  });
});

const killed = { stop: { signal: "SIGTERM", exitCode: 137, timeToStopMs: 10_040, killed: true } };

table(stop, [
  ...notRunCases("stop"),
  { name: "clean exit 0", facts: ran(), status: "pass" },
  { name: "exit 143 after SIGTERM", facts: ran({ stop: { exitCode: 143 } }), status: "pass" },
  { name: "exited before the stop", facts: ran(crashed), status: "skip", text: /exited on its own before it could be stopped/ },
  {
    name: "killed, exec-form Go binary: the program ignores SIGTERM",
    facts: ran(killed),
    status: "fail",
    text: /Sent SIGTERM, the container did not exit within the 10 s grace period and was killed \(SIGKILL\) after 10 s\. \/app runs as PID 1 and does not act on SIGTERM.*signal\.NotifyContext.*docker run --init, or ENTRYPOINT \["\/sbin\/tini", "--", "\/app"\]/,
    location: { config: "Entrypoint" },
  },
  {
    name: "killed, shell-form ENTRYPOINT: the exec-form line to write",
    facts: ran(killed, {
      config: { entrypoint: ["/bin/sh", "-c", "/app --port 8080"], entrypointForm: "shell" },
      entrypoint: { argv: ["/bin/sh", "-c", "/app --port 8080"], program: "/bin/sh", viaShell: true },
    }),
    status: "fail",
    text: /The ENTRYPOINT is in shell form, so `\/bin\/sh -c` is PID 1 and does not pass SIGTERM on to the program\. Write it in exec form, ENTRYPOINT \["\/app", "--port", "8080"\], or start the program with `exec` \(ENTRYPOINT exec \/app --port 8080\)/,
  },
  {
    name: "killed, shell-form CMD with shell syntax: a placeholder exec form",
    facts: ran(killed, {
      config: { entrypoint: undefined, entrypointForm: "none", cmd: ["/bin/sh", "-c", "cd /srv && ./run"], cmdForm: "shell" },
      entrypoint: { argv: ["/bin/sh", "-c", "cd /srv && ./run"], program: "/bin/sh", viaShell: true },
    }),
    status: "fail",
    text: /The CMD is in shell form.*CMD \["\/app"\]/,
    location: { config: "Cmd" },
  },
  {
    name: "killed, entrypoint script without exec",
    facts: ran(killed, entrypointAt("/docker-entrypoint.sh"), { entrypoint: { elf: undefined } }),
    status: "fail",
    text: /The entrypoint \/docker-entrypoint\.sh is a shell script: unless it starts the service with `exec`/,
  },
  {
    name: "killed, sh running a script",
    facts: ran(killed, { config: { entrypoint: ["/bin/sh", "/start"] }, entrypoint: { argv: ["/bin/sh", "/start"], program: "/bin/sh" } }),
    status: "fail",
    text: /The entrypoint \/start is a shell script/,
  },
  {
    name: "killed, a non-ELF entrypoint",
    facts: ran(killed, entrypointAt("/usr/local/bin/server"), { entrypoint: { elf: undefined } }),
    status: "fail",
    text: /\/usr\/local\/bin\/server is a script, not a binary.*process\.on\("SIGTERM"/,
  },
  {
    name: "killed, the image's STOPSIGNAL differs",
    facts: ran(killed, { config: { stopSignal: "QUIT" } }),
    status: "fail",
    text: /The image's STOPSIGNAL is SIGQUIT; if the platform sends that, set runtime\.stop\.signal: SIGQUIT\./,
  },
  {
    name: "stopped in time with an exit code not allowed",
    facts: ran({ stop: { exitCode: 1, timeToStopMs: 300 }, logTail: ["shutdown: flush failed"] }),
    status: "fail",
    text: /exited after 300 ms with code 1, which is not a clean stop \(allowed: 0, 143\)\. Last log line: "shutdown: flush failed"/,
  },
  { name: "exit code the policy allows", facts: ran({ stop: { exitCode: 1 } }), options: { allowedExitCodes: [0, 1] }, status: "pass" },
  { name: "grace period from the policy", facts: ran(killed), options: { gracePeriod: 30 }, status: "fail", text: /within the 30 s grace period/ },
]);

table(commandTests, [
  ...notRunCases("commandTests"),
  { name: "none in the policy", facts: ran(), status: "skip", text: "the policy has no commandTests" },
  { name: "in the policy but not run", facts: ran(), options: { commandTests: 3 }, status: "skip", text: "the policy's 3 commandTests were not run by the runtime probe" },
  { name: "all passed", facts: ran({ commandTests: [{ name: "version", passed: true, exitCode: 0 }] }), status: "pass" },
  {
    name: "an image with nothing to start: the service did not run, its commandTests did",
    facts: facts({ runtime: { status: "not-run", reason: "the image has no ENTRYPOINT or CMD", commandTests: [{ name: "sh works", passed: false, exitCode: 1 }] } }),
    status: "fail",
    text: "commandTest 'sh works' failed (exit code 1).",
  },
  {
    name: "one failed: named, with detail",
    facts: ran({
      commandTests: [
        { name: "version", passed: true, exitCode: 0 },
        { name: "openssl works", passed: false, exitCode: 127, detail: "expected exit code 0, got 127; stderr: openssl: not found" },
        { name: "config parses", passed: false },
      ],
    }),
    status: "fail",
    findings: 2,
    text: "commandTest 'openssl works' failed: expected exit code 0, got 127; stderr: openssl: not found.\ncommandTest 'config parses' failed.",
  },
]);

describe("the runtime rules", () => {
  it("are all category runtime, with the IMG-RUN ids in order", () => {
    expect(RUNTIME_RULES.map((r) => `${r.id} ${r.category} ${r.severity}`)).toEqual([
      "IMG-RUN-001 runtime critical",
      "IMG-RUN-002 runtime high",
      "IMG-RUN-003 runtime high",
      "IMG-RUN-004 runtime high",
      "IMG-RUN-005 runtime high",
      "IMG-RUN-006 runtime medium",
      "IMG-RUN-007 runtime high",
    ]);
  });

  it("take the limits and exit codes from the runtime section", () => {
    const spec = resolveRuntimeSpec({ startupTimeout: 12, stayUp: 7, stop: { gracePeriod: 4, allowedExitCodes: [0, 2] } });
    const [h, s, , , , st] = withRuntimeDefaults(RUNTIME_RULES, spec);
    expect(run(h!, ran({ health: { healthy: false } })).text).toMatch(/within 12 s/);
    expect(run(s!, ran({ stayedUp: false })).text).toMatch(/stay up for 7 s/);
    expect(run(st!, ran(killed)).text).toMatch(/within the 4 s grace period/);
    expect(run(st!, ran({ stop: { exitCode: 2 } })).status).toBe("pass");
    expect(run(st!, ran({ stop: { exitCode: 143 } })).status).toBe("fail");
    // the registry's own objects are left alone
    expect(stop.defaultOptions).toEqual({});
  });
});

describe("notRunReason", () => {
  it("says 'not run' once, whatever the probe wrote", () => {
    expect(notRunReason("no container engine: cannot reach it")).toBe("not run: no container engine: cannot reach it");
    expect(notRunReason("not run: no container engine")).toBe("not run: no container engine");
    expect(notRunReason(undefined)).toBe("not run");
    expect(notRunReason("  ")).toBe("not run");
  });
});
