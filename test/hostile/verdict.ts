/**
 * What a hostile case's run is judged on: the outcome it states (read, or one clean
 * error line and exit 2), peak memory, wall time, raw control characters and planted
 * strings in what it printed, and files written outside its sandbox.
 */
import type { HostileCase } from "../../fixtures/hostile/case.js";
import type { CaseResult } from "./run-case.js";

export const MAX_RSS = 256 * 1024 * 1024;
export const DEFAULT_MAX_SECONDS = 15;
export const DEFAULT_HARD_TIMEOUT_S = 20;

/**
 * Raw characters no output may hold: C0 controls but LF and TAB, DEL, C1 controls,
 * bidirectional controls, line and paragraph separators, and invisible format
 * characters (soft hyphen, zero-width space, word joiner..., BOM).
 */
export const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u;

export type Problem =
  | "hang"
  | "wrong-outcome"
  | "false-pass"
  | "unclean-error"
  | "memory"
  | "slow"
  | "raw-control"
  | "planted"
  | "wrote-outside";

export interface Verdict {
  problems: Problem[];
  /** One line a problem, for the test's failure message and the summary. */
  notes: string[];
}

export interface Extra {
  /** The JSON report the case asked for, when there is one. */
  report?: string;
  /** Paths created outside the sandbox during the run. */
  outside: string[];
}

const show = (s: string, n = 200) => JSON.stringify(s.length > n ? s.slice(0, n) + "…" : s);

export function firstLine(r: CaseResult): string {
  return r.stderr.split("\n").find((l) => l.trim() !== "") ?? "";
}

export function judge(c: HostileCase, r: CaseResult, extra: Extra): Verdict {
  const problems: Problem[] = [];
  const notes: string[] = [];
  const add = (p: Problem, note: string) => {
    if (!problems.includes(p)) problems.push(p);
    notes.push(`${p}: ${note}`);
  };
  const maxSeconds = c.maxSeconds ?? DEFAULT_MAX_SECONDS;
  if (r.hung) add("hang", `killed after ${r.seconds.toFixed(1)} s`);
  else {
    const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
    if (c.expect === "reads") {
      if (r.code === 0 || r.code === 1) {
        if (r.stdout.trim() === "") add("wrong-outcome", `exit ${r.code} but nothing on stdout`);
      } else add("wrong-outcome", `expected a read, got exit ${r.code}${r.signal ? ` (${r.signal})` : ""}: ${show(firstLine(r))}`);
    } else if (r.code === 0 || r.code === 1) add("false-pass", `expected exit 2, got exit ${r.code}`);
    else if (r.code !== 2) add("wrong-outcome", `expected exit 2, got ${r.code}${r.signal ? ` (${r.signal})` : ""}: ${show(firstLine(r))}`);
    else {
      const mode = c.errorLines ?? "one";
      if (mode === "one" && lines.length !== 1) add("unclean-error", `${lines.length} lines on stderr: ${show(r.stderr, 300)}`);
      if (mode !== "report" && !lines.every((l) => l.startsWith("imgpolicy: "))) add("unclean-error", `a line does not start 'imgpolicy: ': ${show(lines.find((l) => !l.startsWith("imgpolicy: ")) ?? "")}`);
      if (mode === "report" && lines.length + r.stdout.split("\n").filter((l) => l.trim() !== "").length === 0) add("unclean-error", "nothing reported");
      if (/\n\s+at .+[(:]\d+/.test(r.stderr)) add("unclean-error", "stack trace on stderr");
      const said = (c.errorLines === "report" ? r.stdout + r.stderr : lines[0]) ?? "";
      if (c.match && said && !c.match.test(said)) add("wrong-outcome", `output does not match ${c.match}: ${show(said)}`);
    }
  }
  if (r.peakRss !== undefined && r.peakRss >= MAX_RSS) add("memory", `peak RSS ${(r.peakRss / 1048576).toFixed(0)} MiB`);
  if (!r.hung && r.seconds >= maxSeconds) add("slow", `${r.seconds.toFixed(1)} s, allowed ${maxSeconds} s`);
  for (const [name, text] of [["stdout", r.stdout], ["stderr", r.stderr], ["report", extra.report ?? ""]] as const) {
    const raw = RAW.exec(text);
    if (raw && name !== "report") {
      const at = raw.index;
      add("raw-control", `${name} holds U+${raw[0].codePointAt(0)!.toString(16).padStart(4, "0")} at ${at}: ${show(text.slice(Math.max(0, at - 40), at + 40), 120)}`);
    }
    for (const p of c.planted ?? []) if (text.includes(p)) add("planted", `${name} holds the planted ${show(p, 40)}`);
  }
  if (extra.outside.length) add("wrote-outside", extra.outside.slice(0, 5).join(", "));
  return { problems, notes };
}
