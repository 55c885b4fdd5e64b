import { describe, expect, it } from "vitest";
import type { Report, RuleResult } from "../report-types.js";
import { RULES } from "../rules/index.js";
import { GITHUB_COMMENT_LIMIT, mdCode, mdText, renderMarkdown } from "./markdown.js";
import { APP, BASE, sampleReport, unreadableReport } from "./sample-report.fixture.js";

/**
 * A release of `n` images, each checked against every rule as a naive image is: 15
 * failed rules with two findings each, 20 not applicable, the rest passed.
 */
function releaseReport(n: number, failed = 15): Report {
  const r = sampleReport();
  r.images = Array.from({ length: n }, (_, i) => {
    const results = RULES.map((rule, k): RuleResult => {
      const base = { rule: rule.id, title: rule.title, category: rule.category, severity: rule.severity, remediation: rule.remediation };
      if (k < failed) {
        const finding = (j: number) => ({ message: `/usr/lib/x86_64-linux-gnu/library-${j}.so breaks ${rule.title.toLowerCase()}`, location: { path: `/usr/lib/library-${j}.so`, layer: 2 }, expected: "nothing here", found: "-rwsr-xr-x 0:0" });
        return { ...base, status: "fail", findings: [finding(1), finding(2)] };
      }
      if (k < failed + 20) return { ...base, status: "skip", findings: [], reason: "the image has no entrypoint binary to judge, so this rule has nothing to check" };
      return { ...base, status: "pass", findings: [] };
    });
    return { reference: `registry.example.com/team/service-${i}:1.4.2`, digest: `sha256:${"ab".repeat(32)}`, platform: "linux/amd64", results, counts: r.counts, passed: false };
  });
  return r;
}

/** Table cells of a GFM row: split on "|" not preceded by a backslash. */
const cells = (row: string) => row.replace(/^\|/, "").replace(/\|$/, "").split(/(?<!\\)\|/).map((c) => c.trim());

