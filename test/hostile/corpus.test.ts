/**
 * The hostile corpus (fixtures/hostile) run through the real binary (`npm run build`
 * first: bin/ runs dist/). Each case is built into a temporary directory, run as a child
 * process under GNU time with a hard timeout, two at a time, and judged on the outcome it
 * states, peak memory (< 256 MB), wall time, raw control characters and planted strings in
 * its output, and what it wrote outside its sandbox: its fresh working directory must
 * stay empty, its input directory unchanged, and it may write nowhere else: with strace
 * installed, every path its file system calls wrote, created or removed is checked;
 * without, os.tmpdir() must have no new entry (which other test runs on the machine can
 * also make).
 *
 * HOSTILE_ONLY=REGEX runs the cases whose id matches; HOSTILE_KEEP=1 keeps the corpus
 * directory (its path is printed) to rerun a case by hand; HOSTILE_RESULTS=FILE writes
 * every case's outcome there, one JSON object a line.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CASES } from "../../fixtures/hostile/index.js";
import type { CaseRun, HostileCase } from "../../fixtures/hostile/case.js";
import { GNU_TIME, makeSandbox, runCase, type CaseResult } from "./run-case.js";
import { DEFAULT_HARD_TIMEOUT_S, DEFAULT_MAX_SECONDS, firstLine, judge, type Verdict } from "./verdict.js";
import { haveStrace, outside as outsideOf, straceArgs, writtenPaths } from "./trace-writes.js";
import { added, changes, listing, names } from "./watch-dirs.js";

const BIN = resolve("bin/imgpolicy.js");
const only = process.env.HOSTILE_ONLY ? new RegExp(process.env.HOSTILE_ONLY) : undefined;
const cases = CASES.filter((c) => !only || only.test(c.id));
const CONCURRENCY = 2;
/** strace when installed: every path the run wrote; otherwise new entries of os.tmpdir(), which other processes may also make. */
const tracing = haveStrace();

interface Outcome {
  build?: CaseRun;
  buildError?: string;
  buildSeconds: number;
  result?: CaseResult;
  verdict?: Verdict;
}

const outcomes = new Map<string, Outcome>();
let root = "";
let totalSeconds = 0;

