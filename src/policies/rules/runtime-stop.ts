/** IMG-RUN-006: sent SIGTERM, the container exits cleanly within the grace period. */
import type { Facts } from "../../inspect/facts/types.js";
import { RUNTIME_DEFAULTS } from "../runtime-spec.js";
import { fail, pass, skip, type Rule, NO_OPTIONS } from "../types.js";
import { duration, logTailPhrase, ranOrSkip, seconds } from "./runtime-helpers.js";

interface Options {
  /** From runtime.stop (check() supplies them; not written in a policy). */
  signal?: string;
  gracePeriod?: number;
  allowedExitCodes?: number[];
}

const SHELL = /(^|\/)(sh|bash|ash|dash|zsh|ksh)$/;
const SIMPLE_WORDS = /^[\w./:=,@+%-]+( +[\w./:=,@+%-]+)*$/;

/** The exec-form line for a shell-form command made of plain words, else a placeholder. */
function execForm(command: string | undefined): string {
  const c = command?.trim().replace(/^exec +/, "");
  if (c && SIMPLE_WORDS.test(c)) return JSON.stringify(c.split(/ +/)).replace(/","/g, '", "');
  return '["/app"]';
}

/** Why PID 1 did not act on the signal, from what the image says, and the fix. */
export function pid1Diagnosis(facts: Facts, signal: string): string {
  const c = facts.config;
  const which = c.entrypoint?.length ? "ENTRYPOINT" : "CMD";
  const form = c.entrypoint?.length ? c.entrypointForm : c.cmdForm;
  if (form === "shell") {
    const argv = (c.entrypoint?.length ? c.entrypoint : c.cmd) ?? [];
    return `The ${which} is in shell form, so \`${argv.slice(0, 2).join(" ") || "/bin/sh -c"}\` is PID 1 and does not pass ${signal} on to the program. Write it in exec form, ${which} ${execForm(argv.at(-1))}, or start the program with \`exec\` (${which} exec ${(argv.at(-1) ?? "/app").trim().replace(/^exec +/, "")}).`;
  }
  const e = facts.entrypoint;
  const program = e.program ?? e.argv[0];
  const shellScript = program !== undefined && (SHELL.test(program) || /\.(sh|bash)$/.test(program));
  if (shellScript) {
    const name = SHELL.test(program) && e.argv[1] ? e.argv[1] : program;
    return `The entrypoint ${name} is a shell script: unless it starts the service with \`exec\` (last line \`exec /app "$@"\`), the shell stays PID 1 and does not pass ${signal} on. Add \`exec\`, or run under an init that forwards signals (docker run --init, or ENTRYPOINT ["/sbin/tini", "--", ${JSON.stringify(name)}]).`;
  }
  if (program !== undefined && e.found && !e.elf) {
    return `The entrypoint ${program} is a script, not a binary, and PID 1 does not act on ${signal} unless it installs a handler: a shell script must start the service with \`exec\` (\`exec /app "$@"\`) so the shell does not stay PID 1; an interpreted program must handle ${signal} itself (Node.js: process.on("SIGTERM", …)). Or run under an init that forwards signals: docker run --init, or ENTRYPOINT ["/sbin/tini", "--", ${JSON.stringify(program)}].`;
  }
  const who = program ? `${program} runs as PID 1 and` : "PID 1";
  return `${who} does not act on ${signal}: the kernel gives PID 1 no default signal handling, so a program that installs no handler ignores it. Handle ${signal} in the program (Go: signal.NotifyContext(ctx, syscall.SIGTERM), then shut down; Node.js: process.on("SIGTERM", …)), or run under an init that forwards it: docker run --init, or ENTRYPOINT ["/sbin/tini", "--"${program ? `, ${JSON.stringify(program)}` : ""}].`;
}

const normSignal = (s: string): string => (/^\d+$/.test(s) ? s : `SIG${s.toUpperCase().replace(/^SIG/, "")}`);

