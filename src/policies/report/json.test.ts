import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import type { Report } from "../report-types.js";
import { renderJson } from "./json.js";
import { sampleReport, unreadableReport } from "./sample-report.fixture.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const schema = JSON.parse(readFileSync(new URL("../../../schema/report.schema.json", import.meta.url), "utf8")) as Record<string, unknown>;

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe("renderJson", () => {
  it("prints the report as is, pretty", () => {
    const out = renderJson(sampleReport());
    expect(JSON.parse(out)).toEqual(sampleReport());
    expect(out.endsWith("}\n")).toBe(true);
    expect(out.split("\n")[1]).toBe('  "schema": "imgpolicy/report@1",');
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\x00-\x09\x0b-\x1f]/);
  });

  it("matches schema/report.schema.json, for a failing report and for an unreadable image", () => {
    const validate = validator();
    for (const r of [sampleReport(), unreadableReport()]) {
      const ok = validate(JSON.parse(renderJson(r)));
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it("has a schema that rejects what a report may not be", () => {
    const validate = validator();
    const broken: [string, (r: Report) => void][] = [
      ["skip without a reason", (r) => delete r.images[0]!.results.find((x) => x.status === "skip")!.reason],
      ["unknown severity", (r) => ((r.images[0]!.results[0]!.severity as string) = "urgent")],
      ["failed rule without findings", (r) => (r.images[0]!.results[0]!.findings = [])],
      ["Dockerfile line 0", (r) => (r.images[0]!.results[0]!.findings[0]!.location!.dockerfile!.line = 0)],
      ["waiver expiry not a date", (r) => (r.images[0]!.results[1]!.expiredWaivers![0]!.expires = "next year")],
      ["other schema", (r) => ((r.schema as string) = "imgpolicy/report@2")],
      ["runtime not run without a reason", (r) => delete r.images[1]!.runtime!.reason],
      ["runtime status unknown", (r) => ((r.images[0]!.runtime!.status as string) = "skipped")],
      ["runtime peak memory negative", (r) => (r.images[0]!.runtime!.peakMemoryBytes = -1)],
    ];
    for (const [what, breakIt] of broken) {
      const r = sampleReport();
      breakIt(r);
      expect(validate(JSON.parse(renderJson(r))), what).toBe(false);
    }
  });

  it("is documented field by field in docs/report.md", () => {
    const doc = readFileSync(new URL("../../../docs/report.md", import.meta.url), "utf8");
    const names = new Set<string>();
    const walk = (node: unknown): void => {
      if (!node || typeof node !== "object") return;
      const props = (node as { properties?: Record<string, unknown> }).properties;
      if (props) for (const k of Object.keys(props)) names.add(k);
      for (const v of Object.values(node)) walk(v);
    };
    walk(schema);
    expect(names.size).toBeGreaterThan(30);
    const missing = [...names].filter((n) => !doc.includes(`\`${n}\``) && !doc.includes(`.${n}\``));
    expect(missing).toEqual([]);
  });
});
