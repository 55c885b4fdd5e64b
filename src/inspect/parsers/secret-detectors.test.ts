import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { detectToken, detectTokens, isAwsSecretKey, redactedForm, SECRET_DETECTORS } from "./secret-detectors.js";
import { sha256Text } from "./sha256-text.js";

// planted values, split so that no scanner reads this file as holding them
const ALNUM36 = "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
const cases: { kind: string; yes: string[]; no: string[] }[] = [
  { kind: "private-key", yes: ["-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN OPENSSH PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----"], no: ["-----BEGIN PUBLIC KEY-----", "-----BEGIN CERTIFICATE-----", "BEGIN PRIVATE KEY"] },
  { kind: "aws-access-key-id", yes: ["AKIA" + "Z7QWERTYUIOPASDF", "id=ASIA" + "Z7QWERTYUIOPASDF;", "AKIA" + "EXAMPLE7IOSFODNN"], no: ["AKIA" + "IOSFODNN7EXAMPLE", "ASIA" + "Z7QWERTYU" + "EXAMPLE", "AKIA" + "X".repeat(16), "AKIA" + "0".repeat(16), "XAKIA" + "Z7QWERTYUIOPASDF", "AKIA" + "Z7QWERTYUIOPASD", "AKIA" + "z7qwertyuiopasdf", "AKIA" + "Z7QWERTYUIOPASDFG"] },
  { kind: "github-token", yes: ["ghp_" + ALNUM36, "gho_" + ALNUM36, "ghs_" + ALNUM36, "ghu_" + ALNUM36, "ghr_" + ALNUM36, "github_pat_" + "11ABCDEFG0_".repeat(3)], no: ["ghp_" + "x".repeat(36), "ghp_" + "X".repeat(40), "gho_" + "7".repeat(36), "github_pat_" + "X".repeat(22) + "_" + "x".repeat(59), "ghp_" + ALNUM36.slice(0, 35), "ghx_" + ALNUM36, "xghp_" + ALNUM36, "github_pat_short"] },
  { kind: "gitlab-token", yes: ["glpat-" + "Ab3_dE6-gH9jK2mN5pQ8"], no: ["glpat-" + "x".repeat(20), "glpat-" + "Ab3dE6gH9", "xglpat-" + "Ab3_dE6-gH9jK2mN5pQ8"] },
  { kind: "slack-token", yes: ["xoxb-" + "1234567890-abcdefghij", "xoxp-" + "12345-67890-abc", "xoxa-" + "1234567890", "xoxr-" + "1234567890", "xoxs-" + "1234567890"], no: ["xoxb-" + "XXXXXXXXXXXX-XXXXXXXXXXXX-XXXXXXXXXXXXXXXXXXXXXXXX", "xoxz-" + "1234567890", "xoxb-" + "123"] },
  { kind: "stripe-key", yes: ["sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "rk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"], no: ["sk_live_" + "x".repeat(24), "sk_live_" + "0".repeat(24), "sk_test_" + "4eC39HqLyjWDarjtT1zdp7dc", "pk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "sk_live_" + "short"] },
  { kind: "google-api-key", yes: ["AIza" + "SyA-1234567890abcdefghijklmnopqrstu"], no: ["AIza" + "X".repeat(35), "AIza" + "Sy" + "X".repeat(33), "AIza" + "SyA-123", "AIzb" + "SyA-1234567890abcdefghijklmnopqrstu"] },
  { kind: "npm-token", yes: ["npm_" + ALNUM36], no: ["npm_" + "x".repeat(36), "npm_" + "a".repeat(36), "npm_" + ALNUM36.slice(0, 30), "npm_" + ALNUM36 + "x", "npm_install"] },
  { kind: "pypi-token", yes: ["pypi-AgEIcHlwaS5vcmc" + "CJDk4YzE1NmQ0LTk5ZjItNDY5Ni1hMjNhLTFiYzk0MjA4NjRkMgACKlsz"], no: ["pypi-AgEIcHlwaS5vcmc" + "short", "pypi-package-name"] },
  { kind: "url-credentials", yes: ["https://user:" + "s3cr3t@example.com/x", "postgres://app:" + "Pw9x@db/app", "redis://:" + "c4che@r"], no: ["https://user:${PASSWORD}@db/app", "https://u:$PW@h", "https://u:$(cat /run/secrets/pw)@h", "https://u:{{.Pw}}@h", "https://u:<password>@h", "https://u:%DB_PW%@h", "https://u:%s@h", "http://user:pass@proxy", "https://u:changeme@h", "https://u:xxxx@h", "https://u:***@h", "cvs://:pserver:anoncvs@host", "https://user@example.com", "https://example.com:8443/x", "mailto:a@b"] },
];

