import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import { escapeJson } from "../../text/escape.js";
import type { Report } from "../report-types.js";
import { renderJson, renderJsonChunks } from "./json.js";
import { NASTY, sampleReport, unreadableReport } from "./sample-report.fixture.js";

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

  describe("renderJsonChunks", () => {
    /** What the report was before it was written in pieces: the document built whole. */
    const whole = (r: unknown) => escapeJson(JSON.stringify(r, null, 2)) + "\n";

    /** Every character escapeJson writes as \u, JSON's own escapes, and characters kept as they are. */
    const ODD = [
      NASTY,
      "\x00\x01\x08\t\n\v\f\r\x1b\x1f \x7f\x80\x85\x9b\x9f",
      "bidi \u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069 end",
      "invisible \u00ad\u200b\u2060\ufeff\ufff9\u2028\u2029 tags \u{e0001}\u{e0041}\u{e007f}",
      "lone \ud800 and \udfff surrogates, a pair \u{1f600}, joiners kept \u200c\u200d \u{1f469}\u200d\u{1f52c}",
      'quotes " and \\ backslashes \\" and / slashes, é ß 中文 عربى',
      "",
    ];

    function oddReport(): Report {
      const r = sampleReport();
      const img = r.images[0]!;
      img.reference = ODD.join("|");
      img.results[0]!.findings = ODD.map((s, i) => ({ message: s, location: { config: `Labels.${s}`, path: `/${s}`, dockerfile: { file: s, line: i + 1 } }, expected: s, found: s }));
      img.results[0]!.remediation = ODD.join("\n");
      (img as unknown as Record<string, unknown>)[ODD[3]!] = { [ODD[4]!]: ODD[1] };
      return r;
    }

    /** Reports with values JSON.stringify treats specially: left-out properties, empty containers, toJSON, non-finite numbers, a big list. */
    function shapesReport(): Report {
      const r = sampleReport() as unknown as Record<string, unknown>;
      r.extra = {
        absent: undefined,
        fn: () => 1,
        empties: [[], {}, [[]], [{}], { a: {} }, { only: undefined }],
        holes: [undefined, () => 2, null, Symbol("s")],
        numbers: [0, -0, 1.5e300, -1e-7, NaN, Infinity, -Infinity, 2 ** 53],
        boxed: [Object(1), Object("s\u202e"), Object(false)],
        when: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
        custom: { toJSON: (key: string) => ({ key, nested: [1, { x: "\u2028" }] }) },
        2: "integer-like keys come first",
        many: Array.from({ length: 3000 }, (_, i) => ({ i, s: `step ${i}` })),
      };
      return r as unknown as Report;
    }

    const reports: [string, () => Report][] = [
      ["the sample report", sampleReport],
      ["an unreadable image", unreadableReport],
      ["odd strings", oddReport],
      ["odd shapes", shapesReport],
    ];

    it.each(reports)("%s: the pieces make exactly the document JSON.stringify(report, null, 2) makes, escaped", (_name, make) => {
      const r = make();
      const expected = whole(r);
      for (const size of [1, 7, 100, 64 * 1024]) expect(Array.from(renderJsonChunks(r, size)).join(""), `pieces of ${size}`).toBe(expected);
      expect(renderJson(r)).toBe(expected);
    });

    it("keeps the escapes of invisible characters, and reads back to the same values", () => {
      const r = oddReport();
      const out = Array.from(renderJsonChunks(r, 5)).join("");
      for (const esc of ["\\u007f", "\\u0085", "\\u009b", "\\u202e", "\\u2066", "\\u200b", "\\ufeff", "\\u2028", "\\u2029", "\\udb40\\udc41", "\\ud800", "\\u001b"]) expect(out).toContain(esc);
      // eslint-disable-next-line no-control-regex
      expect(out).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2028\u2029\u2060-\u2069\ufeff]|[\u{e0000}-\u{e007f}]/u);
      expect(out).toContain("\u200c\u200d");
      expect(out).toContain("\u{1f600}");
      expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(r)));
    });

    it("gives a big report out in pieces of about the size asked, each ending between tokens", () => {
      const r = shapesReport();
      const pieces = Array.from(renderJsonChunks(r, 4096));
      expect(pieces.length).toBeGreaterThan(20);
      // a piece closes at the first token boundary past the size (counted before escaping); the tokens here are short
      for (const p of pieces) expect(p.length).toBeLessThan(4096 + 200);
      for (const p of pieces.slice(0, -1)) expect(p).toMatch(/(?:[\]},:"\d]|\n *| |null|true|false)$/);
    });

    it("refuses a cycle as JSON.stringify does", () => {
      const r = sampleReport() as unknown as Record<string, unknown>;
      r.self = { r };
      expect(() => JSON.stringify(r)).toThrow(TypeError);
      expect(() => Array.from(renderJsonChunks(r as unknown as Report))).toThrow(TypeError);
    });
  });
});
