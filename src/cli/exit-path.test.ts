import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.js";
import { runToExit, type ExitProcess } from "./exit-path.js";

type Listener = (arg: unknown) => void;

/** A stand-in process: records what is written and when exit() is called. */
function fakeProcess(opts: { stdoutFlushMs?: number; stderrThrows?: boolean } = {}) {
  const listeners = new Map<string, Listener[]>();
  const events: string[] = [];
  let exited: (code: number) => void = () => undefined;
  const exit = new Promise<number>((resolve) => (exited = resolve));
  const stream = (name: string, flushMs = 0, throws = false) => ({
    write(chunk: string, cb: (err?: Error | null) => void) {
      if (throws) throw new Error("EPIPE");
      if (chunk !== "") events.push(`${name}: ${chunk}`);
      setTimeout(() => {
        if (chunk === "") events.push(`${name} flushed`);
        cb();
      }, flushMs);
      return true;
    },
  });
  const proc: ExitProcess = {
    stdout: stream("stdout", opts.stdoutFlushMs),
    stderr: stream("stderr", 0, opts.stderrThrows),
    on(event, listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return proc;
    },
    exit(code) {
      events.push(`exit ${code}`);
      exited(code);
    },
  };
  const emit = (event: string, arg?: unknown) => listeners.get(event)?.forEach((l) => l(arg));
  return { proc, events, exit, emit };
}

describe("runToExit", () => {
  it("exits with the command's code once stdout and stderr are flushed", async () => {
    const f = fakeProcess({ stdoutFlushMs: 30 });
    await runToExit(async () => 1, f.proc);
    expect(await f.exit).toBe(1);
    expect(f.events).toEqual(["stdout flushed", "stderr flushed", "exit 1"]);
    expect(f.proc.exitCode).toBe(1);
  });

  it("a command that rejects: one line and exit 2", async () => {
    const f = fakeProcess();
    await runToExit(async () => {
      throw new UsageError("no such thing");
    }, f.proc);
    expect(await f.exit).toBe(2);
    expect(f.events[0]).toBe("stderr: imgpolicy: no such thing\n");
    expect(f.events.at(-1)).toBe("exit 2");
  });

  it("a command that throws before it returns a promise: one line and exit 2", async () => {
    const f = fakeProcess();
    await runToExit(() => {
      throw new Error("boom");
    }, f.proc);
    expect(await f.exit).toBe(2);
    expect(f.events[0]).toBe("stderr: imgpolicy: internal error: boom (run with --debug for details)\n");
  });

  it("a command that never settles, once nothing is left to wait for: exit 2, not 0", async () => {
    const f = fakeProcess();
    void runToExit(() => new Promise<number>(() => undefined), f.proc);
    f.emit("beforeExit", 0);
    expect(await f.exit).toBe(2);
    expect(f.events[0]).toMatch(/^stderr: imgpolicy: internal error: the command did not finish/);
    expect(f.proc.exitCode).toBe(2);
  });

  it("an error nobody handled: one line and exit 2, once", async () => {
    const f = fakeProcess();
    void runToExit(() => new Promise<number>(() => undefined), f.proc);
    f.emit("unhandledRejection", new Error("stray"));
    f.emit("uncaughtException", new Error("second"));
    expect(await f.exit).toBe(2);
    await new Promise((r) => setTimeout(r, 20));
    expect(f.events.filter((e) => e.startsWith("stderr:"))).toEqual(["stderr: imgpolicy: internal error: stray (run with --debug for details)\n"]);
    expect(f.events.filter((e) => e.startsWith("exit"))).toEqual(["exit 2"]);
  });

  it("exits even when stderr is gone, and when a stream never flushes", async () => {
    const gone = fakeProcess({ stderrThrows: true });
    await runToExit(async () => {
      throw new Error("x");
    }, gone.proc);
    expect(await gone.exit).toBe(2);
    const stuck = fakeProcess({ stdoutFlushMs: 60_000 });
    const t0 = Date.now();
    await runToExit(async () => 0, stuck.proc, 50);
    expect(await stuck.exit).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
