/**
 * The process's one way out, for bin/imgpolicy.js. Whatever happens, the process ends
 * with the command's exit code, and soon after the command is done:
 *
 *   run() resolves with a code ──▶ flush stdout and stderr ──▶ exit(code)
 *   run() rejects                ──▶ one line on stderr ──▶ exit 2
 *   run() never settles and nothing is left to wait for (Node would end with 0, a false
 *   pass) ──▶ "internal error: … did not finish" ──▶ exit 2
 *   an error nobody handled (a stray promise, an emitter's 'error') ──▶ one line, exit 2
 *
 * Exiting right after the result is written means a handle something left open (a
 * socket of testcontainers' client, a timer) cannot keep a finished command waiting.
 * The command's own work is over by then: what it started (containers, loaded images,
 * report files) was removed or written before it returned.
 */
import { errorLine, EXIT_USAGE } from "./exit-code.js";

/** The parts of `process` the exit path uses (a stand-in in the tests). */
export interface ExitProcess {
  stdout: FlushableStream;
  stderr: FlushableStream;
  on(event: "beforeExit" | "uncaughtException" | "unhandledRejection", listener: (arg: unknown) => void): unknown;
  exit(code: number): void;
  exitCode?: number | string | null | undefined;
}

export interface FlushableStream {
  write(chunk: string, callback: (err?: Error | null) => void): boolean;
}

/** Longest wait for stdout and stderr to take what was written (a reader that stopped reading). */
export const FLUSH_LIMIT_MS = 10_000;

const DID_NOT_FINISH = "imgpolicy: internal error: the command did not finish (it was left waiting on nothing); this is a bug";

/** Resolves once everything written to the stream so far has been handed to the system, or after `limitMs`. */
function flushed(stream: FlushableStream, limitMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, limitMs);
    timer.unref?.();
    try {
      stream.write("", () => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer); // a closed stream has nothing left to flush
      resolve();
    }
  });
}

export function runToExit(run: () => Promise<number>, proc: ExitProcess = process, flushLimitMs = FLUSH_LIMIT_MS): Promise<void> {
  let leaving: Promise<void> | undefined;
  const leave = (code: number, line?: string): Promise<void> => {
    leaving ??= (async () => {
      proc.exitCode = code; // holds even if something ends the process before exit() below
      if (line !== undefined) {
        try {
          proc.stderr.write(`${line}\n`, () => undefined);
        } catch {
          // stderr is gone: the exit code still says it
        }
      }
      await flushed(proc.stdout, flushLimitMs);
      await flushed(proc.stderr, flushLimitMs);
      proc.exit(code);
    })();
    return leaving;
  };
  const crash = (err: unknown) => void leave(EXIT_USAGE, errorLine(err, false));
  proc.on("uncaughtException", crash);
  proc.on("unhandledRejection", crash);
  proc.on("beforeExit", () => void leave(EXIT_USAGE, DID_NOT_FINISH));
  let started: Promise<number>;
  try {
    started = run();
  } catch (err) {
    started = Promise.reject(err);
  }
  return started.then(
    (code) => leave(code),
    (err: unknown) => leave(EXIT_USAGE, errorLine(err, false)),
  );
}
