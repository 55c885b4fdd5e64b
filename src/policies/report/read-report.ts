/**
 * Reads a JSON report back (`imgpolicy report merge`): a regular file of at most
 * MAX_REPORT_BYTES, JSON no deeper than any JSON imgpolicy parses and with at most
 * MAX_REPORT_CONTAINERS objects and arrays and no string longer than MAX_REPORT_STRING
 * bytes as written (both checked before parsing), valid against
 * schema/report.schema.json. Anything else is one ReportInputError line that names the
 * file and what is wrong, never what the file holds.
 */
import { readFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Ajv, ErrorObject, Options, ValidateFunction } from "ajv";
import { UsageError } from "../../errors.js";
import { FileReadError, readRegularFile } from "../../files/regular-file.js";
import { jsonShapeProblem, MAX_JSON_DEPTH } from "../../inspect/sources/json.js";
import type { Report } from "../report-types.js";

/** A report input that cannot be merged: not a report, another tool version, an image twice… (exit 2). */
export class ReportInputError extends UsageError {}

/**
 * The bytes of the reports one merge reads, together (and so of each). A report is about
 * 40 KB and 160 objects and arrays an image (more with many findings): 16 MiB holds some
 * 400 images. Reading, parsing and rendering hold several copies of what is merged: the
 * worst 16 MiB (64 KiB messages, printed as text) peaks at about 240 MB, within the 256 MB
 * a run may use; 128 MiB took 1.2 GB.
 */
export const MAX_REPORT_BYTES = 16 << 20;
/** Bytes of one JSON string as written: imgpolicy writes messages of a line, paths, references, never a 64 KiB string. */
export const MAX_REPORT_STRING = 64 << 10;
/** Objects and arrays in one report: a report's JSON is broad, not deep, and this bounds the memory parsing it takes. */
export const MAX_REPORT_CONTAINERS = 2_000_000;

export const REPORT_SCHEMA_FILE = fileURLToPath(new URL("../../../schema/report.schema.json", import.meta.url));

let validator: ValidateFunction | undefined;

// ajv is loaded when a report is first read, as the policy validator loads it
const load = createRequire(import.meta.url);
const defaultOf = <T>(m: unknown): T => ((m as { default?: T }).default ?? m) as T;

/** The report schema's validator; it stops at the first problem (only one is shown, and the input may be large and wrong everywhere). */
function validate(): ValidateFunction {
  if (!validator) {
    const { Ajv: AjvClass } = load("ajv") as { Ajv: new (o: Options) => Ajv };
    const ajv = new AjvClass({ allErrors: false, strict: false });
    defaultOf<(a: Ajv) => Ajv>(load("ajv-formats"))(ajv);
    validator = ajv.compile(JSON.parse(readFileSync(REPORT_SCHEMA_FILE, "utf8")) as object);
  }
  return validator;
}

/** The first schema problem as "at /images/0/results: must have required property 'rule'". */
function schemaProblem(errors: readonly ErrorObject[]): string {
  const e = errors.find((x) => x.keyword !== "if") ?? errors[0];
  if (!e) return "it does not match the report schema";
  return `at ${e.instancePath || "the top"}: ${e.message ?? "is invalid"}`;
}

/**
 * Where the first JSON string longer than `limit` bytes (as written, between its quotes)
 * starts, or -1. Outside strings a quote only opens one; inside, it closes it unless an
 * odd number of backslashes stands before it. Text that is not JSON is left to the parser.
 */
export function longStringAt(bytes: Uint8Array, limit: number): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  for (;;) {
    const start = buf.indexOf(0x22, pos);
    if (start < 0) return -1;
    let end = start;
    for (;;) {
      end = buf.indexOf(0x22, end + 1);
      if (end < 0) return buf.length - start - 1 > limit ? start : -1;
      let k = end - 1;
      while (buf[k] === 0x5c) k--;
      if ((end - 1 - k) % 2 === 0) break;
    }
    if (end - start - 1 > limit) return start;
    pos = end + 1;
  }
}

/** A report from text (for tests, and for the file once read). */
export function parseReport(bytes: Buffer, file: string): Report {
  const shape = jsonShapeProblem(bytes, MAX_JSON_DEPTH, MAX_REPORT_CONTAINERS);
  if (shape) throw new ReportInputError(`${file}: not an imgpolicy report: the JSON is ${shape}`);
  const long = longStringAt(bytes, MAX_REPORT_STRING);
  if (long >= 0) {
    throw new ReportInputError(`${file}: not a report imgpolicy writes: the string at byte ${long} is longer than ${MAX_REPORT_STRING >> 10} KiB (a message, path or reference is never that long)`);
  }
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new ReportInputError(`${file}: not an imgpolicy report: not JSON (write it with check --format json=${file})`);
  }
  const schema = (data as { schema?: unknown } | null)?.schema;
  if (typeof data !== "object" || data === null || Array.isArray(data) || typeof schema !== "string" || !schema.startsWith("imgpolicy/report@")) {
    throw new ReportInputError(`${file}: not an imgpolicy report: no "schema": "imgpolicy/report@1" (write it with check --format json=${file})`);
  }
  if (schema !== "imgpolicy/report@1") throw new ReportInputError(`${file}: a report of schema ${JSON.stringify(schema).slice(0, 40)}, which this imgpolicy does not read (it reads imgpolicy/report@1)`);
  const v = validate();
  if (!v(data)) throw new ReportInputError(`${file}: not a valid imgpolicy report: ${schemaProblem(v.errors ?? [])}`);
  return data as Report;
}

async function readBytes(file: string, maxBytes: number): Promise<Buffer> {
  try {
    return await readRegularFile(file, maxBytes, "reports");
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    throw new ReportInputError(`cannot read the report ${file}: ${err.reason}`, { cause: err });
  }
}

export async function readReport(file: string): Promise<Report> {
  return parseReport(await readBytes(file, MAX_REPORT_BYTES), file);
}

const limitText = `${MAX_REPORT_BYTES >> 20} MiB`;

/**
 * The reports of one merge, in order, at most MAX_REPORT_BYTES together: their sizes are
 * added up before any is read (one file alone is refused by its read), and each is read
 * with what is left of the budget.
 */
export async function readReports(files: readonly string[]): Promise<{ file: string; report: Report }[]> {
  let total = 0;
  for (const file of files) total += await stat(file).then((s) => (s.isFile() ? s.size : 0), () => 0);
  if (files.length > 1 && total > MAX_REPORT_BYTES) {
    throw new ReportInputError(`the ${files.length} reports are ${total} bytes together, over the ${limitText} limit for one merge: merge fewer at a time (a gate: split it into more shards, or merge by groups of images)`);
  }
  const out: { file: string; report: Report }[] = [];
  let left = MAX_REPORT_BYTES;
  for (const file of files) {
    const bytes = await readBytes(file, left);
    left -= bytes.length;
    out.push({ file, report: parseReport(bytes, file) });
  }
  return out;
}
