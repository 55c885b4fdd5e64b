import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MAX_JUDGED, MAX_PER_FILE, SEARCH_STOPPED, SecretContentFinder, secretContents } from "./secret-contents.js";

// tokens made at run time (no token-shaped literal in the source)
const rep = (s: string, n: number) => s.repeat(Math.ceil(n / s.length)).slice(0, n);
const GH = "ghp_" + rep("aB3dE5fG7h", 36);
const AWS_ID = "AKIA" + rep("Q7RT2XZ4", 16);
const AWS_SECRET = rep("wJalrXUtnFEMIK7MDENGbPxRfiCY", 40);
const sha = (v: string) => `sha256:${createHash("sha256").update(v).digest("hex")}`;

/** The findings when the content comes in pieces of `size` bytes. */
function inPieces(path: string, text: string, size: number) {
  const bytes = Buffer.from(text);
  const f = new SecretContentFinder().reset(path, bytes.length);
  for (let i = 0; i < bytes.length; i += size) f.push(bytes.subarray(i, i + size));
  return f.finish();
}

const TRUE_CASES: [string, string, string, string][] = [
  // kind, path, text, the value the finding is for
  ["aws-access-key-id", "/app/a.txt", `id = ${AWS_ID}\n`, AWS_ID],
  ["aws-secret-key", "/root/.aws/credentials", `[default]\naws_secret_access_key = ${AWS_SECRET}\n`, AWS_SECRET],
  ["aws-secret-key", "/app/cfg.js", `module.exports = { secretAccessKey: "${AWS_SECRET}" };`, AWS_SECRET],
  ["github-token", "/app/config.js", `const t = "${GH}";`, GH],
  ["github-token", "/app/x", `gho_${rep("Zy9", 36)}`, `gho_${rep("Zy9", 36)}`],
  ["github-token", "/app/x", `T=github_pat_${rep("11ABCDEFG0", 60)}\n`, `github_pat_${rep("11ABCDEFG0", 60)}`],
  ["gitlab-token", "/app/x", `token: glpat-${rep("xY1-_z", 20)}`, `glpat-${rep("xY1-_z", 20)}`],
  ["slack-token", "/app/x", `"xoxb-${rep("12345-abcd", 30)}"`, `xoxb-${rep("12345-abcd", 30)}`],
  ["stripe-key", "/app/x", `key=sk_live_${rep("4eC39HqLyjWDarjtT1zdp7dc", 24)}`, `sk_live_${rep("4eC39HqLyjWDarjtT1zdp7dc", 24)}`],
  ["google-api-key", "/app/x", `k: AIza${rep("SyD-9tSrke72PouQMnMX", 35)}"`, `AIza${rep("SyD-9tSrke72PouQMnMX", 35)}`],
  ["npm-token", "/app/x", `NPM=npm_${rep("aZ09", 36)}\n`, `npm_${rep("aZ09", 36)}`],
  ["pypi-token", "/app/x", `password = pypi-AgEIcHlwaS5vcmc${rep("CJDQ4Mj-_", 70)}`, `pypi-AgEIcHlwaS5vcmc${rep("CJDQ4Mj-_", 70)}`],
  ["url-credentials", "/root/.git-credentials", "https://bob:hunter2secret@github.com\n", "hunter2secret"],
  ["url-credentials", "/app/db.yml", "url: postgres://app:Pa55w0rd@db:5432/app", "Pa55w0rd"],
  ["npm-auth-token", "/home/u/.npmrc", "//registry.example.com/:_authToken=abcdef0123456789\n", "abcdef0123456789"],
  ["docker-auth", "/root/.docker/config.json", `{"auths":{"r.example":{"auth":"dXNlcjpwYXNzd29yZA=="}}}`, "dXNlcjpwYXNzd29yZA=="],
  ["docker-identity-token", "/root/.docker/config.json", `{"auths":{"r":{\n  "identitytoken": "eyJhbGciOi.abc"\n}}}`, "eyJhbGciOi.abc"],
  ["netrc-password", "/root/.netrc", "machine api.example.com login bob password s3cr3t-pw\n", "s3cr3t-pw"],
];