describe("secret detectors: each format's true and false cases", () => {
  it("covers every detector kind", () => {
    expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(SECRET_DETECTORS.map((d) => d.kind).filter((k) => k !== "jwt")));
  });
  for (const c of cases) {
    it(c.kind, () => {
      for (const v of c.yes) expect(detectToken(v)?.kind, v).toBe(c.kind);
      for (const v of c.no) expect(detectTokens(v).filter((t) => t.kind === c.kind), v).toEqual([]);
    });
  }

  it("documented examples and placeholders are not findings; a real token beside one still is", () => {
    const aws = "AKIA" + "Z7QWERTYUIOPASDF";
    expect(detectToken("AKIA" + "IOSFODNN7EXAMPLE")).toBeUndefined();
    expect(detectToken("ghp_" + "x".repeat(36))).toBeUndefined();
    expect(detectToken(`AKIA${"IOSFODNN7EXAMPLE"} then ${aws}`)?.value).toBe(aws);
    expect(detectTokens(`ghp_${"x".repeat(36)} ghp_${ALNUM36} AKIA${"X".repeat(16)}`).map((t) => t.value)).toEqual([`ghp_${ALNUM36}`]);
  });

  it("a URL's secret is its password; a token's is the token", () => {
    expect(detectToken("git clone https://bob:" + "Hunter2pw@github.com/x")).toMatchObject({ kind: "url-credentials", value: "https://bob:Hunter2pw@", secret: "Hunter2pw" });
    expect(detectToken("x ghp_" + ALNUM36)).toMatchObject({ value: "ghp_" + ALNUM36, secret: "ghp_" + ALNUM36 });
  });

  it("finds every token of a text, each with its value", () => {
    const text = `a=ghp_${ALNUM36} b=AKIA${"Z7QWERTYUIOPASDF"}`;
    expect(detectTokens(text).map((t) => [t.kind, t.value.length])).toEqual([["aws-access-key-id", 20], ["github-token", 40]]);
  });

  it("an AWS secret key by key name and 40-character shape", () => {
    const key = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYzz1abcdKEY";
    expect(isAwsSecretKey("AWS_SECRET_ACCESS_KEY", key)).toBe(true);
    expect(isAwsSecretKey("aws_secret_access_key", key)).toBe(true);
    expect(isAwsSecretKey("AWS_SECRET_ACCESS_KEY", key.slice(1))).toBe(false);
    expect(isAwsSecretKey("GITHUB_SECRET", key)).toBe(false);
    expect(isAwsSecretKey("AWS_REGION", key)).toBe(false);
    expect(isAwsSecretKey("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY")).toBe(false);
  });
});

describe("redactedForm: kind, at most two characters, length", () => {
  it.each([
    ["ghp_" + ALNUM36, "github-token", "<github-token gh… 40 chars>"],
    ["s3cr3t", "password", "<password s… 6 chars>"],
    ["abc", "secret", "<secret … 3 chars>"],
    ["x", "secret", "<secret … 1 char>"],
  ])("%s", (value, kind, shown) => {
    expect(redactedForm(value, kind)).toBe(shown);
  });
});

describe("sha256Text", () => {
  it.each(["", "abc", "ghp_" + ALNUM36, "é€😀", "x".repeat(55), "x".repeat(56), "x".repeat(64), "y".repeat(1000)])("agrees with node:crypto on %j", (v) => {
    expect(sha256Text(v)).toBe("sha256:" + createHash("sha256").update(v, "utf8").digest("hex"));
  });
});

describe("scans stay linear on hostile text", () => {
  it("finds nothing, quickly enough to finish, in long runs that almost match", () => {
    const runs = ["a".repeat(200_000), "-eyJ".repeat(50_000), "x:".repeat(100_000), "glpat-".repeat(30_000) + " ", "ab" + "c".repeat(200_000) + ":/"];
    for (const t of runs) expect(detectTokens(t).filter((x) => x.kind === "url-credentials" || x.kind === "jwt")).toEqual([]);
  });
});

describe("hostile texts take linear time", () => {
  it("a long run of `-eyJ` (a JWT tried from every eyJ took 51 s on 7.6 MB), and runs of token prefixes", () => {
    expect(detectTokens("-eyJ".repeat(500_000))).toEqual([]);
    expect(detectToken("-eyJ".repeat(500_000))).toBeUndefined();
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    expect(detectTokens("-eyJ".repeat(1000) + " " + jwt).map((t) => t.kind)).toEqual(["jwt"]);
    expect(detectTokens("xeyJ" + jwt.slice(3))).toEqual([]);
  });
});