async function pool<T>(items: readonly T[], n: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function buildCase(c: HostileCase): Promise<void> {
  const started = Date.now();
  const dir = join(root, "cases", c.id);
  await mkdir(dir, { recursive: true });
  try {
    const build = await c.build(dir);
    outcomes.set(c.id, { build, buildSeconds: (Date.now() - started) / 1000 });
  } catch (err) {
    outcomes.set(c.id, { buildError: (err as Error).stack ?? String(err), buildSeconds: (Date.now() - started) / 1000 });
  }
}

async function runOne(c: HostileCase): Promise<void> {
  const o = outcomes.get(c.id)!;
  if (!o.build) return;
  const inputDir = join(root, "cases", c.id);
  const sandbox = await makeSandbox(join(root, "sandboxes", c.id));
  const inputBefore = await listing(inputDir);
  const tmpBefore = await names(tmpdir());
  const hardTimeoutMs = 1000 * (c.maxSeconds ? c.maxSeconds * 3 : DEFAULT_HARD_TIMEOUT_S);
  const trace = join(sandbox.root, "strace.out");
  o.result = await runCase(o.build, sandbox, { bin: BIN, hardTimeoutMs, ...(tracing ? { tracer: straceArgs(trace) } : {}) });
  const written = tracing
    ? outsideOf(writtenPaths(await readFile(trace, "utf8").catch(() => ""), sandbox.cwd), [sandbox.root, "/dev/null"])
    : added(tmpBefore, await names(tmpdir()), [basename(root)]).map((n) => join(tmpdir(), n));
  const outside = [
    ...written,
    ...changes(inputBefore, await listing(inputDir)).map((l) => `input ${l}`),
    ...(await listing(sandbox.cwd)).map((l) => `cwd ${l}`),
  ];
  const report = await readFile(join(sandbox.root, "report.json"), "utf8").catch(() => undefined);
  o.verdict = judge(c, o.result, { outside, ...(report !== undefined ? { report } : {}) });
}

beforeAll(async () => {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} (GNU time) is missing: scripts/bootstrap.sh installs it (apt-get install time)`);
  if (!existsSync(join("dist", "cli", "main.js"))) throw new Error("dist/ is missing: run `npm run build` first");
  const started = Date.now();
  root = await mkdtemp(join(tmpdir(), "imgpolicy-hostile-"));
  await pool(cases, CONCURRENCY, buildCase);
  const built = Date.now();
  await pool(cases, CONCURRENCY, runOne);
  totalSeconds = (Date.now() - started) / 1000;
  console.log(`hostile corpus: built ${cases.length} cases in ${((built - started) / 1000).toFixed(1)} s, ran them in ${((Date.now() - built) / 1000).toFixed(1)} s${process.env.HOSTILE_KEEP ? ` (kept in ${root})` : ""}`);
}, 290_000);

afterAll(async () => {
  printSummary();
  if (process.env.HOSTILE_RESULTS) await writeResults(process.env.HOSTILE_RESULTS);
  if (root && !process.env.HOSTILE_KEEP) await rm(root, { recursive: true, force: true });
});

async function writeResults(file: string): Promise<void> {
  const lines = cases.map((c) => {
    const o = outcomes.get(c.id);
    const r = o?.result;
    return JSON.stringify({ id: c.id, class: c.class, expect: c.expect, code: r?.code, line: r ? firstLine(r) : o?.buildError, rssMiB: r?.peakRss ? Math.round(r.peakRss / 1048576) : undefined, seconds: r ? Number(r.seconds.toFixed(2)) : undefined, buildSeconds: o?.buildSeconds, problems: o?.verdict?.notes ?? [] });
  });
  await writeFile(file, lines.join("\n") + "\n");
}

function printSummary(): void {
  const all = cases.map((c) => ({ c, o: outcomes.get(c.id) }));
  const has = (p: string) => all.filter(({ o }) => o?.verdict?.problems.includes(p as never)).length;
  const ok = (expect: "reads" | "error") => all.filter(({ c, o }) => c.expect === expect && o?.verdict && o.verdict.problems.length === 0).length;
  const lines = [
    `hostile corpus summary (${totalSeconds.toFixed(1)} s)`,
    `  cases ${cases.length}: reads ${cases.filter((c) => c.expect === "reads").length} expected, ${ok("reads")} passed; errors ${cases.filter((c) => c.expect === "error").length} expected, ${ok("error")} clean`,
    `  build failures ${all.filter(({ o }) => o?.buildError).length}, hangs ${has("hang")}, excess memory ${has("memory")}, slow ${has("slow")}, leaks ${all.filter(({ o }) => o?.verdict?.problems.some((p) => p === "planted" || p === "wrote-outside")).length} (planted ${has("planted")}, wrote outside ${has("wrote-outside")}), raw control ${has("raw-control")}, false passes ${has("false-pass")}, wrong outcome ${has("wrong-outcome")}, unclean errors ${has("unclean-error")}`,
  ];
  const rss = all.map(({ o }) => o?.result?.peakRss ?? 0);
  const secs = all.map(({ o }) => o?.result?.seconds ?? 0);
  lines.push(`  peak RSS max ${(Math.max(0, ...rss) / 1048576).toFixed(0)} MiB, slowest ${Math.max(0, ...secs).toFixed(1)} s`);
  for (const { c, o } of all) {
    if (o?.buildError) lines.push(`  FAIL ${c.id}: build failed: ${o.buildError.split("\n")[0]}`);
    if (!o?.verdict || o.verdict.problems.length === 0) continue;
    const r = o.result!;
    lines.push(`  FAIL ${c.id} [${c.expect}] exit ${r.code} ${r.peakRss ? (r.peakRss / 1048576).toFixed(0) : "?"} MiB ${r.seconds.toFixed(1)} s: ${JSON.stringify(firstLine(r).slice(0, 160))}`);
    for (const n of o.verdict.notes) lines.push(`       ${n.slice(0, 300)}`);
  }
  console.log(lines.join("\n"));
}

describe("hostile corpus", () => {
  const byClass = new Map<string, HostileCase[]>();
  for (const c of cases) byClass.set(c.class, [...(byClass.get(c.class) ?? []), c]);
  for (const [cls, list] of byClass) {
    describe(cls, () => {
      for (const c of list) {
        it(`${c.id}: ${c.description} → ${c.expect}`, () => {
          const o = outcomes.get(c.id);
          expect(o?.buildError, "the case's input was built").toBeUndefined();
          const r = o!.result!;
          const summary = `exit ${r.code}, ${r.peakRss ? (r.peakRss / 1048576).toFixed(0) : "?"} MiB, ${r.seconds.toFixed(1)} s (max ${c.maxSeconds ?? DEFAULT_MAX_SECONDS} s), stderr ${JSON.stringify(r.stderr.slice(0, 400))}`;
          expect(o!.verdict!.notes, summary).toEqual([]);
        });
      }
    });
  }
});
