import { describe, expect, it } from "vitest";
import type { ContainerInspect } from "../engine/containers.js";
import { exitedFacts } from "./observe.js";

function exitedState(exitCode: number, oomKilled: boolean): ContainerInspect {
  return {
    Id: "c1",
    RestartCount: 0,
    Config: {},
    State: {
      Status: "exited",
      Running: false,
      Restarting: false,
      OOMKilled: oomKilled,
      Dead: false,
      Pid: 0,
      ExitCode: exitCode,
      Error: "",
      StartedAt: "2026-01-01T00:00:00.000Z",
      FinishedAt: "2026-01-01T00:00:01.250Z",
    },
  };
}

describe("exitedFacts", () => {
  it("records an OOM kill only when the engine confirmed it", () => {
    expect(exitedFacts(exitedState(137, true), true)).toEqual({ exitCode: 137, afterMs: 1250, oomKilled: true });
  });

  it("records an unconfirmed kill under a memory limit as such, not as an OOM kill", () => {
    expect(exitedFacts(exitedState(137, false), true)).toEqual({ exitCode: 137, afterMs: 1250, oomUnconfirmed: true });
  });

  it("claims nothing about memory without a memory limit, or for another exit code", () => {
    expect(exitedFacts(exitedState(137, false), false)).toEqual({ exitCode: 137, afterMs: 1250 });
    expect(exitedFacts(exitedState(137, false))).toEqual({ exitCode: 137, afterMs: 1250 });
    expect(exitedFacts(exitedState(2, false), true)).toEqual({ exitCode: 2, afterMs: 1250 });
  });
});
