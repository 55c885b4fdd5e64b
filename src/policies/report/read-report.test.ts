import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderJson } from "./json.js";
import { longStringAt, MAX_REPORT_BYTES, MAX_REPORT_CONTAINERS, MAX_REPORT_STRING, parseReport, readReport, readReports, ReportInputError } from "./read-report.js";
import { sampleReport, unreadableReport } from "./sample-report.fixture.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgpolicy-read-report-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const parse = (text: string) => parseReport(Buffer.from(text), "r.json");
const problem = async (read: () => unknown) => {
  try {
    await read();
  } catch (err) {
    expect(err).toBeInstanceOf(ReportInputError);
    return (err as Error).message;
  }
  throw new Error("read");
};

describe("readReport", () => {
  it("reads back what check --format json writes", async () => {
    const file = join(dir, "ok.json");
    await writeFile(file, renderJson(sampleReport()));
    expect(await readReport(file)).toEqual(sampleReport());
  });

  it("names what is wrong with a file that is not a report, never what it holds", async () => {
    expect(await problem(() => parse("root:$6$secret:19000::\n"))).toBe("r.json: not an imgpolicy report: not JSON (write it with check --format json=r.json)");
    expect(await problem(() => parse('{"password": "hunter2"}'))).toBe('r.json: not an imgpolicy report: no "schema": "imgpolicy/report@1" (write it with check --format json=r.json)');
    expect(await problem(() => parse("[1, 2]"))).toMatch(/no "schema"/);
    expect(await problem(() => parse("null"))).toMatch(/no "schema"/);
    expect(await problem(() => parse('{"schema": "imgpolicy/report@2"}'))).toBe('r.json: a report of schema "imgpolicy/report@2", which this imgpolicy does not read (it reads imgpolicy/report@1)');
    const broken = sampleReport() as unknown as { images: { results: { rule?: string }[] }[] };
    delete broken.images[0]!.results[0]!.rule;
    expect(await problem(() => parse(JSON.stringify(broken)))).toBe("r.json: not a valid imgpolicy report: at /images/0/results/0: must have required property 'rule'");
    const counts = sampleReport() as unknown as { counts: { fail: unknown } };
    counts.counts.fail = "many";
    expect(await problem(() => parse(JSON.stringify(counts)))).toBe("r.json: not a valid imgpolicy report: at /counts/fail: must be integer");
  });

  it("refuses JSON nested too deep or with too many objects before parsing it", async () => {
    expect(await problem(() => parse(`${"[".repeat(5000)}${"]".repeat(5000)}`))).toMatch("r.json: not an imgpolicy report: the JSON is nested more than 100 levels deep");
    const many = `{"schema":"imgpolicy/report@1","x":[${Array.from({ length: MAX_REPORT_CONTAINERS + 1 }, () => "{}").join(",")}]}`;
    expect(await problem(() => parse(many))).toBe(`r.json: not an imgpolicy report: the JSON is more than ${MAX_REPORT_CONTAINERS} objects and arrays`);
  });

  it("reads only a regular file under the size limit", async () => {
    const big = join(dir, "big.json");
    await writeFile(big, "");
    await truncate(big, MAX_REPORT_BYTES + 1);
    expect(await problem(() => readReport(big))).toBe(`cannot read the report ${big}: ${MAX_REPORT_BYTES + 1} bytes, over the ${MAX_REPORT_BYTES >> 20} MiB limit for reports`);
    const fifo = join(dir, "fifo.json");
    execFileSync("mkfifo", [fifo]);
    expect(await problem(() => readReport(fifo))).toMatch(new RegExp(`^cannot read the report ${fifo}: .*FIFO`));
    const sub = join(dir, "dir.json");
    await mkdir(sub);
    expect(await problem(() => readReport(sub))).toMatch(/directory/);
    expect(await problem(() => readReport(join(dir, "none.json")))).toBe(`cannot read the report ${join(dir, "none.json")}: no such file or directory`);
  });
});

describe("the memory a merge may take", () => {
  it("finds a JSON string longer than the limit, escapes and all, before parsing", () => {
    expect(longStringAt(Buffer.from('{"a":"abc","b":"de\\"f"}'), 5)).toBe(-1);
    expect(longStringAt(Buffer.from('{"a":"abc","b":"de\\"fg"}'), 5)).toBe(15);
    expect(longStringAt(Buffer.from('{"a":"\\\\","b":"abcdef"}'), 5)).toBe(14);
    expect(longStringAt(Buffer.from('{"a":"abcdef'), 5)).toBe(5);
  });

  it("refuses a report with a string over 64 KiB, in one line that does not show it", async () => {
    const r = sampleReport();
    r.images[0]!.results[0]!.findings[0]!.message = `${"s3cret".repeat(12_000)}`;
    const message = await problem(() => parse(JSON.stringify(r)));
    expect(message).toMatch(/^r\.json: not a report imgpolicy writes: the string at byte \d+ is longer than 64 KiB \(a message, path or reference is never that long\)$/);
    expect(message).not.toContain("s3cret");
    r.images[0]!.results[0]!.findings[0]!.message = "x".repeat(MAX_REPORT_STRING);
    expect(parse(JSON.stringify(r)).images[0]!.results[0]!.findings[0]!.message).toHaveLength(MAX_REPORT_STRING);
  });

  it("reads the reports of one merge up to MAX_REPORT_BYTES together, in order", async () => {
    const a = join(dir, "a.json");
    const b = join(dir, "b.json");
    await writeFile(a, renderJson(sampleReport()));
    await writeFile(b, renderJson(unreadableReport()));
    expect((await readReports([a, b])).map((x) => x.file)).toEqual([a, b]);
    const half = join(dir, "half.json");
    await writeFile(half, "");
    await truncate(half, (MAX_REPORT_BYTES >> 1) + 1);
    expect(await problem(() => readReports([a, half, half]))).toMatch(/^the 3 reports are \d+ bytes together, over the 16 MiB limit for one merge: merge fewer at a time/);
  });
});