export const rule: Rule<Options> = {
  id: "IMG-RUN-006",
  title: "The container stops cleanly on SIGTERM",
  category: "runtime",
  severity: "medium",
  description:
    "Once healthy, the container is sent `runtime.stop.signal` (SIGTERM) and must exit within `runtime.stop.gracePeriod` seconds (default 10) with one of `runtime.stop.allowedExitCodes` (default 0 and 143 = 128 + SIGTERM). Killed at the deadline, it fails with the likely cause read from the image: a shell-form ENTRYPOINT, a shell script without `exec`, or a program that ignores SIGTERM as PID 1.",
  rationale:
    "Docker, Kubernetes and ECS stop a container with SIGTERM and kill it with SIGKILL after a grace period. A process that never sees or ignores SIGTERM is killed mid-request on every deploy, scale-down and node drain: connections drop, transactions are cut, files are left half written, and every rollout waits out the full grace period.",
  remediation:
    "Make the program PID 1 and let it handle SIGTERM: write the ENTRYPOINT in exec form (`ENTRYPOINT [\"/app\"]`, not `ENTRYPOINT /app`); in an entrypoint script, start the service with `exec` (`exec /app \"$@\"`) so the shell is replaced; in the program, catch SIGTERM and shut down (Go: `signal.NotifyContext(ctx, syscall.SIGTERM)` and `server.Shutdown`). When the program cannot be changed, run it under a minimal init that forwards signals: `docker run --init`, or tini (`ENTRYPOINT [\"/sbin/tini\", \"--\", \"/app\"]`). If the program exits with another code on a clean stop, list it in `runtime.stop.allowedExitCodes`.",
  optionsSchema: NO_OPTIONS,
  defaultOptions: {},
  check(facts, options) {
    const { rt, outcome } = ranOrSkip(facts);
    if (!rt) return outcome;
    const stop = rt.stop;
    if (!stop) {
      return skip(rt.exited ? "the container exited on its own before it could be stopped (IMG-RUN-001, IMG-RUN-002)" : "the container was not running when it was to be stopped");
    }
    const signal = normSignal(stop.signal || options.signal || RUNTIME_DEFAULTS.stop.signal);
    const grace = options.gracePeriod ?? RUNTIME_DEFAULTS.stop.gracePeriod;
    const allowed = options.allowedExitCodes ?? [...RUNTIME_DEFAULTS.stop.allowedExitCodes];
    const expected = `exits with ${allowed.length === 1 ? `code ${allowed[0]}` : `one of ${allowed.join(", ")}`} within ${seconds(grace)} of ${signal}`;
    const location = { config: facts.config.entrypoint?.length ? "Entrypoint" : "Cmd" };
    if (stop.killed) {
      const stopSignal = facts.config.stopSignal ? normSignal(facts.config.stopSignal) : undefined;
      const other = stopSignal && stopSignal !== signal ? ` The image's STOPSIGNAL is ${stopSignal}; if the platform sends that, set runtime.stop.signal: ${stopSignal}.` : "";
      return fail({
        message: `Sent ${signal}, the container did not exit within the ${seconds(grace)} grace period and was killed (SIGKILL) after ${duration(stop.timeToStopMs)}. ${pid1Diagnosis(facts, signal)}${other}`,
        location,
        expected,
        found: `killed at the deadline after ${duration(stop.timeToStopMs)}${stop.exitCode !== undefined ? ` (exit code ${stop.exitCode})` : ""}`,
      });
    }
    if (stop.exitCode !== undefined && !allowed.includes(stop.exitCode)) {
      return fail({
        message: `Sent ${signal}, the container exited after ${duration(stop.timeToStopMs)} with code ${stop.exitCode}, which is not a clean stop (allowed: ${allowed.join(", ")}).${logTailPhrase(rt)}`,
        location,
        expected,
        found: `exit code ${stop.exitCode} after ${duration(stop.timeToStopMs)}`,
      });
    }
    return pass();
  },
};
