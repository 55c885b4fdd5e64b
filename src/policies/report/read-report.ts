/**
 * Reads a JSON report back (`imgpolicy report merge`): a regular file of at most
 * MAX_REPORT_BYTES, JSON no deeper than any JSON imgpolicy parses and with at most
 * MAX_REPORT_CONTAINERS objects and arrays (checked before parsing), valid against
 * schema/report.schema.json. Anything else is one ReportInputError line that names the
 * file and what is wrong, never what the file holds.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Ajv, ErrorObject, Options, ValidateFunction } from "ajv";
import { UsageError } from "../../errors.js";
import { FileReadError, readRegularFile } from "../../files/regular-file.js";
import { jsonShapeProblem, MAX_JSON_DEPTH } from "../../inspect/sources/json.js";
import type { Report } from "../report-types.js";

/** A report input that cannot be merged: not a report, another tool version, an image twice… (exit 2). */
export class ReportInputError extends UsageError {}

/** A report is about 40 KB and 160 objects and arrays an image (more with many findings): a shard of a thousand images is tens of MiB. */
export const MAX_REPORT_BYTES = 128 << 20;
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

/** A report from text (for tests, and for the file once read). */
export function parseReport(bytes: Buffer, file: string): Report {
  const shape = jsonShapeProblem(bytes, MAX_JSON_DEPTH, MAX_REPORT_CONTAINERS);
  if (shape) throw new ReportInputError(`${file}: not an imgpolicy report: the JSON is ${shape}`);
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

export async function readReport(file: string): Promise<Report> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(file, MAX_REPORT_BYTES, "reports");
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    throw new ReportInputError(`cannot read the report ${file}: ${err.reason}`, { cause: err });
  }
  return parseReport(bytes, file);
}
