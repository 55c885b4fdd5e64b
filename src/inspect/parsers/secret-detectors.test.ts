import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { detectToken, detectTokens, isAwsSecretKey, redactedForm, SECRET_DETECTORS } from "./secret-detectors.js";
import { sha256Text } from "./sha256-text.js";

// planted values, split so that no scanner reads this file as holding them
const ALNUM36 = "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
const cases: { kind: string; yes: string[]; no: string[] }[] = [
  { kind: "private-key", yes: ["-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN OPENSSH PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----"], no: ["-----BEGIN PUBLIC KEY-----", "-----BEGIN CERTIFICATE-----", "BEGIN PRIVATE KEY"] },
  { kind: "aws-access-key-id", yes: ["AKIA" + "Z7QWERTYUIOPASDF", "id=ASIA" + "Z7QWERTYUIOPASDF;", "AKIA" + "IOSFODNN7EXAMPLE"], no: ["XAKIA" + "Z7QWERTYUIOPASDF", "AKIA" + "Z7QWERTYUIOPASD", "AKIA" + "z7qwertyuiopasdf", "AKIA" + "Z7QWERTYUIOPASDFG"] },
  { kind: "github-token", yes: ["ghp_" + ALNUM36, "gho_" + ALNUM36, "ghs_" + ALNUM36, "ghu_" + ALNUM36, "ghr_" + ALNUM36, "github_pat_" + "11ABCDEFG0_".repeat(3)], no: ["ghp_" + ALNUM36.slice(0, 35), "ghx_" + ALNUM36, "xghp_" + ALNUM36, "github_pat_short"] },
  { kind: "gitlab-token", yes: ["glpat-" + "Ab3_dE6-gH9jK2mN5pQ8"], no: ["glpat-" + "Ab3dE6gH9", "xglpat-" + "Ab3_dE6-gH9jK2mN5pQ8"] },
  { kind: "slack-token", yes: ["xoxb-" + "1234567890-abcdefghij", "xoxp-" + "12345-67890-abc", "xoxa-" + "1234567890", "xoxr-" + "1234567890", "xoxs-" + "1234567890"], no: ["xoxz-" + "1234567890", "xoxb-" + "123"] },
  { kind: "stripe-key", yes: ["sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "rk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"], no: ["sk_test_" + "4eC39HqLyjWDarjtT1zdp7dc", "pk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "sk_live_" + "short"] },
  { kind: "google-api-key", yes: ["AIza" + "SyA-1234567890abcdefghijklmnopqrstu"], no: ["AIza" + "SyA-123", "AIzb" + "SyA-1234567890abcdefghijklmnopqrstu"] },
  { kind: "npm-token", yes: ["npm_" + ALNUM36], no: ["npm_" + ALNUM36.slice(0, 30), "npm_" + ALNUM36 + "x", "npm_install"] },
  { kind: "pypi-token", yes: ["pypi-AgEIcHlwaS5vcmc" + "CJDk4YzE1NmQ0LTk5ZjItNDY5Ni1hMjNhLTFiYzk0MjA4NjRkMgACKlsz"], no: ["pypi-AgEIcHlwaS5vcmc" + "short", "pypi-package-name"] },
  { kind: "url-credentials", yes: ["https://user:" + "s3cr3t@example.com/x", "postgres://app:" + "pw@db/app"], no: ["https://user@example.com", "https://example.com:8443/x", "mailto:a@b"] },
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

  it("documented examples are findings (decision: accept them by sha256 instead)", () => {
    expect(detectToken("AKIA" + "IOSFODNN7EXAMPLE")?.kind).toBe("aws-access-key-id");
    expect(detectToken("ghp_" + "x".repeat(36))?.kind).toBe("github-token");
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