/** The image sections: from each "### " heading to the next. */
function sections(md: string): string[] {
  return md.split(/^(?=### )/m).slice(1);
}

describe("renderMarkdown", () => {
  const md = renderMarkdown(sampleReport());

  it("starts with the overall verdict and the policies", () => {
    const lines = md.split("\n");
    expect(lines[0]).toBe("## imgpolicy: ❌ 2 images: 1 passed, 1 failed — 4 failed rules (1 critical, 2 high, 1 medium), 1 waived, 4 not applicable, 1 expired waiver");
    expect(lines[2]).toBe("Policies: `base`, `policies/team.yaml` · fails on high and above");
  });

  it("folds not-applicable and passed rules into counts per image; --show-skipped and --verbose list them", () => {
    const [app, base] = sections(md);
    expect(app).not.toContain("IMG-CA-001");
    expect(app).toContain("\n✅ 2 rules passed (`--verbose` lists them) · ➖ 1 rule not applicable (`--show-skipped` lists them)\n");
    expect(base).toContain("\n✅ 2 rules passed (`--verbose` lists them) · ➖ 3 rules not applicable (`--show-skipped` lists them)\n");
    const shown = renderMarkdown(sampleReport(), { showSkipped: true });
    expect(shown).toContain("➖ not applicable: the entrypoint makes no TLS connections");
    expect(shown).not.toContain("--show-skipped");
    expect(shown).toContain("✅ 2 rules passed (`--verbose` lists them)\n");
  });

  it("keeps a release of 20 images under GitHub's comment limit, each fix written once", () => {
    expect(RULES.length).toBeGreaterThanOrEqual(60);
    const out = renderMarkdown(releaseReport(20, 3));
    expect(out.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    expect(sections(out)).toHaveLength(20);
    expect(out.split("<details>")).toHaveLength(20 * 3 + 1);
    expect(out.split("**Fix:**\n")).toHaveLength(3 + 1);
    expect(out).toContain(`**Fix:** as for \`${RULES[0]!.id}\` above.`);
    expect(out).not.toContain("left out");
  });

  it("leaves out the details of later images rather than pass the limit, never a table", () => {
    const big = releaseReport(20, 15);
    const out = renderMarkdown(big);
    expect(out.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    const secs = sections(out);
    expect(secs).toHaveLength(20);
    for (const s of secs) expect(s.split("\n").filter((l) => l.startsWith("| ")).length).toBe(2 + 15);
    expect(secs[0]).toContain("<details>");
    expect(secs[19]).toContain("_The findings of these 15 rules are left out to keep this under 65,536 characters");
    expect(renderMarkdown(big, { maxLength: 10_000_000 })).not.toContain("left out");
  });

  it("writes a table per image: one row per rule, three cells each, failed first", () => {
    const md = renderMarkdown(sampleReport(), { showSkipped: true, showPassed: true });
    const [app, base] = sections(md);
    expect(app).toMatch(new RegExp(`^### ❌ failed: \`${APP.replace(/\./g, "\\.")}\``));
    expect(base).toMatch(/^### ✅ passed: `registry\.example\/base:2`/);
    const rows = (s: string) => s.split("\n").filter((l) => l.startsWith("| "));
    const appRows = rows(app!);
    expect(appRows[0]).toBe("| rule | severity | status |");
    expect(appRows[1]).toBe("| --- | --- | --- |");
    const body = appRows.slice(2).map(cells);
    expect(body).toHaveLength(8);
    expect(body.every((c) => c.length === 3)).toBe(true);
    expect(body.map((c) => c[1])).toEqual(["critical", "high", "high", "medium", "low", "medium", "low", "info"]);
    expect(body.map((c) => c[2]!.replace(/:.*/, ""))).toEqual(["❌ failed", "❌ failed", "❌ failed", "❌ failed", "⚪ waived", "➖ not applicable", "✅ passed", "✅ passed"]);
    expect(body[5]![2]).toBe("➖ not applicable: the entrypoint makes no TLS connections");
    expect(rows(base!).slice(2)).toHaveLength(5);
    expect(base).not.toContain("<details>");
    expect(md).toContain(BASE);
  });

  it("details each failed and waived rule in a <details> block", () => {
    const [app] = sections(md);
    const blocks = app!.match(/<details>[\s\S]*?<\/details>/g)!;
    expect(blocks).toHaveLength(5);
    expect(app!.split("<details>").length).toBe(app!.split("</details>").length);
    expect(blocks.map((b) => /<b>([^<]+)<\/b>/.exec(b)![1])).toEqual(["IMG-SECRET-001", "IMG-SUID-001", "IMG-USER-001", "IMG-SHELL-001", "IMG-HEALTH-001"]);
    const secret = blocks[0]!;
    expect(secret).toContain("<summary><b>IMG-SECRET-001</b> No secrets in the environment (critical, failed, 1 finding)</summary>\n\n");
    expect(secret).toContain("where: `config Env.API_TOKEN`, `build/Dockerfile:7`");
    expect(secret).toContain("**Fix:**\n\n```text\nPass the token at run time instead:");
    expect(blocks[1]).toContain("_waived: needed by the FUSE sidecar (until 2099-12-31, waivers.yaml:14)_");
    expect(blocks[2]).toContain("⚠️ waiver expired 2024-01-31, no longer applies");
    expect(blocks[4]).not.toContain("**Fix:**");
  });

  it("escapes pipes, backticks and HTML so nothing from an image breaks the page", () => {
    const row = md.split("\n").find((l) => l.startsWith("| `IMG-SHELL-001`"))!;
    expect(cells(row)).toHaveLength(3);
    expect(row).toContain("\\|f\\|");
    expect(row).toContain("\\`g\\`");
    expect(row).toContain("&lt;c&gt;");
    expect(md).not.toContain("<c>\" 'e'");
    // Outside code blocks and code spans (where HTML is shown as written), only our own tags are raw HTML.
    const prose = md.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, "").replace(/(?<!`)(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, "");
    expect(prose).not.toContain("`");
    const tags = new Set(prose.match(/<\/?[a-z]+>/g));
    expect(tags).toEqual(new Set(["<details>", "</details>", "<summary>", "</summary>", "<b>", "</b>"]));
    // eslint-disable-next-line no-control-regex
    expect(md).not.toMatch(/[\x00-\x09\x0b-\x1f\u202e]/);
    // The remediation holds ``` fences: the block around it uses a longer fence.
    expect(md).toContain("````text\nRemove the shell,");
    expect(md).toContain("RUN rm /bin/sh\n```\n````");
  });

  it("builds code spans and text that survive any content", () => {
    expect(mdCode("plain")).toBe("`plain`");
    expect(mdCode("a`b")).toBe("``a`b``");
    expect(mdCode("`x`")).toBe("`` `x` ``");
    expect(mdCode("a|b", true)).toBe("`a\\|b`");
    expect(mdText("*a* _b_ [c](d) <e> & |f| ~g~ \\")).toBe("\\*a\\* \\_b\\_ \\[c\\](d) &lt;e&gt; &amp; \\|f\\| \\~g\\~ \\\\");
  });

  it("gives the runtime figures of each image that was to be run", () => {
    const [app, base] = sections(md);
    expect(app).toContain("\nRuntime: healthy in 850 ms (http), peak memory 11.5 MiB, killed at the end of the grace period, 10 s after the stop signal (exit code 137)\n");
    expect(base).toContain("\nRuntime: not run: no container engine\n");
  });

  it("says when an image could not be read", () => {
    const out = renderMarkdown(unreadableReport());
    expect(out).toContain("### ❌ not checked: `missing:latest`");
    expect(out.split("\n")[0]).toMatch(/^## imgpolicy: ❌ 1 image: 0 passed, 0 failed, 1 could not be read — /);
    expect(out).toContain("**Could not be read:** no such image: missing:latest a&amp;b &lt;c&gt;");
    expect(out).not.toContain("| rule |");
  });
});
