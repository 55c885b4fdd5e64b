/** Shared by the runtime rules (IMG-RUN-*): whether the image ran, and the phrases their messages use. */
import type { Facts } from "../../inspect/facts/types.js";
import type { RuntimeFacts } from "../../runtime/runtime-types.js";
import { skip, type RuleOutcome } from "../types.js";

export const NOT_ASKED = "not run: pass --runtime";

/** Why a run did not happen, as every report shows it: "not run: no container engine: …". */
export function notRunReason(reason: string | undefined): string {
  const r = reason?.trim() ?? "";
  if (r === "") return "not run";
  return /^not run\b/i.test(r) ? r : `not run: ${r}`;
}

/** The runtime facts when the image ran; otherwise the skip every runtime rule returns. */
export function ranOrSkip(facts: Facts): { rt: RuntimeFacts; outcome?: undefined } | { rt?: undefined; outcome: RuleOutcome } {
  const rt = facts.runtime;
  if (!rt) return { outcome: skip(NOT_ASKED) };
  if (rt.status !== "ran") return { outcome: skip(notRunReason(rt.reason)) };
  return { rt };
}

/** "1.2 s", "350 ms". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${s < 10 ? s.toFixed(1).replace(/\.0$/, "") : Math.round(s)} s`;
}

/** Seconds as written in a policy: "30 s". */
export const seconds = (s: number): string => `${s} s`;

const MAX_LOG_LINES = 5;
const MAX_LOG_CHARS = 200;

/** The last log lines, quoted and joined on one line: ` Last log lines: "a" | "b".` (empty when there are none). */
export function logTailPhrase(rt: RuntimeFacts): string {
  const lines = (rt.logTail ?? []).map((l) => l.trimEnd()).filter((l) => l.trim() !== "");
  if (!lines.length) return "";
  const shown = lines.slice(-MAX_LOG_LINES).map((l) => JSON.stringify(l.length > MAX_LOG_CHARS ? `${l.slice(0, MAX_LOG_CHARS)}…` : l));
  return ` Last log line${shown.length === 1 ? "" : "s"}: ${shown.join(" | ")}.`;
}

const SIGNALS: Record<number, string> = { 1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV", 13: "SIGPIPE", 15: "SIGTERM" };

type Exited = NonNullable<RuntimeFacts["exited"]>;

/** What an exit usually means, as a parenthesised phrase, or "". */
export function exitMeaning({ exitCode: code, oomKilled, oomUnconfirmed }: Exited): string {
  if (oomKilled) return " (killed by the kernel's OOM killer: the memory limit is too low, or the program leaks)";
  if (oomUnconfirmed) return " (killed (SIGKILL) under its memory limit; the engine did not confirm an OOM kill: if it was one, the limit is too low, or the program leaks)";
  if (code === 126) return " (the command cannot be executed: not executable, or a script without its interpreter)";
  if (code === 127) return " (command not found: the program or its interpreter is missing)";
  if (code > 128 && code <= 128 + 64) return ` (killed by signal ${code - 128}${SIGNALS[code - 128] ? `, ${SIGNALS[code - 128]}` : ""})`;
  return "";
}

/** How `found` names the kind of kill, or "". */
export function killNote({ oomKilled, oomUnconfirmed }: Exited): string {
  if (oomKilled) return " (OOM-killed)";
  return oomUnconfirmed ? " (SIGKILL under the memory limit, OOM kill not confirmed)" : "";
}

/** A list of at most `max` items: "a, b, c and 4 more". */
export function listOf(items: readonly string[], max = 8): string {
  const shown = items.slice(0, max).join(", ");
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/** Whether the run under the policy's profile went well: healthy, stayed up, did not exit on its own. */
export function ranWell(rt: RuntimeFacts): boolean {
  return rt.health?.healthy === true && rt.stayedUp !== false && !rt.exited && !(rt.restarts && rt.restarts > 0);
}
