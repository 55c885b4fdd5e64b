/**
 * container-structure-test commandTests run by the runtime probe, against the real engine
 * with the busybox test image: each test in a fresh, labelled container that is removed
 * afterwards; IMG-RUN-007 judges the results.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBusyboxBase } from "../../fixtures/engine-images.js";
import { rule as cstCommandTests } from "../../src/policies/rules/cst-command-tests.js";
import { rule as runtimeCommandTests } from "../../src/policies/rules/runtime-command-tests.js";
import { rule as runtimeHealthy } from "../../src/policies/rules/runtime-healthy.js";
import { baseFacts } from "../../src/policies/rules/test-facts.js";
import { COMMAND_TEST_PURPOSE, expandEnv, goRegex, judge, runCommandTests, splitStreams, type CommandTestSpec } from "../../src/runtime/command-tests.js";
import { janitor } from "../../src/runtime/janitor.js";
import { OWNER_LABEL, ownerLabel, PURPOSE_LABEL, RUN_LABEL, RUNTIME_LABEL } from "../../src/runtime/labels.js";
import { NOTHING_TO_RUN } from "../../src/runtime/probe.js";
import { probeRef } from "./probe-ref.js";
import { resolvePlan } from "../../src/runtime/profile.js";
import { engine, leftovers, orphans } from "./helpers.js";

let busybox: string;
beforeAll(async () => {
  busybox = await ensureBusyboxBase(engine);
}, 180_000);
afterAll(async () => {
  expect(await leftovers()).toEqual([]);
  expect(await orphans()).toEqual([]);
});

const TESTS: CommandTestSpec[] = [
  { name: "say hello", command: "echo", args: ["hello"], expectedOutput: ["hello"] },
  { name: "wrong greeting", command: "echo", args: ["hello"], expectedOutput: ["^goodbye"], excludedOutput: ["hel+o"] },
  { name: "exits 3", command: "sh", args: ["-c", "echo oops >&2; exit 3"] },
  { name: "env and stderr", command: "sh", args: ["-c", 'echo "$GREETING" >&2; exit 2'], env: [{ key: "GREETING", value: "hi from $HOME_DIR" }, { key: "HOME_DIR", value: "x" }], exitCode: 2, expectedError: ["(?m)^hi from $"] },
  { name: "image env expands", command: "sh", args: ["-c", 'echo "$P"'], env: [{ key: "P", value: "/opt/bin:${PATH}" }], expectedOutput: ["^/opt/bin:/usr/local/sbin:"] },
];

describe("commandTests through probeRuntime", () => {
  it("runs each test in its own container and records what failed", async () => {
    const f = await probeRef(busybox, { command: ["sleep", "60"], stayUp: 0, writeProbe: false, stop: { gracePeriod: 1 } }, undefined, {
      commandTests: TESTS,
    });
    expect(f.status).toBe("ran");
    expect(f.commandTests).toEqual([
      { name: "say hello", passed: true, exitCode: 0 },
      {
        name: "wrong greeting",
        passed: false,
        exitCode: 0,
        detail: `expectedOutput '^goodbye' not found in stdout: "hello"; excludedOutput 'hel+o' found in stdout: "hello"`,
      },
      { name: "exits 3", passed: false, exitCode: 3, detail: 'exit code 3, expected 0; stderr: "oops"' },
      { name: "env and stderr", passed: true, exitCode: 2 },
      { name: "image env expands", passed: true, exitCode: 0 },
    ]);

    const outcome = runtimeCommandTests.check({ ...baseFacts(), runtime: f }, {});
    expect(outcome.status).toBe("fail");
    const findings = (outcome as { findings: { message: string; found?: string }[] }).findings;
    expect(findings.map((x) => x.message)).toEqual([
      `commandTest 'wrong greeting' failed: expectedOutput '^goodbye' not found in stdout: "hello"; excludedOutput 'hel+o' found in stdout: "hello" (exit code 0).`,
      `commandTest 'exits 3' failed: exit code 3, expected 0; stderr: "oops".`,
    ]);
    expect(cstCommandTests.check({ ...baseFacts(), runtime: f }, { commandTests: TESTS.map((t) => t.name), notes: [] })).toEqual({
      status: "skip",
      reason: "5 commandTests (say hello, wrong greeting, exits 3, env and stderr, image env expands) are run by IMG-RUN-007",
    });
    expect(await leftovers()).toEqual([]);
  }, 120_000);
});

describe("an image with nothing to start", () => {
  it("is not run as a service, and its commandTests still run (IMG-RUN-007 judges them)", async () => {
    // the busybox test image has neither ENTRYPOINT nor CMD, and the spec names no command
    const f = await probeRef(busybox, { writeProbe: false }, undefined, { commandTests: TESTS.slice(0, 2) });
    expect(f).toMatchObject({ status: "not-run", reason: NOTHING_TO_RUN });
    expect(f.commandTests?.map((t) => `${t.name} ${t.passed}`)).toEqual(["say hello true", "wrong greeting false"]);
    const facts = { ...baseFacts(), runtime: f };
    expect(runtimeCommandTests.check(facts, {}).status).toBe("fail");
    expect(runtimeHealthy.check(facts, {})).toEqual({ status: "skip", reason: `not run: ${NOTHING_TO_RUN}` });
    expect(await leftovers()).toEqual([]);
  }, 120_000);
});

describe("runCommandTests", () => {
  it("labels its containers, kills a test that runs too long, and removes every container", async () => {
    const runId = `cmdtest-${process.pid}`;
    const endRun = janitor.beginRun(runId, engine, { exitOnSignal: true });
    try {
      const plan = resolvePlan({}, {});
      const running = runCommandTests({ engine, imageRef: busybox, plan, runId, signal: new AbortController().signal, timeoutMs: 1500 }, [
        { name: "too slow", command: "sleep", args: ["30"] },
      ]);
      let seen: { labels: Record<string, string>; readOnly: unknown; capDrop: unknown } | undefined;
      for (let i = 0; i < 40 && !seen; i++) {
        const [c] = await engine.listContainers({ all: true, label: `${RUN_LABEL}=${runId}` });
        if (c) {
          const full = (await (await import("../../src/engine/containers.js")).inspectContainer(engine, c.Id)) as unknown as {
            Config: { Labels: Record<string, string> };
            HostConfig: { ReadonlyRootfs: unknown; CapDrop: unknown };
          };
          seen = { labels: full.Config.Labels, readOnly: full.HostConfig.ReadonlyRootfs, capDrop: full.HostConfig.CapDrop };
        } else {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      const results = await running;
      expect(results).toEqual([{ name: "too slow", passed: false, detail: "timed out: still running after 1.5s (killed)" }]);
      expect(seen?.labels).toMatchObject({ [RUNTIME_LABEL]: "1", [RUN_LABEL]: runId, [OWNER_LABEL]: ownerLabel(), [PURPOSE_LABEL]: COMMAND_TEST_PURPOSE });
      expect(seen?.readOnly).toBe(true);
      expect(seen?.capDrop).toEqual(["ALL"]);
      expect(await engine.listContainers({ all: true, label: `${RUN_LABEL}=${runId}` })).toEqual([]);
    } finally {
      endRun();
    }
  }, 60_000);

  it("fails a test whose command does not exist, with the engine's reason", async () => {
    const runId = `cmdtest-missing-${process.pid}`;
    const endRun = janitor.beginRun(runId, engine, { exitOnSignal: true });
    try {
      const [r] = await runCommandTests({ engine, imageRef: busybox, plan: resolvePlan({}, {}), runId, signal: new AbortController().signal }, [
        { name: "no such command", command: "/no/such/thing" },
      ]);
      expect(r).toMatchObject({ name: "no such command", passed: false });
      expect(r!.detail).toMatch(/no such file|not found|executable file/i);
      expect(await engine.listContainers({ all: true, label: `${RUN_LABEL}=${runId}` })).toEqual([]);
    } finally {
      endRun();
    }
  }, 60_000);
});

describe("commandTest expectations (no engine)", () => {
  it("reads Go's leading flag group", () => {
    expect(goRegex("(?i)agpl").test("AGPL")).toBe(true);
    expect(goRegex("^a.b$").test("a\nb")).toBe(false);
  });
  it("expands $NAME and ${NAME}, unknown names to empty", () => {
    expect(expandEnv("$A:${B}:$C", { A: "1", B: "2" })).toBe("1:2:");
  });
  it("splits a multiplexed log body by stream", () => {
    const frame = (stream: number, text: string) => Buffer.concat([Buffer.from([stream, 0, 0, 0, 0, 0, 0, text.length]), Buffer.from(text)]);
    expect(splitStreams(Buffer.concat([frame(1, "out\n"), frame(2, "err\n"), frame(1, "more")]))).toEqual({ stdout: "out\nmore", stderr: "err\n" });
  });
  it("reports a bad regex as the test's failure", () => {
    expect(judge({ name: "t", command: "x", expectedOutput: ["("] }, { stdout: "", stderr: "", exitCode: 0 })).toEqual([
      expect.stringMatching(/^expectedOutput '\(' is not a regular expression/),
    ]);
  });
});