const FALSE_CASES: [string, string, string][] = [
  ["aws id inside a longer word", "/app/x", `X${AWS_ID}`],
  ["aws id too short", "/app/x", "AKIA1234"],
  ["aws secret under another key", "/app/x", `other_key = ${AWS_SECRET}`],
  ["github prefix, short", "/app/x", "ghp_short"],
  ["gh inside a word", "/app/x", `high_${rep("a", 40)} xghp_${rep("a", 36)}`],
  ["stripe test key", "/app/x", `sk_test_${rep("a1", 24)}`],
  ["google key too short", "/app/x", "AIzaShort"],
  ["npm_ too short", "/app/x", "npm_config_cache=/tmp"],
  ["pypi, not a macaroon", "/app/x", "pypi-simple-index"],
  ["url without password", "/app/x", "https://user@example.com https://example.com:8443/x"],
  ["url with a template password", "/app/x", "postgres://app:${DB_PASSWORD}@db/app"],
  ["url with a documentation placeholder", "/app/x", "http://user:pass@proxy.example.com/ scheme://[user:passwd@]proxy https://u:password@h https://u:xxxx@h"],
  ["a cvs pserver url", "/usr/share/doc/x/copyright", "  cvs://:pserver:anoncvs@sources.example.com:/cvs/src"],
  ["AWS's documented example key id", "/usr/lib/node_modules/aws-sdk/README.md", "id: AKIA" + "IOSFODNN7EXAMPLE\n"],
  ["AWS's documented example secret", "/usr/lib/python3/dist-packages/botocore/docs/x.rst", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY\n"],
  ["placeholders in a .env.example", "/app/.env.example", ["GITHUB_TOKEN=ghp_" + "x".repeat(36), "AWS_ACCESS_KEY_ID=AKIA" + "X".repeat(16), "STRIPE=sk_live_" + "x".repeat(24), "GOOGLE=AIza" + "X".repeat(35), "NPM=npm_" + "0".repeat(36), "SLACK=xoxb-" + "X".repeat(12) + "-" + "X".repeat(12)].join("\n")],
  ["url with other templates and placeholders", "/app/x", "https://u:<password>@h https://u:{{.Pw}}@h https://u:%DB_PW%@h https://u:changeme@h https://u:***@h"],
  ["a placeholder _authToken", "/root/.npmrc", "//r/:_authToken=changeme"],
  ["a placeholder .netrc password", "/root/.netrc", "machine h login u password xxxxxxxx\n"],
  ["_authToken outside .npmrc", "/app/docs.md", "_authToken=abcdef0123456789"],
  ["_authToken from the environment", "/root/.npmrc", "//r/:_authToken=${NPM_TOKEN}"],
  ["auth outside docker config", "/app/x.json", '{"auth":"dXNlcjpwYXNzd29yZA=="}'],
  ["password outside .netrc", "/app/x", "password hunter2"],
  ["a binary file", "/app/blob", `\u0000${GH}`],
];

describe("SecretContentFinder: a real token beside a placeholder", () => {
  it("finds the real one only", () => {
    const found = secretContents("/app/.env", Buffer.from(`A=AKIA${"IOSFODNN7EXAMPLE"}\nB=${AWS_ID}\nC=ghp_${"x".repeat(36)}\nD=${GH}\n`));
    expect(found.map((f) => [f.kind, f.line, f.sha256])).toEqual([
      ["aws-access-key-id", 2, sha(AWS_ID)],
      ["github-token", 4, sha(GH)],
    ]);
  });
});

describe("SecretContentFinder", () => {
  it.each(TRUE_CASES)("finds %s in %s", (kind, path, text, value) => {
    const found = secretContents(path, Buffer.from(text));
    expect(found.map((f) => f.kind)).toContain(kind);
    const f = found.find((x) => x.kind === kind)!;
    expect(f.sha256).toBe(sha(value));
    expect(f.redacted).toMatch(new RegExp(`^<${kind} .{0,2}… ${value.length} chars>$`));
    expect(JSON.stringify(found)).not.toContain(value);
  });

  it.each(FALSE_CASES)("finds nothing: %s", (_what, path, text) => {
    expect(secretContents(path, Buffer.from(text))).toEqual([]);
  });

  it("finds a token split across two pieces, and its line", () => {
    const text = "line one\n".repeat(500) + `const t = "${GH}";\n` + "tail\n".repeat(300);
    const split = text.indexOf(GH) + 10;
    const bytes = Buffer.from(text);
    const f = new SecretContentFinder().reset("/app/config.js", bytes.length);
    f.push(bytes.subarray(0, split));
    f.push(bytes.subarray(split));
    const found = f.finish();
    expect(found).toEqual([{ kind: "github-token", line: 501, redacted: `<github-token gh… ${GH.length} chars>`, sha256: sha(GH) }]);
  });

  it("gives the same findings whatever the pieces", () => {
    const text = `a\nb ${AWS_ID}\n` + "x".repeat(3000) + `\nurl=https://u:longpassword@h/\n` + "y\n".repeat(100) + GH + "\n".repeat(5000) + ` xoxb-${rep("12345-abcd", 30)}`;
    const whole = inPieces("/app/f", text, text.length);
    expect(whole.map((f) => [f.kind, f.line])).toEqual([
      ["aws-access-key-id", 2],
      ["url-credentials", 4],
      ["github-token", 105],
      ["slack-token", 5105],
    ]);
    for (const size of [1, 7, 64, 599, 600, 641, 1000, 1304, 1500, 2500, 3100, 4096]) expect(inPieces("/app/f", text, size)).toEqual(whole);
  });

  it("searches only the bound, and stops at a binary first block or a hole at the start", () => {
    const text = "x".repeat(2000) + GH;
    expect(secretContents("/app/f", Buffer.from(text), 1000)).toEqual([]);
    const f = new SecretContentFinder().reset("/app/f", 10_000);
    f.zeros(100);
    f.push(Buffer.from(GH));
    expect(f.finish()).toEqual([]);
  });

  it("keeps one finding per value and at most MAX_PER_FILE per file, then says where the search stopped", () => {
    expect(secretContents("/app/f", Buffer.from(`${GH}\n${GH}\n`))).toHaveLength(1);
    const many = Array.from({ length: 40 }, (_, i) => `https://u:pass${i}word@h/`).join("\n");
    const found = secretContents("/app/f", Buffer.from(many));
    expect(found).toHaveLength(MAX_PER_FILE + 1);
    // the 17th token is on line 17: the file is not shown free of tokens after it
    expect(found.at(-1)).toEqual({ kind: SEARCH_STOPPED, line: 17, redacted: `<not searched after line 17: ${MAX_PER_FILE} tokens found>`, sha256: "" });
  });

  it("stops on a file with more token-shaped strings than are judged, and says so; a token repeated end to end is judged once", () => {
    for (const unit of ["ghp_", "xoxb-", "glpat-", " AKIA", "a://u:p@"]) {
      const body = Buffer.from(unit.repeat(Math.ceil((1 << 20) / unit.length)), "latin1");
      const found = secretContents("/app/f.js", body);
      expect(found.at(-1)?.kind, unit).toBe(SEARCH_STOPPED);
      expect(found.at(-1)?.redacted).toContain(`more than ${MAX_JUDGED}`);
    }
    // below the bound: every token, and nothing said
    const fine = Array.from({ length: 200 }, () => "see ghp_ and npm_ in the docs").join("\n") + `\n${GH}\n`;
    expect(secretContents("/app/f.md", Buffer.from(fine)).map((f) => [f.kind, f.line])).toEqual([["github-token", 201]]);
  });
});
