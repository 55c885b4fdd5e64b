import { describe, expect, it } from "vitest";
import { escapeText } from "../../text/escape.js";
import { renderJunit, xmlAttr, xmlText } from "./junit.js";
import { APP, BASE, NASTY, sampleReport, unreadableReport } from "./sample-report.fixture.js";

interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const decode = (s: string) =>
  s.replace(/&(#\d+|[a-z]+);/g, (_m, e: string) => (e.startsWith("#") ? String.fromCharCode(Number(e.slice(1))) : ENTITIES[e]!));

/**
 * A strict little XML reader, enough for what the reporter writes: it fails on any
 * text it cannot account for, unbalanced tags, a raw "<" or "&" in text or in an
 * attribute, an unknown entity and characters XML 1.0 does not allow.
 */
function parseXml(xml: string): El {
  // eslint-disable-next-line no-control-regex
  expect(xml).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f]/);
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  const body = xml.slice(xml.indexOf("?>") + 2);
  const token = /<\/([A-Za-z][\w-]*)>|<([A-Za-z][\w-]*)((?:\s+[\w-]+="[^"<&]*(?:&(?:#\d+|amp|lt|gt|quot|apos);[^"<&]*)*")*)\s*(\/?)>|([^<]+)/y;
  const root: El = { name: "#document", attrs: {}, children: [], text: "" };
  const stack = [root];
  let m: RegExpExecArray | null;
  while (token.lastIndex < body.length && (m = token.exec(body))) {
    const top = stack.at(-1)!;
    if (m[1]) {
      expect(top.name).toBe(m[1]);
      stack.pop();
    } else if (m[2]) {
      const attrs: Record<string, string> = {};
      for (const a of m[3]!.matchAll(/([\w-]+)="([^"]*)"/g)) {
        expect(attrs[a[1]!], `duplicate attribute ${a[1]}`).toBeUndefined();
        attrs[a[1]!] = decode(a[2]!);
      }
      const el: El = { name: m[2], attrs, children: [], text: "" };
      top.children.push(el);
      if (!m[4]) stack.push(el);
    } else {
      expect(m[5]).not.toMatch(/&(?!(?:#\d+|amp|lt|gt|quot|apos);)/);
      top.text += decode(m[5]!);
    }
  }
  expect(token.lastIndex, "unparsed XML").toBe(body.length);
  expect(stack).toHaveLength(1);
  expect(root.children).toHaveLength(1);
  return root.children[0]!;
}

const all = (el: El, name: string): El[] => [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => all(c, name))];
const num = (el: El, a: string) => Number(el.attrs[a]);

describe("renderJunit", () => {
  const doc = parseXml(renderJunit(sampleReport(), { showSkipped: true }));
  const suites = all(doc, "testsuite");

  it("leaves not-applicable rules out by default, and counts only what it lists", () => {
    const d = parseXml(renderJunit(sampleReport()));
    const [app, base] = all(d, "testsuite");
    expect(all(d, "skipped")).toEqual([]);
    expect([num(app!, "tests"), num(app!, "failures"), num(app!, "skipped")]).toEqual([7, 4, 0]);
    expect([num(base!, "tests"), num(base!, "skipped")]).toEqual([2, 0]);
    expect([num(d, "tests"), num(d, "skipped")]).toEqual([9, 0]);
    expect(all(app!, "testcase").some((c) => c.attrs.name!.startsWith("IMG-CA-001"))).toBe(false);
  });

  it("writes one testsuite per image and one testcase per rule", () => {
    expect(doc.name).toBe("testsuites");
    expect(suites.map((s) => s.attrs.name)).toEqual([APP, BASE]);
    const report = sampleReport();
    suites.forEach((s, i) => {
      const cases = all(s, "testcase");
      expect(cases).toHaveLength(report.images[i]!.results.length);
      expect(cases.every((c) => c.attrs.classname === report.images[i]!.reference)).toBe(true);
      expect(new Set(cases.map((c) => c.attrs.name))).toEqual(new Set(report.images[i]!.results.map((r) => escapeText(`${r.rule} ${r.title}`))));
    });
  });

  it("puts counts in the attributes that match the elements", () => {
    for (const s of [...suites, doc]) {
      expect(num(s, "tests")).toBe(all(s, "testcase").length);
      expect(num(s, "failures")).toBe(all(s, "failure").length);
      expect(num(s, "skipped")).toBe(all(s, "skipped").length);
      expect(num(s, "errors")).toBe(all(s, "error").length);
    }
    expect([num(suites[0]!, "tests"), num(suites[0]!, "failures"), num(suites[0]!, "skipped")]).toEqual([8, 4, 1]);
    expect([num(suites[1]!, "tests"), num(suites[1]!, "failures"), num(suites[1]!, "skipped")]).toEqual([5, 0, 3]);
    expect(suites[0]!.attrs.timestamp).toBe("2025-05-01T12:00:00");
  });

  it("carries severity, findings and the fix in failures", () => {
    const failures = all(suites[0]!, "failure");
    expect(failures.map((f) => f.attrs.type)).toEqual(["critical", "high", "high", "medium"]);
    const secret = failures[0]!;
    expect(secret.attrs.message).toBe("ENV API_TOKEN holds what looks like a GitHub token");
    expect(secret.text).toContain("where: config Env.API_TOKEN, build/Dockerfile:7");
    expect(secret.text).toContain("found: ghp_…Zx (redacted)");
    expect(secret.text).toContain("fix: Pass the token at run time instead:\n  docker run --env-file …");
    const user = failures.find((f) => f.attrs.message === "the image runs as root")!;
    expect(user.text).toContain("! waiver expired 2024-01-31, no longer applies");
    const suid = failures.find((f) => f.attrs.message === "/usr/bin/su is setuid root")!;
    expect(suid.text).toContain("waived: needed by the FUSE sidecar (until 2099-12-31, waivers.yaml:14)");
  });

  it("marks not-applicable rules skipped and waived rules passed with a note", () => {
    const skipped = all(suites[0]!, "skipped");
    expect(skipped.map((s) => s.attrs.message)).toEqual(["the entrypoint makes no TLS connections"]);
    const health = all(suites[0]!, "testcase").find((c) => c.attrs.name === "IMG-HEALTH-001 Has a HEALTHCHECK")!;
    expect(health.children.map((c) => c.name)).toEqual(["system-out"]);
    expect(health.children[0]!.text).toContain("waived: the orchestrator probes it (until 2026-12-31, waivers.yaml:4)");
    const passed = all(suites[1]!, "testcase").filter((c) => c.children.length === 0);
    expect(passed.map((c) => c.attrs.name)).toEqual(["IMG-SECRET-001 No secrets in the environment", "IMG-USER-001 Runs as a non-root user"]);
  });

  it("escapes & < > \" ' and control characters, and they read back as written", () => {
    const shell = all(suites[0]!, "testcase").find((c) => c.attrs.name!.startsWith("IMG-SHELL-001"))!;
    expect(shell.attrs.name).toBe(escapeText(`IMG-SHELL-001 Shell present (${NASTY})`));
    expect(shell.attrs.name).toContain(`a&b <c> "d" 'e' |f| \`g\` \\x1b[2J\\x07\\u202e`);
    expect(shell.children[0]!.text).toContain(`- a shell is present: a&b <c> "d" 'e'`);
    expect(xmlAttr(`&<>"'\t\n\r`)).toBe("&amp;&lt;&gt;&quot;&apos;&#9;&#10;&#13;");
    expect(xmlText("]]> & <x>")).toBe("]]&gt; &amp; &lt;x&gt;");
    expect(xmlText("a\x00b\x1bc\ud800d\uffff")).toBe("a\\x00b\\x1bc\\ud800d\\uffff");
    expect(xmlText("emoji 😀 stays")).toBe("emoji 😀 stays");
  });

  it("reports an image that could not be read as an error", () => {
    const d = parseXml(renderJunit(unreadableReport()));
    const [suite] = all(d, "testsuite");
    expect(suite!.attrs).toMatchObject({ name: "missing:latest", tests: "1", failures: "0", errors: "1", skipped: "0" });
    const [err] = all(suite!, "error");
    expect(err!.attrs.message).toContain("no such image: missing:latest a&b <c>");
  });
});
