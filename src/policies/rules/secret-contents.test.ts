/** IMG-FS-007 over facts as the inspector writes them (secret-contents.ts), and over a real layer scan's findings. */
import { describe, expect, it } from "vitest";
import { secretContents } from "../../inspect/parsers/secret-contents.js";
import type { Facts, SecretContentFact } from "../../inspect/facts/types.js";
import { rule } from "./secret-contents.js";
import { baseFacts, optionsErrors, run } from "./test-facts.js";

const GH = "ghp_" + "aB3dE5fG7h".repeat(4).slice(0, 36);

function factsWith(found: { path: string; layer: number; text: string }[]): Facts {
  const f = baseFacts();
  const list: SecretContentFact[] = [];
  for (const { path, layer, text } of found) for (const s of secretContents(path, Buffer.from(text))) list.push({ path, layer, ...s });
  f.filesystem.secretContents = list;
  return f;
}

describe("IMG-FS-007 secret contents", () => {
  it("passes with no findings, and on facts from before the field", () => {
    expect(run(rule, baseFacts()).status).toBe("pass");
    expect(run(rule, factsWith([{ path: "/app/a.js", layer: 0, text: "const x = 1;" }])).status).toBe("pass");
  });

  it("fails once per leak, naming path, line and layer, never the value", () => {
    const facts = factsWith([
      { path: "/app/config.js", layer: 1, text: `// cfg\nexport const token = "${GH}";\n` },
      { path: "/root/.npmrc", layer: 2, text: "//r.example/:_authToken=abcdef0123456789\n" },
    ]);
    const r = run(rule, facts);
    expect(r.status).toBe("fail");
    expect(r.outcome.status === "fail" && r.outcome.findings.map((f) => f.location)).toEqual([
      { path: "/app/config.js", layer: 1 },
      { path: "/root/.npmrc", layer: 2 },
    ]);
    expect(r.text).toContain("/app/config.js (layer 2) line 2 holds github-token <github-token gh… 40 chars>");
    expect(r.text).toContain("/root/.npmrc (layer 3) line 1 holds npm-auth-token");
    expect(r.text).not.toContain(GH);
    expect(r.text).not.toContain("abcdef0123456789");
  });

  it("ignores vendored test data by default, keeps application paths, and the list is overridable", () => {
    const facts = factsWith([
      { path: "/usr/local/go/src/crypto/tls/testdata/x", layer: 0, text: GH },
      { path: "/usr/lib/python3.11/test/keys.py", layer: 0, text: GH + "1" },
      { path: "/app/node_modules/pkg/test/fixture.js", layer: 0, text: GH + "2" },
      { path: "/app/src/index.js", layer: 1, text: GH + "3" },
    ]);
    const r = run(rule, facts);
    expect(r.outcome.status === "fail" && r.outcome.findings.map((f) => f.location?.path)).toEqual(["/app/src/index.js"]);
    const all = run(rule, facts, { ignore: [] });
    expect(all.outcome.status === "fail" && all.outcome.findings).toHaveLength(4);
  });

  it("accepts a value by its sha256", () => {
    const facts = factsWith([{ path: "/app/a.js", layer: 0, text: GH }]);
    const sha = facts.filesystem.secretContents![0]!.sha256;
    expect(run(rule, facts, { accept: [sha] }).status).toBe("pass");
    expect(optionsErrors(rule, { ignore: ["/opt/**"], accept: [sha] })).toEqual([]);
    expect(optionsErrors(rule, { accept: ["not-a-hash"] })).not.toEqual([]);
  });
  it("a file whose search stopped fails, and accepting its tokens does not hide the rest", () => {
    const text = Array.from({ length: 17 }, (_, i) => `https://u:pass${i}word@h/`).join("\n") + `\nconst t = "${GH}";\n`;
    const facts = factsWith([{ path: "/app/fixtures.txt", layer: 1, text }]);
    const all = facts.filesystem.secretContents!;
    const accept = all.filter((s) => s.sha256 !== "").map((s) => s.sha256);
    const r = run(rule, facts, { accept });
    expect(r.status).toBe("fail");
    expect(r.text).toContain("/app/fixtures.txt (layer 2) was not searched after line 17");
    expect(r.text).not.toContain(GH);
    expect(run(rule, facts, { accept, ignore: ["/app/fixtures.txt"] }).status).toBe("pass");
  });
});
