import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReportedFinding } from "../policies/report-types.js";
import { renderJson } from "../policies/report/json.js";
import { renderText } from "../policies/report/text.js";
import { sampleReport } from "../policies/report/sample-report.fixture.js";
import type { Io } from "./main.js";
import { emitReport, type EmitOptions } from "./report-outputs.js";

/** The sample report with a rule of 20,000 findings: a JSON document of a few MB. */
function bigReport() {
  const report = sampleReport();
  const rule = report.images.flatMap((i) => i.results).find((r) => r.status === "fail")!;
  rule.findings = Array.from({ length: 20_000 }, (_, i): ReportedFinding => ({ message: `history step ${i} runs apt-get \u202e`, location: { config: `history[${i}]` } }));
  return report;
}

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), isTTY: false };
  return { io, out, err };
}

const opts: EmitOptions = { color: false, verbose: false, quiet: false, showSkipped: false };

describe("emitReport", () => {
  let dir = "";
  beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), "imgpolicy-outputs-"))));
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("writes the JSON report to standard output in pieces that make the whole document", async () => {
    const report = bigReport();
    const { io, out } = captureIo();
    expect(await emitReport(report, [{ format: "json" }], opts, io)).toBe(true);
    expect(out.length).toBeGreaterThan(10);
    expect(out.join("")).toBe(renderJson(report));
  });

  it("writes the JSON report to a file, the same bytes, beside another format on standard output", async () => {
    const report = bigReport();
    const file = join(dir, "deep", "report.json");
    const { io, out } = captureIo();
    expect(await emitReport(report, [{ format: "text" }, { format: "json", file }], opts, io)).toBe(true);
    expect(await readFile(file, "utf8")).toBe(renderJson(report));
    expect(out.join("")).toBe(renderText(report, { color: false, verbose: false, failuresOnly: false }));
  });

  it("decorates text but writes JSON as it is rendered", async () => {
    const report = sampleReport();
    const file = join(dir, "decorated.json");
    const { io, out } = captureIo();
    const decorate = (format: string, text: string) => `${text}[decorated ${format}]\n`;
    expect(await emitReport(report, [{ format: "text" }, { format: "json", file }], { ...opts, decorate }, io)).toBe(true);
    expect(out.join("")).toMatch(/\[decorated text\]\n$/);
    expect(await readFile(file, "utf8")).toBe(renderJson(report));
  });

  it("says in one line when the JSON file cannot be written", async () => {
    const { io, err } = captureIo();
    await writeFile(join(dir, "a-file"), "");
    const file = join(dir, "a-file", "under-a-file.json");
    expect(await emitReport(sampleReport(), [{ format: "json", file }], opts, io)).toBe(false);
    expect(err.join("")).toMatch(/cannot write the json report to .*under-a-file\.json: .*\n$/);
  });
});
