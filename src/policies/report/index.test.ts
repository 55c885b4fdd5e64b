import { describe, expect, it } from "vitest";
import { FORMAT_EXTENSIONS, FORMATS, isFormat, render, renderCodeQuality, renderJson, renderJunit, renderMarkdown, renderSarif, renderText } from "./index.js";
import { sampleReport } from "./sample-report.fixture.js";

describe("render", () => {
  it("knows every format", () => {
    expect([...FORMATS]).toEqual(["text", "json", "junit", "sarif", "markdown", "codequality"]);
    expect(Object.keys(FORMAT_EXTENSIONS).sort()).toEqual([...FORMATS].sort());
    expect(isFormat("sarif")).toBe(true);
    expect(isFormat("html")).toBe(false);
  });

  it("hands each format to its reporter", () => {
    const r = sampleReport();
    expect(render("text", r)).toBe(renderText(r, { color: false }));
    expect(render("text", r, { color: true, verbose: true })).toBe(renderText(r, { color: true, verbose: true }));
    expect(render("json", r)).toBe(renderJson(r));
    expect(render("junit", r)).toBe(renderJunit(r));
    expect(render("sarif", r, { informationUri: "https://example.test" })).toBe(renderSarif(r, { informationUri: "https://example.test" }));
    expect(render("markdown", r)).toBe(renderMarkdown(r));
    expect(render("markdown", r, { showSkipped: true })).toBe(renderMarkdown(r, { showSkipped: true }));
    expect(render("junit", r, { showSkipped: true })).toBe(renderJunit(r, { showSkipped: true }));
    expect(render("text", r, { failuresOnly: true })).toBe(renderText(r, { color: false, failuresOnly: true }));
    expect(render("codequality", r, { baseDir: "/src", dockerfile: "Dockerfile" })).toBe(renderCodeQuality(r, { baseDir: "/src", dockerfile: "Dockerfile" }));
    expect(render("sarif", r, { baseDir: "/src" })).toBe(renderSarif(r, { baseDir: "/src" }));
  });

  it("only renders: the report is left as it was, and every output ends in one newline", () => {
    const r = sampleReport();
    for (const f of FORMATS) {
      const out = render(f, r, { verbose: true });
      expect(out.endsWith("\n") && !out.endsWith("\n\n"), f).toBe(true);
    }
    expect(r).toEqual(sampleReport());
  });
});
